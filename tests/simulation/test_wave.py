"""The wave: exact entries per day and hub, households of 1–8, the same wave for the same seed."""

import numpy as np

from qonaq.simulation.wave import generate_wave, hub_entries
from tests.simulation.factories import small_scenario

SHARES = np.array([0.5, 0.3, 0.2])


def test_entries_per_day_are_exact() -> None:
    scenario = small_scenario()
    entries = hub_entries(scenario, SHARES)
    assert entries.sum(axis=1).tolist() == list(scenario.arrivals.daily)
    wave = generate_wave(scenario, SHARES)
    per_day = np.bincount(wave.arrival_day, weights=wave.size, minlength=len(entries))
    assert per_day.astype(int).tolist() == list(scenario.arrivals.daily)


def test_households_are_whole_families() -> None:
    wave = generate_wave(small_scenario(), SHARES)
    size, children, medical = wave.demand.T
    assert size.min() >= 1 and size.max() <= 8
    assert np.all(children <= size - 1) and np.all(medical <= size)
    assert np.all(wave.leave_day > wave.arrival_day)


def test_same_seed_same_wave_other_seed_other_wave() -> None:
    first = generate_wave(small_scenario(seed=7), SHARES)
    again = generate_wave(small_scenario(seed=7), SHARES)
    other = generate_wave(small_scenario(seed=8), SHARES)
    assert np.array_equal(first.demand, again.demand) and np.array_equal(first.stays, again.stays)
    assert len(first) != len(other) or not np.array_equal(first.demand, other.demand)
