"""The day-by-day model of a surge under one policy: entry, PSC queues, placement, travel, load.

Every household is in exactly one state each day (`STATES`); a day runs in this order:
entries, departures abroad, arrivals at the PSC queue, registration up to each PSC's
throughput, placement, departures, arrivals in the settlement, then the night's re-plan.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qonaq.placement.model import UNPLACED, FloatArray, IntArray
from qonaq.simulation.country import Country
from qonaq.simulation.policies import PlacementRule
from qonaq.simulation.scenario import Scenario
from qonaq.simulation.wave import Wave

STATES: tuple[str, ...] = (
    "not_arrived", "leaving", "abroad", "to_psc", "queued",
    "awaiting_departure", "travelling", "placed", "unplaced",
)  # fmt: skip
NOT_ARRIVED, LEAVING, ABROAD, TO_PSC, QUEUED, AWAITING, TRAVELLING, PLACED, UNPLACED_STATE = range(
    9
)

DayProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class PolicyRun:
    """What one policy did to the surge: per-day series and each household's outcome."""

    policy: str
    state_persons: IntArray  # (D, 9) persons in each state at the end of each day
    placed_load: IntArray  # (D, S, 3) persons, children, medical who have arrived
    committed_load: IntArray  # (D, S, 3) arrived, travelling or reserved
    queue_persons: IntArray  # (D, P) waiting at each PSC at the end of each day
    destination: IntArray  # (N,) settlement index, -1 none
    state: IntArray  # (N,) final state
    travel_km: FloatArray  # (N,) hub → PSC → settlement once departed, else 0
    psc: IntArray  # (N,) the PSC each stayer registers at
    registered_day: IntArray  # (N,) -1 when never registered
    days_waited: IntArray  # (N,) days in the PSC queue, -1 when never registered
    seconds: float


def travel_days(km: FloatArray, km_per_day: float) -> IntArray:
    """Whole days a journey of `km` takes (0 km: the same day)."""
    result: IntArray = np.ceil(km / km_per_day).astype(np.int64)
    return result


def persons_by_state(state: IntArray, size: IntArray) -> IntArray:
    """Persons in each state, (9,)."""
    result: IntArray = np.bincount(state, weights=size, minlength=len(STATES)).astype(np.int64)
    return result


def serve_queues(
    queued: IntArray, psc: IntArray, joined: IntArray, size: IntArray | FloatArray,
    daily: IntArray,
) -> IntArray:  # fmt: skip
    """Households each PSC registers today: first come first served, up to its persons per day.

    `size` is the persons each household counts for at the desk: fewer than its members
    when it pre-registered, since the desk then checks and completes instead of typing.
    """
    order = queued[np.lexsort((queued, joined[queued], psc[queued]))]
    at = psc[order]
    persons = np.cumsum(size[order])
    # persons served before this PSC's first household, to restart the count per PSC
    first = np.searchsorted(at, at, side="left")
    before = np.where(first > 0, persons[first - 1], 0)
    served: IntArray = order[persons - before <= daily[at]]
    return served


@dataclass
class Ledger:
    """Where every household is during a run: mutable, advanced one step of a day at a time."""

    wave: Wave
    country: Country
    km_per_day: float
    psc: IntArray  # (N,) the PSC it registers at
    to_psc_km: FloatArray  # (N,)
    joins_queue: IntArray  # (N,) day it reaches the PSC queue
    destination: IntArray  # (N,) settlement index, -1 none
    state: IntArray  # (N,)
    registered_day: IntArray  # (N,)
    departs: IntArray  # (N,)
    settles: IntArray  # (N,)
    committed: IntArray  # (S, 3) arrived, travelling or reserved
    placed: IntArray  # (S, 3) arrived
    desk_persons: FloatArray  # (N,) persons it counts for at the PSC desk

    def enter_and_leave(self, day: int) -> None:
        """Today's entries start out; leavers whose day has come are gone abroad."""
        wave, state = self.wave, self.state
        entering = wave.arrival_day == day
        state[entering & ~wave.stays] = LEAVING
        state[entering & wave.stays] = TO_PSC
        state[(state == LEAVING) & (wave.leave_day <= day)] = ABROAD
        state[(state == TO_PSC) & (self.joins_queue <= day)] = QUEUED

    def register(self, day: int, rule: PlacementRule) -> None:
        """Each PSC serves its queue up to its throughput; the policy places whom it served."""
        served = serve_queues(
            np.flatnonzero(self.state == QUEUED),
            self.psc,
            self.joins_queue,
            self.desk_persons,
            self.country.psc_daily,
        )
        if len(served) == 0:
            return
        self.registered_day[served] = day
        where = rule.place(served, self.psc[served], self.committed)
        self.destination[served] = where
        has_place = where != UNPLACED
        np.add.at(self.committed, where[has_place], self.wave.demand[served[has_place]])
        self.state[served[has_place]] = AWAITING
        self.state[served[~has_place]] = UNPLACED_STATE
        self.departs[served] = day + rule.departure_delay

    def travel(self, day: int) -> None:
        """Departures whose day has come set off; journeys that end today add to the load."""
        state = self.state
        leaving = np.flatnonzero((state == AWAITING) & (self.departs <= day))
        state[leaving] = TRAVELLING
        trip = self.country.psc_km[self.psc[leaving], self.destination[leaving]]
        self.settles[leaving] = day + travel_days(trip, self.km_per_day)
        arriving = np.flatnonzero((state == TRAVELLING) & (self.settles <= day))
        state[arriving] = PLACED
        np.add.at(self.placed, self.destination[arriving], self.wave.demand[arriving])

    def replan(self, day: int, rule: PlacementRule) -> None:
        """The night's re-plan of every registered household not yet departed."""
        pending = np.flatnonzero((self.state == AWAITING) | (self.state == UNPLACED_STATE))
        if len(pending) == 0:
            return
        demand, committed = self.wave.demand, self.committed
        held = pending[self.destination[pending] != UNPLACED]
        # release the pending reservations so the plan sees only everyone else's load
        np.subtract.at(committed, self.destination[held], demand[held])
        plan = rule.replan(pending, self.psc[pending], committed)
        if plan is None:
            np.add.at(committed, self.destination[held], demand[held])
            return
        self.destination[pending] = plan
        has_place = plan != UNPLACED
        np.add.at(committed, plan[has_place], demand[pending[has_place]])
        self.state[pending[has_place]] = AWAITING
        self.state[pending[~has_place]] = UNPLACED_STATE
        # a household placed tonight leaves tomorrow at the earliest
        self.departs[pending[has_place]] = np.maximum(self.departs[pending[has_place]], day + 1)

    def queue_persons(self) -> IntArray:
        """Persons waiting at each PSC now, (P,)."""
        waiting = self.state == QUEUED
        return np.bincount(
            self.psc[waiting],
            weights=self.wave.size[waiting],
            minlength=len(self.country.psc_daily),
        ).astype(np.int64)

    def travel_km(self) -> FloatArray:
        """Road km hub → PSC → settlement of every departed household, 0 for the others."""
        departed = (self.state == TRAVELLING) | (self.state == PLACED)
        where = np.where(departed, self.destination, 0)
        km: FloatArray = np.where(
            departed, self.to_psc_km + self.country.psc_km[self.psc, where], 0.0
        )
        return km


