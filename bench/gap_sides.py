"""Which side of a gap is short on a wave over many settlements: the plan, its bound and
the exact LP optimum (HiGHS, column generation until no pair is missing).

`python -m bench.gap_sides PERSONS [SETTLEMENTS] [hubs|scattered]` (defaults: 10000, 7000,
scattered). The LP runs over the households at their own origins (one type per household
on a scattered wave), from each type's nearest settlements, wishes, nearby jobs and the
plan's own places; minutes at 20,000 persons.
"""

import sys
import time

import numpy as np

from bench.instances import HUB_WAVE, SCATTERED_WAVE, national_instance
from bench.lp_optimum import lp_optimum, print_sides
from qonaq.placement.household_types import household_types
from qonaq.placement.model import UNPLACED, build_problem
from qonaq.placement.options import PlanOptions
from qonaq.placement.plan import plan_placement
from qonaq.placement.policy import DEFAULT_POLICY
from qonaq.placement.pricing import initial_arcs, pricing_context, unique_fitting_arcs

# column rounds at most
MAX_ROUNDS = 60


def main() -> None:
    """Print the plan, its bound, and the LP optimum with the share each side is off."""
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    settlements = int(sys.argv[2]) if len(sys.argv) > 2 else 7000
    shape = HUB_WAVE if len(sys.argv) > 3 and sys.argv[3] == "hubs" else SCATTERED_WAVE
    forced = len(sys.argv) > 4 and sys.argv[4] == "ascent"
    instance = national_instance(persons, settlements=settlements, shape=shape)
    problem = build_problem(
        instance.settlements, instance.households, instance.vacancies, DEFAULT_POLICY
    )
    options = PlanOptions(ascent_max_pairs=10**12) if forced else PlanOptions()
    started = time.perf_counter()
    plan = plan_placement(problem, options=options)
    print(
        f"{len(problem.household_ids):,} households, {plan.method}: plan "
        f"{plan.objective:,.0f}, bound {plan.lower_bound:,.0f}, gap {plan.gap:.2%} "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    started = time.perf_counter()
    types = household_types(problem)
    ctx = pricing_context(problem, types)
    near_t, near_s = initial_arcs(ctx)
    placed = np.flatnonzero(plan.assignment != UNPLACED)
    t, s = unique_fitting_arcs(
        ctx,
        np.concatenate([near_t, types.of_household[placed]]),
        np.concatenate([near_s, plan.assignment[placed]]),
    )
    optimum = lp_optimum(problem, types, (t, s), MAX_ROUNDS)
    print_sides(plan, optimum, f"{time.perf_counter() - started:.0f} s, {len(types.count):,} types")


if __name__ == "__main__":
    main()
