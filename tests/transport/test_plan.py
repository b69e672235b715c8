"""The departure planner: exact optima on tiny cases, and its rules on random ones."""

import itertools
import random
from datetime import UTC, date, datetime

import pytest

from qonaq.errors import InputFileError
from qonaq.geo.distance import great_circle_km
from qonaq.placement.policy import DEFAULT_POLICY, parse_policy
from qonaq.transport.plan import (
    AFTER_RANGE,
    TOO_BIG,
    Place,
    TransportPlan,
    Traveller,
    arrival_time,
    plan_departures,
)
from qonaq.transport.vehicles import TransportPolicy, VehicleType

DAY = date(2022, 9, 28)
HUB = Place("hub", 51.2, 51.4)
SMALL_FLEET = TransportPolicy(
    vehicles={
        "van": VehicleType(seats=8, speed_kmh=80.0, tariff_per_km=100, fixed_cost=5_000),
        "coach": VehicleType(seats=20, speed_kmh=70.0, tariff_per_km=180, fixed_cost=12_000),
    },
    max_stops=4,
    solver_gap=0.0,
)


def road(a: Place, b: Place, circuity: float = 1.25) -> float:
    return great_circle_km(a.lat, a.lon, b.lat, b.lon) * circuity


def corridor_instance(seed: int, count: int) -> list[Traveller]:
    """Households to distinct settlements scattered along a corridor east of the hub."""
    rng = random.Random(seed)
    return [
        Traveller(
            household_id=i + 1,
            persons=rng.randint(1, 7),
            boarding=HUB,
            destination=Place(f"s{i}", 51.2 + rng.uniform(-0.6, 0.6), 52.0 + rng.uniform(0, 5)),
            earliest=DAY,
        )
        for i in range(count)
    ]


def brute_force_cost(travellers: list[Traveller], policy: TransportPolicy) -> int:
    """Every partition of the households into vehicles, every stop order, every vehicle type."""

    def block_cost(block: list[Traveller]) -> float:
        persons = sum(t.persons for t in block)
        if len(block) > policy.max_stops:
            return float("inf")
        best = float("inf")
        for order in itertools.permutations(block):
            ride, previous, feasible = 0.0, HUB, True
            for traveller in order:
                ride += road(previous, traveller.destination)
                previous = traveller.destination
                if ride > (1 + policy.max_detour) * road(HUB, traveller.destination) + 1e-9:
                    feasible = False
                    break
            if not feasible:
                continue
            for vehicle in policy.vehicles.values():
                if vehicle.seats >= persons:
                    best = min(best, vehicle.fixed_cost + round(vehicle.tariff_per_km * ride))
        return best

    def partitions(items: list[Traveller]) -> itertools.chain[list[list[Traveller]]]:
        if not items:
            return itertools.chain([[]])
        first, rest = items[0], items[1:]
        results = []
        for smaller in partitions(rest):
            results.append([[first], *smaller])
            for i in range(len(smaller)):
                results.append([*smaller[:i], [first, *smaller[i]], *smaller[i + 1 :]])
        return itertools.chain(results)

    return int(min(sum(block_cost(b) for b in p) for p in partitions(travellers)))


def plan(travellers: list[Traveller], policy: TransportPolicy = SMALL_FLEET) -> TransportPlan:
    return plan_departures(travellers, first_day=DAY, last_day=DAY, policy=policy, circuity=1.25)


def assert_rules_hold(
    travellers: list[Traveller], result: TransportPlan, policy: TransportPolicy
) -> None:
    """Each household on exactly one departure or waiting, whole, seated, within the detour."""
    by_id = {t.household_id: t for t in travellers}
    seen = [h for d in result.departures for s in d.stops for h in s.household_ids]
    seen += [w.household_id for w in result.waiting]
    assert sorted(seen) == sorted(by_id)
    for departure in result.departures:
        assert departure.persons <= departure.seats == policy.vehicles[departure.vehicle].seats
        assert len(departure.stops) <= policy.max_stops
        for stop in departure.stops:
            assert stop.persons == sum(by_id[h].persons for h in stop.household_ids)
            for household in stop.household_ids:
                traveller = by_id[household]
                assert traveller.destination.id == stop.settlement_id
                assert stop.km <= (1 + policy.max_detour) * road(HUB, traveller.destination) + 1e-6
                assert departure.departs_at.date() >= traveller.earliest


@pytest.mark.parametrize("seed", range(6))
def test_plan_is_the_brute_force_optimum_on_tiny_cases(seed: int) -> None:
    travellers = corridor_instance(seed, 6)
    result = plan(travellers)
    assert_rules_hold(travellers, result, SMALL_FLEET)
    assert result.cost == brute_force_cost(travellers, SMALL_FLEET)
    assert result.lower_bound <= result.cost


def test_tiny_case_shares_a_vehicle_when_it_is_cheaper() -> None:
    far = Place("far", 51.2, 55.0)
    near = Place("near", 51.2, 53.0)
    travellers = [
        Traveller(1, 3, HUB, far, DAY),
        Traveller(2, 4, HUB, near, DAY),
    ]
    result = plan(travellers)
    assert len(result.departures) == 1
    (departure,) = result.departures
    assert departure.vehicle == "van"
    assert [s.settlement_id for s in departure.stops] == ["near", "far"]
    assert result.seats_used == 7 and result.seats_offered == 8


