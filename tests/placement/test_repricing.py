"""Intra-day re-pricing: a pure function of the settlements now and the arrivals expected."""

import numpy as np
import pytest

from qonaq.placement.desk import intraday_prices
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
