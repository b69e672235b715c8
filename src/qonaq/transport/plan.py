"""Grouping placed households into departures: full vehicles to one settlement first, then
the remainders of each boarding point and day as multi-stop routes chosen by HiGHS.

Pure: no database, no files. The same travellers and policy give the same plan.
"""

import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import highspy
import numpy as np
import numpy.typing as npt

from qonaq.geo.distance import great_circle_matrix_km
from qonaq.i18n import N_
from qonaq.placement.lp import silent_highs
from qonaq.transport.vehicles import TransportPolicy, VehicleType

# float slack for "ride ≤ (1 + detour) × direct": equal km must pass
KM_SLACK = 1e-9
# routes a boarding point's day may offer the solver; beyond it the nearest stops only
MAX_ROUTES = 200_000

TOO_BIG = N_("the household has more members than any vehicle has seats")
AFTER_RANGE = N_("its earliest travel date is after the planned days")


@dataclass(frozen=True)
class Place:
    """A boarding point or a destination settlement."""

    id: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Traveller:
    """A placed household waiting for its journey: every member, child too, takes a seat."""

    household_id: int
    persons: int
    boarding: Place
    destination: Place
    earliest: date


@dataclass(frozen=True)
class Stop:
    """Where a departure lets households off: road km from boarding and when it gets there."""

    settlement_id: str
    km: float
    arrives_at: datetime
    household_ids: tuple[int, ...]
    persons: int


@dataclass(frozen=True)
class PlannedDeparture:
    """One vehicle from one boarding point on one day, its stops in the order it makes them."""

    vehicle: str
    seats: int
    boarding_point: str
    departs_at: datetime
    stops: tuple[Stop, ...]
    km: float
    cost: int

    @property
    def persons(self) -> int:
        """Seats taken."""
        return sum(stop.persons for stop in self.stops)


@dataclass(frozen=True)
class Waiting:
    """A household left without a departure, and why (a catalog msgid)."""

    household_id: int
    reason: str


@dataclass(frozen=True)
class TransportPlan:
    """Departures and waiting households, the cost in tenge and how full the seats are."""

    departures: tuple[PlannedDeparture, ...]
    waiting: tuple[Waiting, ...]
    cost: int
    # no plan is cheaper: each person's share of the cheapest vehicle's direct trip
    lower_bound: int
    seats_offered: int
    seats_used: int
    vehicle_km: float
    seconds: float

    @property
    def utilisation(self) -> float:
        """Seats taken over seats offered (0 when there are no departures)."""
        return self.seats_used / self.seats_offered if self.seats_offered else 0.0

    @property
    def gap(self) -> float:
        """(cost − lower bound) / cost."""
        return (self.cost - self.lower_bound) / self.cost if self.cost else 0.0


def road_km(origins: list[Place], targets: list[Place], circuity: float) -> npt.NDArray[np.float64]:
    """Road km from every origin (rows) to every target: the placement model's km."""
    matrix = great_circle_matrix_km(
        [p.lat for p in origins], [p.lon for p in origins],
        [p.lat for p in targets], [p.lon for p in targets],
    )  # fmt: skip
    result: npt.NDArray[np.float64] = matrix * circuity
    return result


def trip_cost(vehicle: VehicleType, km: float) -> int:
    """Tenge for one departure of `vehicle` over `km` road km."""
    return vehicle.fixed_cost + round(vehicle.tariff_per_km * km)


def cheapest_vehicle(policy: TransportPolicy, persons: int, km: float) -> str | None:
    """The vehicle type with room for `persons` that costs least over `km` (ties: by name)."""
    fitting = [name for name, v in sorted(policy.vehicles.items()) if v.seats >= persons]
    if not fitting:
        return None
    return min(fitting, key=lambda name: trip_cost(policy.vehicles[name], km))


