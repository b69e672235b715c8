"""The placement policies a surge is run under: `free` choice, a `quota` key, and `qonaq`."""

from collections.abc import Callable
from typing import Protocol

import numpy as np

from qonaq.geo.distance import great_circle_matrix_km
from qonaq.placement.model import PERSONS, UNPLACED, FloatArray, HouseholdRecord, IntArray
from qonaq.placement.policy import DEFAULT_POLICY, Policy
from qonaq.simulation import engine
from qonaq.simulation.country import Country
from qonaq.simulation.gravity import choice_probabilities
from qonaq.simulation.scenario import Scenario
from qonaq.simulation.wave import Wave

POLICY_NAMES: tuple[str, ...] = ("free", "quota", "qonaq")


class PlacementRule(Protocol):
    """How a policy decides where registered households go."""

    name: str
    departure_delay: int

    def entry_destinations(self) -> IntArray | None:
        """Destinations chosen on entry, before registration (None: chosen at the PSC)."""

    def place(self, households: IntArray, psc: IntArray, committed: IntArray) -> IntArray:
        """Settlement (or -1) for each household registered now, in order, on top of `committed`."""

    def replan(
        self, pending: IntArray, psc: IntArray, committed_others: IntArray
    ) -> IntArray | None:
        """A night's new settlements for the pending households, or None to keep the day's."""


class FreeChoice:
    """No placement: each household picks a place on entry by the gravity model."""

    name = "free"
    departure_delay = 0  # they travel on their own, at once

    def __init__(self, scenario: Scenario, country: Country, wave: Wave) -> None:
        self._destinations = gravity_destinations(scenario, country, wave)

    def entry_destinations(self) -> IntArray | None:
        """Where each household heads for from its hub."""
        return self._destinations

    def place(self, households: IntArray, psc: IntArray, committed: IntArray) -> IntArray:
        """The destination each household chose on entry."""
        result: IntArray = self._destinations[households]
        return result

    def replan(
        self, pending: IntArray, psc: IntArray, committed_others: IntArray
    ) -> IntArray | None:
        """Nobody re-plans free choices."""
        return None


def gravity_destinations(scenario: Scenario, country: Country, wave: Wave) -> IntArray:
    """Each household's draw from P(settlement | its hub); a seed of its own keeps it repeatable."""
    rng = np.random.default_rng([scenario.seed, 1])
    open_ = np.array([record.open for record in country.settlements], dtype=np.bool_)
    probabilities = choice_probabilities(
        country.population, country.hub_km, open_, scenario.free.alpha, scenario.free.beta
    )
    destinations = np.full(len(wave), UNPLACED, dtype=np.int64)
    settlements = np.arange(country.settlement_count)
    for hub in range(len(country.hub_ids)):
        at_hub = np.flatnonzero(wave.hub == hub)
        destinations[at_hub] = rng.choice(settlements, size=len(at_hub), p=probabilities[hub])
    return destinations


class QuotaKey:
    """A Königstein-like key, as in Germany's EASY: each region takes its population share.

    A household goes to the nearest region still below its quota; inside the region, to the
    settlement with the fewest arrivals per resident (a population key all the way down).
    """

    name = "quota"

    def __init__(self, scenario: Scenario, country: Country, wave: Wave) -> None:
        self.departure_delay = scenario.transport.departure_delay_days
        self._country = country
        self._size = wave.size
        self._share = country.region_population / country.region_population.sum()
        self._psc_region_km = psc_to_region_km(country)
        open_ = np.array([record.open for record in country.settlements], dtype=np.bool_)
        self._members = [
            np.flatnonzero((country.region_of == r) & open_) for r in range(len(self._share))
        ]
        self._has_members = np.array([len(m) > 0 for m in self._members], dtype=np.bool_)

    def entry_destinations(self) -> IntArray | None:
        """Chosen at registration."""
        return None

    def place(self, households: IntArray, psc: IntArray, committed: IntArray) -> IntArray:
        """The nearest region below its quota, then its least-loaded settlement per resident."""
        country = self._country
        load = committed[:, PERSONS].astype(np.float64)
        wave_load = load - country.initial_load[:, PERSONS]
        region_load = np.bincount(country.region_of, weights=wave_load, minlength=len(self._share))
        total = float(region_load.sum())
        population = np.maximum(country.population, 1).astype(np.float64)
        chosen = np.full(len(households), UNPLACED, dtype=np.int64)
        for i, (household, at_psc) in enumerate(
            zip(households.tolist(), psc.tolist(), strict=True)
        ):
            size = float(self._size[household])
            below = (region_load < self._share * (total + size)) & self._has_members
            region = int(np.argmin(np.where(below, self._psc_region_km[at_psc], np.inf)))
            members = self._members[region]
            settlement = int(members[np.argmin((load[members] + size) / population[members])])
            chosen[i] = settlement
            load[settlement] += size
            region_load[region] += size
            total += size
        return chosen

    def replan(
        self, pending: IntArray, psc: IntArray, committed_others: IntArray
    ) -> IntArray | None:
        """A key does not re-plan."""
        return None


