"""The desk-versus-hindsight benchmark's own logic, on a tiny wave (bench/desk_quality.py)."""

from collections.abc import Sequence

import numpy as np
import pytest

from bench.desk_quality import (
    AhaniSettings,
    Schedule,
    ahani_prices,
    ahani_repricer,
    checkpoints,
    desk_day,
    excess,
    intraday_repricer,
)
from bench.instances import national_instance
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.costs import evaluate, placed_totals
from qonaq.placement.desk import intraday_prices
from qonaq.placement.model import UNPLACED, HouseholdRecord, VacancyRecord, build_problem
from qonaq.placement.plan import plan_placement
from qonaq.placement.policy import DEFAULT_POLICY
from qonaq.placement.pricing import Prices
from tests.placement.factories import random_instance


def test_a_repriced_day_prices_from_the_loads_and_open_jobs_of_that_moment() -> None:
    yesterday, today = national_instance(400, seed=4), national_instance(400, seed=5)
    problem = build_problem(today.settlements, today.households, today.vacancies, DEFAULT_POLICY)
    # the exact LP: the flows' fixed work takes seconds even on a tiny wave
    real = intraday_repricer(yesterday.households, DEFAULT_POLICY, method="lp")
    seen_at: list[tuple[int, np.ndarray, np.ndarray]] = []

    def spy(
        places: list[SettlementRecord],
        jobs: list[VacancyRecord],
        seen: Sequence[HouseholdRecord],
        count: int,
    ) -> Prices:
        assert len(seen) == count
        loads = np.array([(p.load_persons, p.load_children, p.load_medical) for p in places])
        open_jobs = build_problem(places, [], jobs, DEFAULT_POLICY).vacancies
        seen_at.append((count, loads, open_jobs))
        return real(places, jobs, seen, count)

    day = desk_day(
        today, DEFAULT_POLICY, None, reprice=spy, stops=checkpoints(len(today.households), 4)
    )

    assert [count for count, _, _ in seen_at] == sorted(checkpoints(len(today.households), 4))
    for count, loads, open_jobs in seen_at:
        so_far = np.where(np.arange(len(day.chosen)) < count, day.chosen, UNPLACED)
        added, workers = placed_totals(problem, so_far)
        assert np.array_equal(loads, problem.load + added)
        # a group whose jobs are all gone drops out of the open list
        left = problem.vacancies - np.minimum(problem.vacancies, workers)
        assert open_jobs.sum() == left.sum()
    assert len(day.repricing_seconds) == 3


def test_every_household_is_placed_once_within_capacity_at_the_costs_the_desk_showed() -> None:
    yesterday, today = national_instance(400, seed=6), national_instance(400, seed=7)
    problem = build_problem(today.settlements, today.households, today.vacancies, DEFAULT_POLICY)
    reprice = intraday_repricer(yesterday.households, DEFAULT_POLICY, method="lp")
    stops = Schedule().stops(len(yesterday.households))
    day = desk_day(today, DEFAULT_POLICY, None, reprice=reprice, stops=stops)
    assert len(day.repricing_seconds) == len(stops) > 9
    assert day.chosen.shape == (len(today.households),)
    assert np.all(day.chosen != UNPLACED)
    added, _ = placed_totals(problem, day.chosen)
    assert np.all((problem.load + added <= problem.capacity) | (added == 0))
    assert problem.eligible[day.chosen].all()
    # the true marginal costs shown, household by household, add up to the day's objective:
    # the rebuilt desks carried the loads and open jobs over exactly
    assert evaluate(problem, day.chosen).objective == pytest.approx(day.marginal_total, rel=1e-9)
    hindsight = evaluate(problem, day.chosen).objective * 0.8
    assert excess(problem, day.chosen, hindsight) == pytest.approx(0.25)


