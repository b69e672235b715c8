"""A batch plan: build the types, solve the relaxation, assign whole households, report."""

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from qonaq.placement.assign import assign
from qonaq.placement.costs import ObjectiveParts, evaluate
from qonaq.placement.flow import ascends, solve_relaxation
from qonaq.placement.household_types import HouseholdTypes, household_types, unique_rows
from qonaq.placement.lp import SolverTimeLimit, solve_lp_relaxation, solve_small_mip
from qonaq.placement.model import PERSONS, UNPLACED, IntArray, PlacementProblem
from qonaq.placement.options import DEFAULT_OPTIONS, PlanOptions
from qonaq.placement.origins import (
    PricingOrigins,
    distinct_origins,
    exact_bound,
    pricing_origin_budget,
    pricing_problem,
    snap_origins,
)
from qonaq.placement.pricing import (
    PRICING_CHUNK,
    Prices,
    Progress,
    Relaxation,
    pricing_context,
)
from qonaq.placement.wide import better_seats, finer_pricing_origins, is_wide, unsnapped


@dataclass(frozen=True)
class PlacementPlan:
    """Where each household goes (settlement index, -1 unplaced), its cost, how near optimal."""

    problem: PlacementProblem
    assignment: IntArray
    parts: ObjectiveParts
    lower_bound: float
    prices: Prices
    seconds: float
    options: PlanOptions = DEFAULT_OPTIONS
    method: str = "auto"  # the method that made it

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
# up to this many household types the exact LP (HiGHS) is fast enough and much closer than
# the flows (docs/placement-model.md §8); beyond, priced flows
LP_MAX_TYPES = 8000
METHODS = ("auto", "mip", "lp", "flow")


def plan_placement(
    problem: PlacementProblem,
    *,
    method: str = "auto",
    progress: Progress | None = None,
    options: PlanOptions = DEFAULT_OPTIONS,
) -> PlacementPlan:
    """Plan every household of the problem at once: the batch mode of the model.

    `method`: "mip" (integer program over types), "lp" (LP relaxation, rounded), "flow"
    (Lagrangian min-cost flow, rounded) or "auto" (the first that is fast at this size).
    `options`: every limit (work limits by default: the same inputs give the same plan).
    PlanTooLarge (a ValueError) when the wave would need more memory than allowed.
    """
    started = time.perf_counter()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: use {', '.join(METHODS)}")
    if not problem.household_ids or not problem.eligible.any():
        return nothing_to_place(problem, started, options)
    # per-household origins are priced snapped to a few points (origins.py)
    budget = options.pricing_origins or pricing_origin_budget(len(problem.settlement_ids))
    # but a wave over many settlements that the exact LP can take at its own origins is not
    snap = distinct_origins(problem) > budget and not (
        method in ("auto", "lp") and unsnapped(problem, options)
    )
    origins = snap_origins(problem, budget) if snap else None
    priced = problem if origins is None else pricing_problem(problem, origins)
    types = household_types(priced)
    if origins is not None:
        # a wide wave the ascent takes is priced nearer its households' own origins
        origins, priced, types = finer_pricing(problem, method, options, (origins, priced, types))
    check_memory(problem, types, options)
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
    solver = solver_of(method, options)
    # the ascent's compiled kernels take every core; OpenBLAS's threads, waiting hot beside
    # them for matrix products too small to share, made them half as fast (§8 of the doc)
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            relaxation = solver(priced, types, progress)
        except SolverTimeLimit:
            if not automatic:
                raise
            if origins is None and distinct_origins(problem) > budget:
                # a wide wave's own-origin LP was too slow: the snapped flows instead
                snapped = replace(options, pricing_origins=budget)
                return plan_placement(problem, method="flow", progress=progress, options=snapped)
            # an unusually hard LP for its size: the flows always finish
            method = "flow"
            relaxation = solver_of(method, options)(priced, types, progress)
        # a plain Lagrangian flow leaves more for the local search than the ascent's plan
        far = method == "flow" and not ascends(priced, types, options)
        assignment = assign(problem, relaxation, options, far=far, snapped=origins is not None)
        if origins is not None and is_wide(problem):
            # the snapped relaxation chose the loads; the households' own origins, the seats
            assignment = better_seats(problem, assignment)
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
        options=options,
        method=method,
    )


