"""The day-by-day model: nobody lost or counted twice, repeatable, and `qonaq` within capacity."""

import dataclasses

import numpy as np
import pytest

from qonaq.placement.model import PERSONS
from qonaq.simulation.compare import Comparison
from qonaq.simulation.run import (
    ABROAD,
    AWAITING,
    LEAVING,
    NOT_ARRIVED,
    PLACED,
    QUEUED,
    TRAVELLING,
    UNPLACED_STATE,
    serve_queues,
)
from qonaq.simulation.scenario import MAX_HOUSEHOLD_SIZE
from tests.simulation.factories import run_small, short_of_room


@pytest.fixture(scope="module")
def roomy() -> Comparison:
    return run_small()


@pytest.fixture(scope="module")
def cramped() -> Comparison:
    return run_small(settlements=short_of_room())


def assert_conserved(comparison: Comparison) -> None:
    wave, country = comparison.wave, comparison.country
    entered = np.cumsum(
        np.bincount(wave.arrival_day, weights=wave.size, minlength=comparison.scenario.days)
    )
    for run in comparison.runs:
        states = run.state_persons
        # every person who entered is in exactly one state: none lost, none counted twice
        assert np.array_equal(states[:, NOT_ARRIVED + 1 :].sum(axis=1), entered), run.policy
        assert np.array_equal(states.sum(axis=1), np.full(len(states), wave.size.sum()))
        assert np.array_equal(run.queue_persons.sum(axis=1), states[:, QUEUED])
        placed = (run.placed_load - country.initial_load).sum(axis=1)
        committed = (run.committed_load - country.initial_load).sum(axis=1)
        assert np.array_equal(placed[:, PERSONS], states[:, PLACED]), run.policy
        holding = states[:, AWAITING] + states[:, TRAVELLING] + states[:, PLACED]
        assert np.array_equal(committed[:, PERSONS], holding), run.policy
        # leavers only ever leave
        leavers = wave.size[~wave.stays].sum()
        assert states[-1, ABROAD] + states[-1, LEAVING] == leavers


def test_conservation_with_room(roomy: Comparison) -> None:
    assert_conserved(roomy)
    for run in roomy.runs:
        assert run.state_persons[-1, PLACED] == roomy.wave.size[roomy.wave.stays].sum()


def test_conservation_short_of_room(cramped: Comparison) -> None:
    assert_conserved(cramped)
    qonaq = next(run for run in cramped.runs if run.policy == "qonaq")
    assert qonaq.state_persons[-1, UNPLACED_STATE] > 0


def test_qonaq_never_exceeds_any_capacity(roomy: Comparison, cramped: Comparison) -> None:
    for comparison in (roomy, cramped):
        country = comparison.country
        limit = np.maximum(country.capacity, country.initial_load)
        qonaq = next(run for run in comparison.runs if run.policy == "qonaq")
        assert np.all(qonaq.committed_load <= limit[None, :, :])
        assert np.all(qonaq.placed_load <= limit[None, :, :])
    # the others do overload the cramped country, so the check above has teeth
    others = [run for run in cramped.runs if run.policy != "qonaq"]
    assert all(np.any(run.placed_load > cramped.country.capacity) for run in others)


def test_qonaq_ignores_closed_settlements() -> None:
    settlements = short_of_room(0.2)
    closed = {record.id for record in settlements[::3]}
    settlements = [
        r.model_copy(update={"open": False}) if r.id in closed else r for r in settlements
    ]
    comparison = run_small(("qonaq",), settlements=settlements)
    run = comparison.runs[0]
    used = {
        comparison.country.settlements[s].id
        for s in np.unique(run.destination[run.destination >= 0])
    }
    assert not used & closed


def test_same_seed_same_results(roomy: Comparison) -> None:
    again = run_small()
    for first, second in zip(roomy.runs, again.runs, strict=True):
        assert np.array_equal(first.destination, second.destination)
        assert np.array_equal(first.state_persons, second.state_persons)
        assert np.array_equal(first.placed_load, second.placed_load)
    strip = [dataclasses.replace(m, seconds=0.0) for m in roomy.metrics]
    assert strip == [dataclasses.replace(m, seconds=0.0) for m in again.metrics]


def test_another_seed_other_results(roomy: Comparison) -> None:
    other = run_small(("free",), seed=roomy.scenario.seed + 1)
    assert not np.array_equal(other.runs[0].placed_load, roomy.runs[0].placed_load)


def test_queues_are_first_come_first_served_within_throughput() -> None:
    queued = np.array([0, 1, 2, 3, 4])
    psc = np.array([0, 0, 0, 1, 1])
    joined = np.array([2, 1, 1, 0, 0])
    size = np.array([3, 4, 2, 5, 5])
    served = serve_queues(queued, psc, joined, size, daily=np.array([6, 8]))
    # PSC 0: household 1 (joined first, 4) then 2 (2) = 6; household 0 waits. PSC 1: only 3
    assert sorted(served.tolist()) == [1, 2, 3]


def test_psc_throughput_is_respected(roomy: Comparison) -> None:
    wave, country = roomy.wave, roomy.country
    for run in roomy.runs:
        registered = run.registered_day >= 0
        served = np.zeros((roomy.scenario.days, len(country.psc_daily)))
        np.add.at(
            served, (run.registered_day[registered], run.psc[registered]), wave.size[registered]
        )
        assert np.all(served <= country.psc_daily[None, :])
        # while people wait, a PSC is short of its throughput by less than one household
        waiting = run.queue_persons > 0
        floor = np.broadcast_to(country.psc_daily - MAX_HOUSEHOLD_SIZE, served.shape)
        assert np.all(served[waiting] > floor[waiting])
        assert np.all(run.days_waited[registered] >= 0)
        assert not np.any(registered & ~wave.stays)
