"""Intra-day re-pricing: a pure function of the settlements now and the arrivals expected."""

import numpy as np
import pytest

from qonaq.placement.desk import (
    arrivals_still_expected,
    intraday_plan,
    intraday_prices,
    reprice_due,
    repricing_points,
)
from qonaq.placement.policy import DEFAULT_POLICY
from tests.placement.factories import random_instance


def test_the_same_arguments_give_the_same_prices() -> None:
    places, arrivals, jobs = random_instance(4, settlements=8, households=60, tight=False)
    first = intraday_prices(places, jobs, DEFAULT_POLICY, arrivals, 40, seed=3)
    second = intraday_prices(places, jobs, DEFAULT_POLICY, arrivals, 40, seed=3)
    assert np.array_equal(first.persons, second.persons)
    assert np.array_equal(first.workers, second.workers)


def test_prices_rise_with_the_arrivals_still_expected() -> None:
    places, arrivals, jobs = random_instance(6, settlements=6, households=30, tight=True)
    few = intraday_prices(places, jobs, DEFAULT_POLICY, arrivals, 2)
    many = intraday_prices(places, jobs, DEFAULT_POLICY, arrivals, 90)
    # 90 expected households (drawn with repeats from 30) crowd the same room: dearer
    assert many.persons.sum() > few.persons.sum()


def test_nothing_left_to_arrive_prices_nothing() -> None:
    places, arrivals, jobs = random_instance(6, settlements=6, households=10)
    prices = intraday_prices(places, jobs, DEFAULT_POLICY, arrivals, 0)
    assert not prices.persons.any() and not prices.workers.any()


def test_an_unknown_method_is_named() -> None:
    places, arrivals, jobs = random_instance(6, settlements=6, households=10)
    with pytest.raises(ValueError, match="re-pricing method 'greedy'"):
        intraday_prices(places, jobs, DEFAULT_POLICY, arrivals, 5, method="greedy")


def test_the_plan_behind_the_prices_is_the_one_a_deployment_stores() -> None:
    places, arrivals, jobs = random_instance(4, settlements=8, households=60, tight=False)
    plan = intraday_plan(places, jobs, DEFAULT_POLICY, arrivals, 40, seed=3)
    prices = intraday_prices(places, jobs, DEFAULT_POLICY, arrivals, 40, seed=3)
    assert len(plan.problem.household_ids) == 40
    assert np.array_equal(plan.prices.persons, prices.persons)
    with pytest.raises(ValueError, match="arrivals still expected"):
        intraday_plan(places, jobs, DEFAULT_POLICY, arrivals, 0)


def test_prices_are_due_once_a_share_of_the_arrivals_they_expected_has_come() -> None:
    assert not reprice_due(9, 40, share=0.25)
    assert reprice_due(10, 40, share=0.25)
    # prices that expected nobody never go stale: there is nothing to re-price for
    assert not reprice_due(100, 0)


def test_re_pricing_points_shrink_with_the_arrivals_still_to_come() -> None:
    points = repricing_points(1000, share=0.25, last_share=0.01)
    assert points[:4] == [250, 438, 579, 685]
    # each is the first count at which the prices made at the one before are due
    for before, after in zip([0, *points], points, strict=False):
        assert reprice_due(after - before, 1000 - before, 0.25)
        assert not reprice_due(after - before - 1, 1000 - before, 0.25)
    assert 1000 - points[-1] >= 10 and len(points) == 15
    assert repricing_points(0) == [] and repricing_points(1) == []
    with pytest.raises(ValueError, match="between 0 and 1"):
        repricing_points(100, share=1.0)


def test_a_day_ahead_of_yesterday_expects_more_than_yesterday_had() -> None:
    # as many as yesterday by now: yesterday's count less today's
    assert arrivals_still_expected(yesterday=400, yesterday_by_now=100, today_so_far=100) == 300
    # twice yesterday's by now (a growing influx): twice yesterday's day is expected
    assert arrivals_still_expected(yesterday=400, yesterday_by_now=100, today_so_far=200) == 600
    # a slower start is not taken to mean a quieter day, and no day expects fewer than 0
    assert arrivals_still_expected(yesterday=400, yesterday_by_now=100, today_so_far=10) == 390
    assert arrivals_still_expected(yesterday=400, yesterday_by_now=0, today_so_far=450) == 0
    assert arrivals_still_expected(yesterday=0, yesterday_by_now=0, today_so_far=30) == 0