Pricing = tuple[PricingOrigins, PlacementProblem, HouseholdTypes]


def finer_pricing(
    problem: PlacementProblem, method: str, options: PlanOptions, coarse: Pricing
) -> Pricing:
    """The snapped wave's pricing (origins, problem, types) at `wide.finer_pricing_origins`
    when the flows' ascent takes it; `coarse`, the pricing at the default budget, otherwise:
    on a narrow wave, by another method, or where the finer types are too many pairs."""
    budget = finer_pricing_origins(problem, coarse[2], options)
    flows = method == "flow" or (method == "auto" and len(coarse[2].count) > LP_MAX_TYPES)
    if budget is None or not flows:
        return coarse
    origins = snap_origins(problem, budget)
    priced = pricing_problem(problem, origins)
    types = household_types(priced)
    if not ascends(priced, types, options):
        return coarse
    return origins, priced, types


Solver = Callable[[PlacementProblem, HouseholdTypes, Progress | None], Relaxation]


def solver_of(method: str, options: PlanOptions) -> Solver:
    """The relaxation a method solves, with the options' limits."""
    if method == "mip":
        return lambda problem, types, progress: solve_small_mip(problem, types, progress=progress)
    if method == "lp":
        return lambda problem, types, progress: solve_lp_relaxation(
            problem, types, progress=progress, seconds=options.lp_seconds
        )
    return lambda problem, types, progress: solve_relaxation(
        problem, types, progress=progress, options=options
    )


class PlanTooLarge(ValueError):
    """The wave would need more memory than the plan may take."""


def check_memory(problem: PlacementProblem, types: HouseholdTypes, options: PlanOptions) -> None:
    """Refuse up front, in one sentence, a wave whose estimated peak exceeds the limit (the
    option, else the memory this process has and the machine has free)."""
    needed = estimated_bytes(problem, types)
    limit = options.memory_limit_bytes or available_bytes()
    if limit is not None and needed > limit:
        raise PlanTooLarge(
            f"this wave ({len(problem.household_ids):,} households over "
            f"{len(problem.settlement_ids):,} settlements) needs about {needed / 2**30:.1f} GB "
            f"to plan, more than the {limit / 2**30:.1f} GB allowed: plan it in parts or "
            "raise the memory limit"
        )


# the estimate's parts, measured on the benchmark's waves (peak resident memory of
# `qonaq place`, with reading the files): a base, per household, per type-settlement pair
# the pricing chunks and networks hold at once, per class row cell of the ascent
BASE_BYTES = 400e6
HOUSEHOLD_BYTES = 4_000.0
TYPE_BYTES = 1_500.0
CLASS_ROW_BYTES = 40.0


def estimated_bytes(problem: PlacementProblem, types: HouseholdTypes) -> float:
    """Peak memory a plan of this wave takes, from its households, types and settlements."""
    settlements = len(problem.settlement_ids)
    # the ascent's class rows: one per origin and demand its types have
    classes = unique_rows(np.concatenate([types.origin[:, None], types.demand], axis=1))[0]
    class_rows = len(classes) * settlements
    return (
        BASE_BYTES
        + HOUSEHOLD_BYTES * len(problem.household_ids)
        + TYPE_BYTES * len(types.count)
        + CLASS_ROW_BYTES * class_rows
        + 8.0 * 8 * PRICING_CHUNK * settlements
    )


def available_bytes() -> float | None:
    """This process's resident memory plus what the machine has available (Linux)."""
    try:
        meminfo = Path("/proc/meminfo").read_text()
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    available = next(
        (int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemAvailable")),
        None,
    )
    resident = next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0
    )
    return None if available is None else 1024.0 * (available + resident)


def nothing_to_place(
    problem: PlacementProblem, started: float, options: PlanOptions = DEFAULT_OPTIONS
) -> PlacementPlan:
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
        options=options,
        method="none",
    )