def departure_day(earliest: date, first: date, last: date, window_days: int) -> date:
    """The last day of the earliest date's window (days counted from `first`), at most `last`."""
    waited = max((earliest - first).days, 0)
    window_end = first + timedelta(days=(waited // window_days + 1) * window_days - 1)
    return min(window_end, last)


def arrival_time(
    departs_at: datetime, km: float, speed_kmh: float, driving_hours: float
) -> datetime:
    """Driving `km` at `speed_kmh`, stopping overnight after each full day's driving hours."""
    hours = km / speed_kmh
    nights = max(math.ceil(hours / driving_hours) - 1, 0)
    return departs_at + timedelta(hours=hours + nights * (24.0 - driving_hours))


def lower_bound(travellers: list[Traveller], policy: TransportPolicy, circuity: float) -> int:
    """Σ persons × min over vehicles of (fixed + tariff × direct km) / seats, rounded down.

    Valid for any plan: a vehicle drives at least the direct km of its farthest passenger,
    and its passengers fill at most its seats.
    """
    total = 0.0
    for traveller in travellers:
        km = road_km([traveller.boarding], [traveller.destination], circuity)[0, 0]
        per_seat = min(
            trip_cost(v, km) / v.seats
            for v in policy.vehicles.values()
            if v.seats >= traveller.persons
        )
        total += traveller.persons * per_seat
    return math.floor(total + KM_SLACK)


def plan_departures(
    travellers: list[Traveller],
    *,
    first_day: date,
    last_day: date,
    policy: TransportPolicy,
    circuity: float,
) -> TransportPlan:
    """Departures from `first_day` to `last_day` for every traveller that can go by then."""
    started = time.perf_counter()
    biggest = max(v.seats for v in policy.vehicles.values())
    waiting: list[Waiting] = []
    groups: dict[tuple[str, date], list[Traveller]] = defaultdict(list)
    carried: list[Traveller] = []
    for traveller in sorted(travellers, key=lambda t: t.household_id):
        if traveller.persons > biggest:
            waiting.append(Waiting(traveller.household_id, TOO_BIG))
        elif traveller.earliest > last_day:
            waiting.append(Waiting(traveller.household_id, AFTER_RANGE))
        else:
            day = departure_day(traveller.earliest, first_day, last_day, policy.window_days)
            groups[(traveller.boarding.id, day)].append(traveller)
            carried.append(traveller)
    departures: list[PlannedDeparture] = []
    for (_, day), group in sorted(groups.items()):
        departures.extend(plan_group(group, day=day, policy=policy, circuity=circuity))
    return TransportPlan(
        departures=tuple(departures),
        waiting=tuple(waiting),
        cost=sum(d.cost for d in departures),
        lower_bound=lower_bound(carried, policy, circuity),
        seats_offered=sum(d.seats for d in departures),
        seats_used=sum(d.persons for d in departures),
        vehicle_km=sum(d.km for d in departures),
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class _Load:
    """Households going to one destination that travel together (never split)."""

    destination: Place
    households: tuple[Traveller, ...]

    @property
    def persons(self) -> int:
        return sum(h.persons for h in self.households)


def plan_group(
    group: list[Traveller], *, day: date, policy: TransportPolicy, circuity: float
) -> list[PlannedDeparture]:
    """One boarding point's departures of one day."""
    boarding = group[0].boarding
    departs_at = datetime.combine(day, clock(policy.departure_hour_utc), tzinfo=UTC)
    by_destination: dict[str, list[Traveller]] = defaultdict(list)
    for traveller in group:
        by_destination[traveller.destination.id].append(traveller)
    full: list[tuple[str, _Load]] = []
    remainders: list[_Load] = []
    for destination_id in sorted(by_destination):
        households = by_destination[destination_id]
        km = float(road_km([boarding], [households[0].destination], circuity)[0, 0])
        peeled, rest = peel_full_vehicles(households, policy=policy, km=km)
        full.extend(peeled)
        if rest:
            remainders.append(_Load(households[0].destination, tuple(rest)))
    departures = [
        _departure(boarding, departs_at, vehicle, [load], policy, circuity)
        for vehicle, load in full
    ]
    for vehicle, route in choose_routes(boarding, remainders, policy=policy, circuity=circuity):
        departures.append(_departure(boarding, departs_at, vehicle, route, policy, circuity))
    return departures


def peel_full_vehicles(
    households: list[Traveller], *, policy: TransportPolicy, km: float
) -> tuple[list[tuple[str, _Load]], list[Traveller]]:
    """Fill whole vehicles for one destination while more than one vehicle's worth is left.

    The vehicle is the cheapest per seat over the direct km among those that seat the
    largest household; each is filled first-fit, largest households first.
    """
    biggest = max(h.persons for h in households)
    fitting = {n: v for n, v in policy.vehicles.items() if v.seats >= biggest}
    vehicle = min(sorted(fitting), key=lambda n: trip_cost(fitting[n], km) / fitting[n].seats)
    seats = fitting[vehicle].seats
    rest = sorted(households, key=lambda h: (-h.persons, h.household_id))
    peeled: list[tuple[str, _Load]] = []
    while sum(h.persons for h in rest) > seats:
        aboard: list[Traveller] = []
        free = seats
        for household in rest:
            if household.persons <= free:
                aboard.append(household)
                free -= household.persons
        peeled.append((vehicle, _Load(households[0].destination, tuple(aboard))))
        taken = {h.household_id for h in aboard}
        rest = [h for h in rest if h.household_id not in taken]
    return peeled, rest


@dataclass(frozen=True)
class _Route:
    """Stops (indices into the loads) in driving order, the vehicle and its cost."""

    stops: tuple[int, ...]
    vehicle: str
    cost: int


def choose_routes(
    boarding: Place, loads: list[_Load], *, policy: TransportPolicy, circuity: float
) -> list[tuple[str, list[_Load]]]:
    """The cheapest set of routes that carries every load exactly once (set partitioning).

    Candidate routes are the loads' groups of at most `max_stops` that fit one vehicle and
    keep every passenger within the detour bound in their best order; HiGHS picks the
    cheapest exact cover. A route of one load always exists, so a cover always exists.
    """
    if not loads:
        return []
    routes = candidate_routes(boarding, loads, policy=policy, circuity=circuity)
    chosen = solve_cover(routes, len(loads), seconds=policy.solver_seconds, gap=policy.solver_gap)
    return [(r.vehicle, [loads[i] for i in r.stops]) for r in chosen]


def candidate_routes(
    boarding: Place, loads: list[_Load], *, policy: TransportPolicy, circuity: float
) -> list[_Route]:
    """Every group of loads that can share a vehicle, each in its cheapest feasible order."""
    places = [load.destination for load in loads]
    direct = road_km([boarding], places, circuity)[0]
    between = road_km(places, places, circuity)
    persons = np.array([load.persons for load in loads])
    capacity = max(v.seats for v in policy.vehicles.values())
    allowed = (1.0 + policy.max_detour) * direct + KM_SLACK
    # a pair may share a vehicle in at least one order and fits in the biggest one
    ab = direct[:, None] + between <= allowed[None, :]
    compatible = (ab | ab.T) & (persons[:, None] + persons[None, :] <= capacity)
    np.fill_diagonal(compatible, False)
    neighbours = [np.flatnonzero(compatible[i]).tolist() for i in range(len(loads))]
    routes: list[_Route] = []

    def best_order(members: tuple[int, ...]) -> tuple[tuple[int, ...], float] | None:
        best: tuple[tuple[int, ...], float] | None = None
        for order in itertools.permutations(members):
            ride = 0.0
            previous = -1
            for stop in order:
                ride += direct[stop] if previous < 0 else between[previous, stop]
                if ride > allowed[stop]:
                    break
                previous = stop
            else:
                if best is None or ride < best[1] - KM_SLACK:
                    best = (order, ride)
        return best

    def grow(members: tuple[int, ...], seated: int) -> None:
        found = best_order(members)
        if found is None:
            return  # no superset can be feasible: dropping a stop never lengthens a ride
        order, km = found
        vehicle = cheapest_vehicle(policy, seated, km)
        if vehicle is None:
            return
        routes.append(_Route(order, vehicle, trip_cost(policy.vehicles[vehicle], km)))
        if len(members) == policy.max_stops or len(routes) >= MAX_ROUTES:
            return
        last = members[-1]
        for other in neighbours[members[0]]:
            if (
                other > last
                and seated + persons[other] <= capacity
                and all(compatible[m, other] for m in members[1:])
            ):
                grow((*members, other), seated + int(persons[other]))

    for index in range(len(loads)):
        grow((index,), int(persons[index]))
    return routes


def solve_cover(routes: list[_Route], loads: int, *, seconds: float, gap: float) -> list[_Route]:
    """HiGHS: choose routes covering each load exactly once at least total cost."""
    starts = np.zeros(len(routes) + 1, dtype=np.int32)
    np.cumsum([len(r.stops) for r in routes], out=starts[1:])
    lp = highspy.HighsLp()
    lp.num_col_ = len(routes)
    lp.num_row_ = loads
    lp.col_cost_ = np.array([r.cost for r in routes], dtype=np.float64)
    lp.col_lower_ = np.zeros(len(routes))
    lp.col_upper_ = np.ones(len(routes))
    lp.row_lower_ = np.ones(loads)
    lp.row_upper_ = np.ones(loads)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = np.array([i for r in routes for i in r.stops], dtype=np.int32)
    lp.a_matrix_.value_ = np.ones(int(starts[-1]))
    lp.integrality_ = [highspy.HighsVarType.kInteger] * len(routes)
    highs = silent_highs()
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("time_limit", seconds)
    highs.setOptionValue("mip_rel_gap", gap)
    highs.passModel(lp)
    # every load alone is a cover: the solver starts from it, so a time limit keeps the best
    alone = highspy.HighsSolution()
    alone.col_value = [1.0 if len(r.stops) == 1 else 0.0 for r in routes]
    highs.setSolution(alone)
    highs.run()
    if highs.getInfo().primal_solution_status != 2:
        return [r for r in routes if len(r.stops) == 1]
    chosen = np.flatnonzero(np.asarray(highs.getSolution().col_value) > 0.5)
    return [routes[i] for i in chosen.tolist()]


def _departure(
    boarding: Place,
    departs_at: datetime,
    vehicle: str,
    loads: list[_Load],
    policy: TransportPolicy,
    circuity: float,
) -> PlannedDeparture:
    kind = policy.vehicles[vehicle]
    ride = 0.0
    previous = boarding
    stops: list[Stop] = []
    for load in loads:
        ride += float(road_km([previous], [load.destination], circuity)[0, 0])
        previous = load.destination
        stops.append(
            Stop(
                settlement_id=load.destination.id,
                km=ride,
                arrives_at=arrival_time(
                    departs_at, ride, kind.speed_kmh, policy.driving_hours_per_day
                ),
                household_ids=tuple(sorted(h.household_id for h in load.households)),
                persons=load.persons,
            )
        )
    return PlannedDeparture(
        vehicle=vehicle,
        seats=kind.seats,
        boarding_point=boarding.id,
        departs_at=departs_at,
        stops=tuple(stops),
        km=ride,
        cost=trip_cost(kind, ride),
    )
