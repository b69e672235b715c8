"""Trades between alike households: loads unchanged in every dimension, never worse, and
the swaps a single move cannot make."""

import numpy as np

from qonaq.placement.costs import evaluate
from qonaq.placement.exchange import exchange
from qonaq.placement.household_types import household_types
from qonaq.placement.model import (
    UNPLACED,
    IntArray,
    PlacementProblem,
    VacancyRecord,
    build_problem,
)
from qonaq.placement.plan import plan_placement
from qonaq.placement.policy import DEFAULT_POLICY
from tests.placement.factories import household, random_instance, settlement


def loads(problem: PlacementProblem, assignment: IntArray) -> IntArray:
    """(S, 3) persons, children, medical placed in each settlement."""
    placed = assignment != UNPLACED
    load = np.zeros_like(problem.capacity)
    np.add.at(load, assignment[placed], problem.demand[placed])
    return load


def test_two_families_in_each_others_town_swap_even_when_both_towns_are_full() -> None:
    west, east = (
        settlement("west", lon=52.0, cap_persons=3),
        settlement("east", lon=80.0, cap_persons=3),
    )
    from_west = household("a", size=3, lon=52.0)
    from_east = household("b", size=3, lon=80.0)
    problem = build_problem([west, east], [from_west, from_east], [], DEFAULT_POLICY)
    crossed = np.array([1, 0])  # each in the other's town: 2 × 3 × the width of the country
    traded = exchange(problem, household_types(problem), crossed)
    assert traded.tolist() == [0, 1]
    assert evaluate(problem, traded).travel == 0.0
    assert (loads(problem, traded) == loads(problem, crossed)).all()


def test_a_driver_trades_places_with_a_family_without_workers_to_take_the_job() -> None:
    here, there = (
        settlement("here", lon=70.0, cap_persons=2),
        settlement("there", lon=71.0, cap_persons=2),
    )
    driver = household("d", size=2, lon=70.0, occupations=("driver",))
    family = household("f", size=2, lon=70.0)
    job = VacancyRecord(settlement_id="there", occupation="driver", vacancies=1)
    problem = build_problem([here, there], [driver, family], [job], DEFAULT_POLICY)
    before = np.array([0, 1])
    traded = exchange(problem, household_types(problem), before)
    assert traded.tolist() == [1, 0]
    # the same travel for both, one worker matched: 300 km-equivalents better
    assert evaluate(problem, before).objective - evaluate(problem, traded).objective == 300.0


def test_trades_keep_every_load_and_never_cost_more_on_random_waves() -> None:
    for seed in range(6):
        places, arrivals, jobs = random_instance(
            seed, settlements=30, households=600, tight=seed % 2 == 0
        )
        problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
        plan = plan_placement(problem, method="flow")
        rng = np.random.default_rng(seed)
        # a worse start than the plan: the places of alike households shuffled among them
        start = plan.assignment.copy()
        alike = np.flatnonzero(np.all(problem.demand == problem.demand[0], axis=1))
        start[alike] = start[rng.permutation(alike)]
        traded = exchange(problem, household_types(problem), start)
        assert (loads(problem, traded) == loads(problem, start)).all()
        assert evaluate(problem, traded).objective <= evaluate(problem, start).objective + 1e-6
        assert ((traded == UNPLACED) == (start == UNPLACED)).all()
