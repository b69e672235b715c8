"""A batch plan: build the types, solve the relaxation, assign whole households, report."""

import time
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from qonaq.placement.assign import FAR_IMPROVE_SECONDS, IMPROVE_SECONDS, assign
from qonaq.placement.costs import ObjectiveParts, evaluate
from qonaq.placement.flow import ascends, solve_relaxation
from qonaq.placement.lp import SolverTimeLimit, solve_lp_relaxation, solve_small_mip
from qonaq.placement.model import PERSONS, UNPLACED, IntArray, PlacementProblem
from qonaq.placement.origins import (
    distinct_origins,
    exact_bound,
    pricing_origin_budget,
    pricing_problem,
    snap_origins,
)
from qonaq.placement.solve import Prices, Progress, pricing_context
from qonaq.placement.types import household_types


@dataclass(frozen=True)
class PlacementPlan:
    """Where each household goes (settlement index, -1 unplaced), its cost, how near optimal."""

    problem: PlacementProblem
    assignment: IntArray
    parts: ObjectiveParts
    lower_bound: float
    prices: Prices
    seconds: float

    @property
    def objective(self) -> float:
        """The plan's objective in km-equivalents."""
        return self.parts.objective

    @property
    def gap(self) -> float:
        """(objective − lower bound) / |objective|: how far from optimal the plan can be at most."""
        return max(0.0, self.objective - self.lower_bound) / max(abs(self.objective), 1e-9)

    @property
    def placed_households(self) -> int:
        """Households with a settlement."""
        return int(np.count_nonzero(self.assignment != UNPLACED))

    @property
    def unplaced_households(self) -> int:
        """Households left without a settlement (no eligible settlement had room)."""
        return len(self.assignment) - self.placed_households

    def settlement_of(self, household: int) -> str:
        """The settlement id of a household, '' when unplaced."""
        where = int(self.assignment[household])
        return "" if where == UNPLACED else self.problem.settlement_ids[where]


# up to this many type-settlement pairs the integer program itself is solved (HiGHS MIP)
MIP_MAX_PAIRS = 20_000
# up to this many household types the exact LP (HiGHS) is fast enough (30,000 persons make
# about 8,000 types: 12 s, gap 0.12 %, where the flows take 6.5 s for a gap of 1.2 %);
# beyond, priced flows
LP_MAX_TYPES = 8000
METHODS = ("auto", "mip", "lp", "flow")


def plan_placement(
    problem: PlacementProblem, *, method: str = "auto", progress: Progress | None = None
) -> PlacementPlan:
    """Plan every household of the problem at once: the batch mode of the model.

    `method`: "mip" (integer program over types), "lp" (LP relaxation, rounded), "flow"
    (Lagrangian min-cost flow, rounded) or "auto" (the first that is fast at this size).
    """
    started = time.perf_counter()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: use {', '.join(METHODS)}")
    if not problem.household_ids or not problem.eligible.any():
        return nothing_to_place(problem, started)
    # per-household origins are priced snapped to a few points (origins.py)
    budget = pricing_origin_budget(len(problem.settlement_ids))
    origins = snap_origins(problem, budget) if distinct_origins(problem) > budget else None
    priced = problem if origins is None else pricing_problem(problem, origins)
    types = household_types(priced)
    automatic = method == "auto"
    if automatic:
        pairs = len(types.count) * len(problem.settlement_ids)
        method = (
            "mip"
            if pairs <= MIP_MAX_PAIRS
            else "lp"
            if len(types.count) <= LP_MAX_TYPES
            else "flow"
        )
    solver = {"mip": solve_small_mip, "lp": solve_lp_relaxation, "flow": solve_relaxation}[method]
    # the ascent's compiled kernels take every core; OpenBLAS's threads, waiting hot beside
    # them for matrix products too small to share, made them half as fast (1M persons)
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            relaxation = solver(priced, types, progress=progress)
        except SolverTimeLimit:
            if not automatic:
                raise
            # an unusually hard LP for its size: the flows always finish
            relaxation = solve_relaxation(priced, types, progress=progress)
        # a plain Lagrangian flow leaves more for the local search than the ascent's plan
        far = method == "flow" and not ascends(priced, types)
        assignment = assign(
            problem,
            relaxation,
            FAR_IMPROVE_SECONDS if far else IMPROVE_SECONDS,
            snapped=origins is not None,
        )
        lower_bound = relaxation.lower_bound
        if origins is not None:
            lower_bound = max(
                exact_bound(pricing_context(priced, types), problem, origins, relaxation.prices),
                # the snapped problem's bound less the most travel the snapping can hide
                lower_bound - float(problem.demand[:, PERSONS] @ origins.shift),
            )
    return PlacementPlan(
        problem=problem,
        assignment=assignment,
        parts=evaluate(problem, assignment),
        lower_bound=lower_bound,
        prices=relaxation.prices,
        seconds=time.perf_counter() - started,
    )


def nothing_to_place(problem: PlacementProblem, started: float) -> PlacementPlan:
    """The plan when there are no households or no eligible settlement: all unplaced, exact."""
    assignment = np.full(len(problem.household_ids), UNPLACED, dtype=np.int64)
    parts = evaluate(problem, assignment)
    zero = np.zeros(len(problem.settlement_ids))
    return PlacementPlan(
        problem=problem,
        assignment=assignment,
        parts=parts,
        lower_bound=parts.objective,
        prices=Prices(zero, zero, zero, np.zeros(problem.vacancies.shape)),
        seconds=time.perf_counter() - started,
    )