def open_ledger(scenario: Scenario, country: Country, wave: Wave, rule: PlacementRule) -> Ledger:
    """Every household not yet arrived, with its PSC and the day it will reach the queue."""
    households = len(wave)
    chosen_on_entry = rule.entry_destinations()
    if chosen_on_entry is None:
        destination = np.full(households, UNPLACED, dtype=np.int64)
        psc = country.hub_psc[wave.hub]
    else:
        destination = np.where(wave.stays, chosen_on_entry, UNPLACED)
        # those who choose on entry register in the city they head for
        psc = country.settlement_psc[chosen_on_entry]
    to_psc_km = country.hub_km[wave.hub, country.psc_settlement[psc]]
    km_per_day = scenario.transport.km_per_day
    return Ledger(
        wave=wave,
        country=country,
        km_per_day=km_per_day,
        psc=psc,
        to_psc_km=to_psc_km,
        joins_queue=wave.arrival_day + travel_days(to_psc_km, km_per_day),
        destination=destination,
        state=np.full(households, NOT_ARRIVED, dtype=np.int64),
        registered_day=np.full(households, -1, dtype=np.int64),
        departs=np.zeros(households, dtype=np.int64),
        settles=np.zeros(households, dtype=np.int64),
        committed=country.initial_load.copy(),
        placed=country.initial_load.copy(),
        desk_persons=desk_persons(scenario, wave),
    )


# a stream of its own, so pre-registration never changes the wave drawn from the same seed
PREREGISTRATION_STREAM = 7


def desk_persons(scenario: Scenario, wave: Wave) -> FloatArray:
    """Persons each household counts for at the desk: its size, less for a pre-registered one
    (a share of households drawn with the scenario's seed)."""
    registration = scenario.registration
    draws = np.random.default_rng([scenario.seed, PREREGISTRATION_STREAM]).random(len(wave))
    pre = draws < registration.preregistered_share
    share = np.where(pre, registration.preregistered_desk_share, 1.0)
    counted: FloatArray = wave.size.astype(np.float64) * share
    return counted


def simulate(
    scenario: Scenario,
    country: Country,
    wave: Wave,
    rule: PlacementRule,
    progress: DayProgress | None = None,
) -> PolicyRun:
    """Run the surge day by day under `rule`."""
    started = time.perf_counter()
    days, settlements = scenario.days, country.settlement_count
    ledger = open_ledger(scenario, country, wave, rule)
    state_persons = np.zeros((days, len(STATES)), dtype=np.int64)
    placed_load = np.zeros((days, settlements, 3), dtype=np.int64)
    committed_load = np.zeros((days, settlements, 3), dtype=np.int64)
    queue_persons = np.zeros((days, len(country.psc_daily)), dtype=np.int64)
    for day in range(days):
        ledger.enter_and_leave(day)
        ledger.register(day, rule)
        ledger.travel(day)
        ledger.replan(day, rule)
        state_persons[day] = persons_by_state(ledger.state, wave.size)
        placed_load[day] = ledger.placed
        committed_load[day] = ledger.committed
        queue_persons[day] = ledger.queue_persons()
        if progress is not None:
            progress(day + 1, days)
    registered_day = ledger.registered_day
    return PolicyRun(
        policy=rule.name,
        state_persons=state_persons,
        placed_load=placed_load,
        committed_load=committed_load,
        queue_persons=queue_persons,
        destination=ledger.destination,
        state=ledger.state,
        travel_km=ledger.travel_km(),
        psc=ledger.psc,
        registered_day=registered_day,
        days_waited=np.where(registered_day >= 0, registered_day - ledger.joins_queue, -1),
        seconds=time.perf_counter() - started,
    )