def test_detour_bound_keeps_opposite_directions_apart() -> None:
    east = Place("east", 51.2, 53.0)
    west = Place("west", 51.2, 50.6)
    travellers = [Traveller(1, 1, HUB, east, DAY), Traveller(2, 1, HUB, west, DAY)]
    # a fixed cost so high that sharing would pay, were the detour allowed
    dear = {"van": VehicleType(seats=8, speed_kmh=80.0, tariff_per_km=100, fixed_cost=90_000)}
    tight = TransportPolicy(vehicles=dear, max_detour=0.2)
    assert len(plan(travellers, tight).departures) == 2
    loose = TransportPolicy(vehicles=dear, max_detour=2.0)
    assert [len(d.stops) for d in plan(travellers, loose).departures] == [2]


@pytest.mark.parametrize("seed", range(4))
def test_rules_hold_on_bigger_random_days(seed: int) -> None:
    rng = random.Random(seed)
    travellers = [
        Traveller(
            household_id=i + 1,
            persons=rng.randint(1, 8),
            boarding=HUB,
            destination=Place(f"s{rng.randint(0, 40)}", 0.0, 0.0),
            earliest=DAY,
        )
        for i in range(400)
    ]
    spots = {
        f"s{k}": Place(f"s{k}", 48 + rng.uniform(0, 6), 50 + rng.uniform(0, 12)) for k in range(41)
    }
    travellers = [
        Traveller(t.household_id, t.persons, HUB, spots[t.destination.id], DAY) for t in travellers
    ]
    result = plan(travellers, DEFAULT_POLICY.transport)
    assert_rules_hold(travellers, result, DEFAULT_POLICY.transport)
    assert not result.waiting
    assert result.seats_used == sum(t.persons for t in travellers)
    assert result.lower_bound <= result.cost


def test_many_households_to_one_town_fill_whole_vehicles() -> None:
    town = Place("town", 51.2, 56.0)
    travellers = [Traveller(i, 4, HUB, town, DAY) for i in range(1, 31)]  # 120 persons
    result = plan(travellers, DEFAULT_POLICY.transport)
    assert_rules_hold(travellers, result, DEFAULT_POLICY.transport)
    full = [d for d in result.departures if d.persons == d.seats - d.seats % 4]
    assert len(full) >= 2
    assert sum(d.persons for d in result.departures) == 120


def test_too_big_and_too_late_households_wait_with_a_reason() -> None:
    town = Place("town", 51.2, 53.0)
    travellers = [
        Traveller(1, 21, HUB, town, DAY),
        Traveller(2, 2, HUB, town, date(2022, 10, 1)),
        Traveller(3, 2, HUB, town, DAY),
    ]
    result = plan(travellers)
    assert {(w.household_id, w.reason) for w in result.waiting} == {(1, TOO_BIG), (2, AFTER_RANGE)}
    assert [s.household_ids for d in result.departures for s in d.stops] == [(3,)]


def test_no_departure_before_the_earliest_travel_date() -> None:
    town = Place("town", 51.2, 53.0)
    travellers = [Traveller(1, 2, HUB, town, date(2022, 9, 30)), Traveller(2, 2, HUB, town, DAY)]
    result = plan_departures(
        travellers, first_day=DAY, last_day=date(2022, 10, 2), policy=SMALL_FLEET, circuity=1.25
    )
    when = {s.household_ids[0]: d.departs_at.date() for d in result.departures for s in d.stops}
    assert when == {1: date(2022, 9, 30), 2: DAY}
    weekly = SMALL_FLEET.model_copy(update={"window_days": 3})
    result = plan_departures(
        travellers, first_day=DAY, last_day=date(2022, 10, 2), policy=weekly, circuity=1.25
    )
    # both fall in the window 28–30 Sept and share one vehicle on its last day
    assert [d.departs_at.date() for d in result.departures] == [date(2022, 9, 30)]


def test_road_km_uses_the_policy_circuity() -> None:
    town = Place("town", 51.2, 53.0)
    direct = great_circle_km(HUB.lat, HUB.lon, town.lat, town.lon)
    for circuity in (1.0, 1.5):
        result = plan_departures(
            [Traveller(1, 2, HUB, town, DAY)], first_day=DAY, last_day=DAY, policy=SMALL_FLEET,
            circuity=circuity,
        )  # fmt: skip
        assert result.departures[0].km == pytest.approx(direct * circuity)
        assert result.cost == 5_000 + round(100 * direct * circuity)


def test_long_trips_stop_overnight() -> None:
    start = datetime(2022, 9, 28, 4, tzinfo=UTC)
    # 700 km at 70 km/h: 10 h, one day's driving, no night
    assert arrival_time(start, 700.0, 70.0, 10.0) == datetime(2022, 9, 28, 14, tzinfo=UTC)
    # 1,050 km: 15 h of driving, one night of 14 h between
    assert arrival_time(start, 1050.0, 70.0, 10.0) == datetime(2022, 9, 29, 9, tzinfo=UTC)


def test_fleet_comes_from_the_policy_file_and_bad_values_are_refused() -> None:
    policy = parse_policy(
        "p.toml",
        "[transport]\nmax_detour = 0.1\n[transport.vehicles.van]\n"
        "seats = 9\nspeed_kmh = 90.0\ntariff_per_km = 120\nfixed_cost = 4000\n",
    )
    assert policy.transport.max_detour == 0.1
    assert list(policy.transport.vehicles) == ["van"]
    assert DEFAULT_POLICY.transport.vehicles["bus"].seats == 50
    with pytest.raises(InputFileError, match="seats"):
        parse_policy(
            "p.toml",
            "[transport.vehicles.van]\nseats = -4\nspeed_kmh = 90.0\n"
            "tariff_per_km = 1\nfixed_cost = 1\n",
        )