def test_the_ahani_baseline_places_every_household_within_capacity_above_the_bound() -> None:
    yesterday, today = national_instance(400, seed=8), national_instance(400, seed=9)
    problem = build_problem(today.settlements, today.households, today.vacancies, DEFAULT_POLICY)
    reprice = ahani_repricer(yesterday.households, DEFAULT_POLICY)
    opening = reprice(list(today.settlements), list(today.vacancies), [], 0)
    stops = Schedule(rhythm=10).stops(len(yesterday.households))
    day = desk_day(today, DEFAULT_POLICY, opening, reprice=reprice, stops=stops)
    assert np.all(day.chosen != UNPLACED)
    added, _ = placed_totals(problem, day.chosen)
    assert np.all((problem.load + added <= problem.capacity) | (added == 0))
    assert evaluate(problem, day.chosen).objective == pytest.approx(day.marginal_total, rel=1e-9)
    # no desk day beats the optimum: the hindsight plan's bound is below it
    hindsight = plan_placement(problem)
    assert evaluate(problem, day.chosen).objective >= hindsight.lower_bound * (1 - 1e-9)
    assert np.isfinite(excess(problem, day.chosen, hindsight.objective))
    assert len(day.repricing_seconds) == 9


def test_a_remaining_wave_within_one_sample_gets_the_exact_lp_duals_of_that_wave() -> None:
    places, arrivals, jobs = random_instance(4, settlements=8, households=60, tight=True)
    vertex = AhaniSettings(minimal=False)
    ahani = ahani_prices(places, jobs, DEFAULT_POLICY, arrivals, 40, seed=3, settings=vertex)
    # the same expected wave (same draw) through the batch plan's exact LP
    exact = intraday_prices(places, jobs, DEFAULT_POLICY, arrivals, 40, method="lp", seed=3)
    assert np.allclose(ahani.persons, exact.persons)
    assert np.allclose(ahani.children, exact.children)
    # a vacancy the LP prices at 0 is passed on as almost 0, not as "not priced"
    assert np.allclose(ahani.workers, exact.workers)
    assert np.all(
        (ahani.workers > 0) == (build_problem(places, [], jobs, DEFAULT_POLICY).vacancies > 0)
    )


def test_the_smallest_duals_price_the_capacities_no_dearer_than_a_vertex() -> None:
    places, arrivals, jobs = random_instance(6, settlements=8, households=60, tight=False)
    least = ahani_prices(places, jobs, DEFAULT_POLICY, arrivals, 40, seed=2)
    vertex = ahani_prices(
        places, jobs, DEFAULT_POLICY, arrivals, 40, seed=2, settings=AhaniSettings(minimal=False)
    )
    assert np.all(least.persons <= vertex.persons + 1e-6)
    # on this wave HiGHS' vertex prices two settlements above the least optimal prices
    assert np.any(least.persons < vertex.persons - 1.0)


def test_sampled_prices_rise_with_the_arrivals_still_expected() -> None:
    places, arrivals, jobs = random_instance(6, settlements=6, households=30, tight=True)
    small = AhaniSettings(samples=3, households=10)
    few = ahani_prices(places, jobs, DEFAULT_POLICY, arrivals, 2, settings=small)
    many = ahani_prices(places, jobs, DEFAULT_POLICY, arrivals, 90, settings=small)
    # 90 expected households crowd the same room: each scaled sample of 10 prices it dearer
    assert many.persons.sum() > few.persons.sum()
    again = ahani_prices(places, jobs, DEFAULT_POLICY, arrivals, 90, settings=small)
    assert np.array_equal(many.persons, again.persons)


def test_the_schedule_re_prices_at_equal_parts_or_at_equal_shares_of_what_is_to_come() -> None:
    assert Schedule(rhythm=4).stops(100) == {25, 50, 75}
    shares = sorted(Schedule(share=0.5).stops(1000))
    assert shares[:3] == [500, 750, 875]
    assert len(Schedule().stops(1000)) > 9


def test_checkpoints_split_the_day_into_equal_parts() -> None:
    assert checkpoints(100, 10) == {10, 20, 30, 40, 50, 60, 70, 80, 90}
    assert checkpoints(5, 10) == {1, 2, 3, 4}
    assert checkpoints(100, 1) == set()
