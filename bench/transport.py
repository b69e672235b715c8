"""`python -m bench.transport`: a day of departures for the kz-2022 peak, against two baselines.

The households of a peak day (30,000 persons by default; QONAQ_BENCH_TRANSPORT_PERSONS
takes a comma-separated list to show how the time grows) are placed by the placement
core under the default policy, then carried from their entry hubs. Printed, never asserted.
"""

import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from bench.instances import national_instance
from qonaq.placement.model import UNPLACED, build_problem
from qonaq.placement.plan import plan_placement
from qonaq.placement.policy import DEFAULT_POLICY
from qonaq.transport.plan import (
    KM_SLACK,
    Place,
    Traveller,
    cheapest_vehicle,
    plan_departures,
    road_km,
    trip_cost,
)
from qonaq.transport.vehicles import TransportPolicy, VehicleType

DAY = date(2022, 9, 28)


def peak_day(persons: int) -> list[Traveller]:
    """A wave of `persons` placed by the placement core, as travellers leaving on DAY."""
    instance = national_instance(persons)
    problem = build_problem(
        instance.settlements, instance.households, instance.vacancies, DEFAULT_POLICY
    )
    plan = plan_placement(problem)
    settlements = instance.settlements
    travellers = []
    for number, (household, settlement) in enumerate(
        zip(instance.households, plan.assignment.tolist(), strict=True)
    ):
        if settlement == UNPLACED:
            continue
        target = settlements[settlement]
        boarding = Place(
            f"{household.origin_lat:.2f},{household.origin_lon:.2f}",
            household.origin_lat,
            household.origin_lon,
        )
        travellers.append(
            Traveller(
                number, household.size, boarding, Place(target.id, target.lat, target.lon), DAY
            )
        )
    return travellers


@dataclass
class Tally:
    """A way of carrying the day: vehicles, seats offered and used, vehicle-km, tenge."""

    vehicles: int = 0
    seats: int = 0
    used: int = 0
    km: float = 0.0
    cost: int = 0

    def add(self, vehicle: VehicleType, persons: int, km: float) -> None:
        """One more departure of `vehicle` with `persons` aboard over `km`."""
        self.vehicles += 1
        self.seats += vehicle.seats
        self.used += persons
        self.km += km
        self.cost += trip_cost(vehicle, km)


def one_vehicle_each(
    travellers: list[Traveller], policy: TransportPolicy, circuity: float
) -> Tally:
    """Baseline: every household in the cheapest vehicle that seats it, straight there."""
    tally = Tally()
    for traveller in travellers:
        km = float(road_km([traveller.boarding], [traveller.destination], circuity)[0, 0])
        name = cheapest_vehicle(policy, traveller.persons, km) or "bus"
        tally.add(policy.vehicles[name], traveller.persons, km)
    return tally


def greedy_nearest(travellers: list[Traveller], policy: TransportPolicy, circuity: float) -> Tally:
    """Baseline: per boarding point, households by direct km; fill a bus, adding the next
    households while each passenger's ride stays within the detour bound."""
    bus = policy.vehicles["bus"]
    limit = 1.0 + policy.max_detour
    groups: dict[str, list[Traveller]] = defaultdict(list)
    for traveller in travellers:
        groups[traveller.boarding.id].append(traveller)
    tally = Tally()
    for group in groups.values():
        direct = road_km([group[0].boarding], [t.destination for t in group], circuity)[0]
        order = sorted(range(len(group)), key=lambda i: (direct[i], group[i].household_id))
        aboard, ride, last = 0, 0.0, -1
        for i in order:
            if last >= 0:
                extra = float(
                    road_km([group[last].destination], [group[i].destination], circuity)[0, 0]
                )
                fits = aboard + group[i].persons <= bus.seats
                if fits and ride + extra <= limit * direct[i] + KM_SLACK:
                    aboard, ride, last = aboard + group[i].persons, ride + extra, i
                    continue
                tally.add(bus, aboard, ride)
            aboard, ride, last = group[i].persons, float(direct[i]), i
        if last >= 0:
            tally.add(bus, aboard, ride)
    return tally


def row(persons: int, method: str, tally: Tally, seconds: str) -> str:
    """One line of the table."""
    use = tally.used / tally.seats if tally.seats else 0.0
    return (
        f"| {persons:,} | {method} | {tally.vehicles:,} | {use:.1%} | {tally.km:,.0f} "
        f"| {tally.cost:,} | {seconds} |"
    )


def main() -> None:
    """Print the table."""
    from bench.__main__ import machine  # `make bench` runs this module from there

    sizes = [int(s) for s in os.environ.get("QONAQ_BENCH_TRANSPORT_PERSONS", "30000").split(",")]
    policy = DEFAULT_POLICY.transport
    circuity = DEFAULT_POLICY.circuity
    print(f"machine: {machine()}")
    print("| persons | method | vehicles | seat use | vehicle-km | cost, tenge | seconds |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for persons in sizes:
        travellers = peak_day(persons)
        carried = sum(t.persons for t in travellers)
        plan = plan_departures(
            travellers, first_day=DAY, last_day=DAY, policy=policy, circuity=circuity
        )
        print(
            row(
                carried,
                "one vehicle per household",
                one_vehicle_each(travellers, policy, circuity),
                "-",
            )
        )
        print(
            row(
                carried,
                "greedy nearest destination",
                greedy_nearest(travellers, policy, circuity),
                "-",
            )
        )
        planned = Tally(
            len(plan.departures), plan.seats_offered, plan.seats_used, plan.vehicle_km, plan.cost
        )
        print(row(carried, "qonaq (HiGHS set cover)", planned, f"{plan.seconds:.1f}"))
        print(f"| {carried:,} | lower bound (gap {plan.gap:.1%}) | | | | {plan.lower_bound:,} | |")


if __name__ == "__main__":
    main()