def psc_to_region_km(country: Country) -> FloatArray:
    """Road km from each PSC city to each region's population-weighted centre, (P, R)."""
    weights = country.population.astype(np.float64)
    regions = len(country.region_ids)
    lat = np.array([s.lat for s in country.settlements])
    lon = np.array([s.lon for s in country.settlements])
    mass = np.maximum(np.bincount(country.region_of, weights=weights, minlength=regions), 1.0)
    centre_lat = np.bincount(country.region_of, weights=weights * lat, minlength=regions) / mass
    centre_lon = np.bincount(country.region_of, weights=weights * lon, minlength=regions) / mass
    psc_lat, psc_lon = lat[country.psc_settlement], lon[country.psc_settlement]
    great_circle = great_circle_matrix_km(psc_lat, psc_lon, centre_lat, centre_lon)
    km: FloatArray = country.circuity * great_circle
    return km


class QonaqPlacement:
    """The placement engine: a desk recommendation per household, a batch re-plan each night."""

    name = "qonaq"

    def __init__(
        self, scenario: Scenario, country: Country, wave: Wave, policy: Policy = DEFAULT_POLICY
    ) -> None:
        self.departure_delay = scenario.transport.departure_delay_days
        self._country = country
        self._policy = policy
        self._demand = wave.demand
        self._base = engine.base_problem(country, policy)
        self._desk = engine.open_desk(country, policy)
        lat = np.array([s.lat for s in country.settlements])
        lon = np.array([s.lon for s in country.settlements])
        self._psc_lat = lat[country.psc_settlement]
        self._psc_lon = lon[country.psc_settlement]

    def entry_destinations(self) -> IntArray | None:
        """Chosen at registration."""
        return None

    def place(self, households: IntArray, psc: IntArray, committed: IntArray) -> IntArray:
        """Each household in turn takes the desk's best option, which reserves its capacity."""
        # the desk sees every reservation so far, not only the ones it made itself
        self._desk.load = committed.copy()
        chosen = np.full(len(households), UNPLACED, dtype=np.int64)
        for i, (household, at_psc) in enumerate(
            zip(households.tolist(), psc.tolist(), strict=True)
        ):
            size, children, medical = self._demand[household].tolist()
            record = HouseholdRecord(
                id=str(household), size=size, children=children, medical=medical,
                origin_lat=float(self._psc_lat[at_psc]), origin_lon=float(self._psc_lon[at_psc]),
            )  # fmt: skip
            chosen[i] = engine.desk_choice(self._desk, record)
        return chosen

    def replan(
        self, pending: IntArray, psc: IntArray, committed_others: IntArray
    ) -> IntArray | None:
        """The batch plan of all pending households at once; its prices guide tomorrow's desk."""
        if len(pending) == 0:
            return None
        problem = engine.with_households(
            self._base,
            committed_others,
            self._demand[pending],
            self._psc_lat[psc],
            self._psc_lon[psc],
        )
        plan = engine.nightly_plan(problem)
        self._desk = engine.open_desk(self._country, self._policy, plan.prices)
        return plan.assignment


def make_rule(
    name: str, scenario: Scenario, country: Country, wave: Wave, policy: Policy = DEFAULT_POLICY
) -> PlacementRule:
    """The policy called `name` (`qonaq` places under the placement `policy`); ValueError for
    an unknown one."""
    makers: dict[str, Callable[[Scenario, Country, Wave], PlacementRule]] = {
        "free": FreeChoice,
        "quota": QuotaKey,
        "qonaq": lambda s, c, w: QonaqPlacement(s, c, w, policy),
    }
    if name not in makers:
        raise ValueError(f"unknown policy {name!r}; choose from {', '.join(POLICY_NAMES)}")
    return makers[name](scenario, country, wave)
