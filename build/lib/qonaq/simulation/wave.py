"""The wave: every household that enters, when, where, who it is and whether it stays."""

from dataclasses import dataclass

import numpy as np

from qonaq.placement.model import BoolArray, IntArray
from qonaq.simulation.scenario import Scenario


@dataclass(frozen=True)
class Wave:
    """Households (N) of a surge in arrival order; arrays indexed by household."""

    arrival_day: IntArray  # (N,)
    hub: IntArray  # (N,) index into Country.hub_ids
    demand: IntArray  # (N, 3) persons, children, medical
    stays: BoolArray  # (N,) False: moves on abroad
    leave_day: IntArray  # (N,) day it leaves abroad (meaningful when not stays)

    @property
    def size(self) -> IntArray:
        """Persons per household."""
        result: IntArray = self.demand[:, 0]
        return result

    def __len__(self) -> int:
        return len(self.arrival_day)


def hub_entries(scenario: Scenario, hub_share: np.ndarray) -> IntArray:
    """Persons entering per day (rows) and hub (columns), each day's total kept exactly."""
    daily = np.asarray(scenario.arrivals.daily, dtype=np.int64)
    exact = daily[:, None] * hub_share[None, :]
    entries = np.floor(exact).astype(np.int64)
    # largest remainders get the persons lost to rounding down
    short = daily - entries.sum(axis=1)
    order = np.argsort(-(exact - entries), axis=1, kind="stable")
    for day, missing in enumerate(short.tolist()):
        entries[day, order[day, :missing]] += 1
    return entries


def household_sizes(rng: np.random.Generator, weights: np.ndarray, persons: int) -> IntArray:
    """Sizes drawn from `weights` (size 1, 2, …) adding up to exactly `persons`."""
    if persons == 0:
        return np.zeros(0, dtype=np.int64)
    mean = float(np.arange(1, len(weights) + 1) @ weights)
    draws = rng.choice(
        np.arange(1, len(weights) + 1), size=int(persons / mean * 1.3) + 8, p=weights
    )
    while draws.sum() < persons:
        draws = np.concatenate([draws, draws])
    total = np.cumsum(draws)
    last = int(np.searchsorted(total, persons))
    sizes = draws[: last + 1].astype(np.int64)
    # the last household is cut so the day's entries are exact
    sizes[-1] -= int(total[last]) - persons
    return sizes


def generate_wave(scenario: Scenario, hub_share: np.ndarray) -> Wave:
    """Draw the households of `scenario` with its seed: the same seed gives the same wave."""
    rng = np.random.default_rng(scenario.seed)
    weights = np.asarray(scenario.households.size_weights, dtype=np.float64)
    weights /= weights.sum()
    entries = hub_entries(scenario, hub_share)
    days: list[IntArray] = []
    hubs: list[IntArray] = []
    sizes: list[IntArray] = []
    for day in range(entries.shape[0]):
        for hub in range(entries.shape[1]):
            drawn = household_sizes(rng, weights, int(entries[day, hub]))
            sizes.append(drawn)
            days.append(np.full(len(drawn), day, dtype=np.int64))
            hubs.append(np.full(len(drawn), hub, dtype=np.int64))
    size = np.concatenate(sizes)
    people = scenario.households
    # the first member is an adult; each other member may be a child
    children = rng.binomial(size - 1, people.child_share)
    medical = rng.binomial(size, people.medical_share)
    first, last = scenario.arrivals.leave_after_days
    arrival_day = np.concatenate(days)
    return Wave(
        arrival_day=arrival_day,
        hub=np.concatenate(hubs),
        demand=np.stack([size, children, medical], axis=1).astype(np.int64),
        stays=rng.random(len(size)) < scenario.arrivals.stay_share,
        leave_day=arrival_day + rng.integers(first, last + 1, size=len(size)),
    )
