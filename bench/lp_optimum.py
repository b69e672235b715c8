"""The exact LP optimum of a benchmark wave, to split a plan's gap into its two halves:
how far the plan is above the LP optimum and how far the bound is below it.

`python -m bench.lp_optimum 100000` (slow on purpose: 12.5 minutes at 100,000 persons).
HiGHS solves the LP over each type's cheapest settlements at the flows' prices and the
flows' own pairs, adding every pair the duals price below its type's best (column
generation) until none is; the last LP's value is then the optimum over every pair.
"""

import sys
import time

import numpy as np

from bench.instances import national_instance
from qonaq.placement.flow import solve_relaxation
from qonaq.placement.household_types import HouseholdTypes, household_types
from qonaq.placement.lp import solve_lp_relaxation
from qonaq.placement.model import IntArray, PlacementProblem, build_problem
from qonaq.placement.plan import PlacementPlan, plan_placement
from qonaq.placement.policy import DEFAULT_POLICY
from qonaq.placement.pricing import direct_arcs, dual_bound, pricing_context, unique_fitting_arcs

# each type's cheapest settlements at the flows' prices that start the LP
STARTING_CHOICES = 3
# HiGHS' limit per LP round
ROUND_SECONDS = 600.0
# column rounds at most (100,000 persons need about ten)
MAX_ROUNDS = 50


def main() -> None:
    """Print the plan, its bound and the LP optimum for a wave of argv[1] persons."""
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    instance = national_instance(persons)
    problem = build_problem(
        instance.settlements, instance.households, instance.vacancies, DEFAULT_POLICY
    )
    plan = plan_placement(problem, method="flow")
    print(f"plan {plan.objective:,.0f}, bound {plan.lower_bound:,.0f}, gap {plan.gap:.2%}")
    started = time.perf_counter()
    types = household_types(problem)
    relaxation = solve_relaxation(problem, types)
    ctx = pricing_context(problem, types)
    _, _, cheapest = dual_bound(ctx, relaxation.prices, STARTING_CHOICES)
    own_t, own_s = direct_arcs(ctx, 2)
    t, s = unique_fitting_arcs(
        ctx,
        np.concatenate([np.repeat(np.arange(len(types.count)), STARTING_CHOICES),
                        relaxation.arc_type, own_t]),
        np.concatenate([cheapest.reshape(-1), relaxation.arc_settlement, own_s]),
    )  # fmt: skip
    optimum = lp_optimum(problem, types, (t, s), MAX_ROUNDS)
    print_sides(plan, optimum, f"{time.perf_counter() - started:.0f} s")


def lp_optimum(
    problem: PlacementProblem, types: HouseholdTypes, start: tuple[IntArray, IntArray], rounds: int
) -> float:
    """The LP optimum over every pair: HiGHS from the pairs `start`, adding the pairs its
    duals price below their type's best until none is missing (at most `rounds`)."""
    exact = solve_lp_relaxation(
        problem,
        types,
        rounds=rounds,
        start=start,
        seconds=ROUND_SECONDS,
        progress=lambda message, _done: print(f"  {message}", flush=True),
    )
    # once no pair is missing, the best bound is the LP's own value
    return exact.lower_bound


def print_sides(plan: PlacementPlan, optimum: float, how: str) -> None:
    """How far the plan is above the LP optimum and its bound below it."""
    above, below = plan.objective / optimum - 1, plan.lower_bound / optimum - 1
    print(
        f"LP optimum {optimum:,.0f} ({how}): the plan is {above:+.2%} above it, "
        f"the bound {below:+.2%}"
    )


if __name__ == "__main__":
    main()
