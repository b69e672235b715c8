"""Departures in the database, on SQLite and PostgreSQL: planning, adjusting, the workflow."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.errors import Conflict, Forbidden, Invalid
from qonaq.placement.policy import DEFAULT_POLICY
from qonaq.registry.service import (
    cancel_placement,
    confirm_placement,
    record_arrival,
    register_household,
    undo_no_show,
)
from qonaq.transport import service
from qonaq.transport.models import Departure, DepartureHousehold, SeatStatus
from qonaq.transport.plan import TOO_BIG
from qonaq.transport.vehicles import TransportPolicy, VehicleType
from tests.registry.factories import household, seed_tiny_country
from tests.registry.test_replan import _apply, _preview, _register

COORDINATOR = Actor("coordinator", role="coordinator")


def tomorrow() -> date:
    """Tomorrow (UTC, as the planner's days) when asked, not when the module was imported:
    a run crossing midnight still plans a day its households can travel."""
    return datetime.now(UTC).date() + timedelta(days=1)


VANS = TransportPolicy(
    vehicles={"van": VehicleType(seats=4, speed_kmh=80.0, tariff_per_km=100, fixed_cost=5_000)}
)


def place(engine: Engine, size: int, settlement: str) -> tuple[int, int]:
    """A registered household confirmed in `settlement`: (household id, placement id)."""
    with transaction(engine) as db_session:
        registered = register_household(
            db_session=db_session, data=household(size), actor=Actor("desk")
        )
        placement = confirm_placement(
            db_session=db_session, household_id=registered.id, settlement_id=settlement,
            actor=Actor("desk"), recommended=[settlement], override_reason=None,
        )  # fmt: skip
        db_session.flush()
        return registered.id, placement.id


def plan(
    engine: Engine, policy: TransportPolicy = DEFAULT_POLICY.transport, day: date | None = None
):
    day = day or tomorrow()
    with transaction(engine) as db_session:
        return service.plan_transport(
            db_session=db_session, first_day=day, last_day=day, policy=policy,
            circuity=DEFAULT_POLICY.circuity, actor=COORDINATOR,
        )  # fmt: skip


def seats(engine: Engine) -> list[DepartureHousehold]:
    with transaction(engine, writes=False) as db_session:
        return list(db_session.scalars(select(DepartureHousehold).order_by(DepartureHousehold.id)))


def departures(engine: Engine) -> list[Departure]:
    with transaction(engine, writes=False) as db_session:
        return list(db_session.scalars(select(Departure).order_by(Departure.id)))


def active_seat_of(engine: Engine, household_id: int) -> DepartureHousehold:
    (seat,) = [
        s for s in seats(engine)
        if s.household_id == household_id and s.status != SeatStatus.RELEASED
    ]  # fmt: skip
    return seat


def test_every_placement_is_on_one_departure_or_waiting_with_a_reason(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    placed = [place(migrated_engine, size, town) for size, town in
              [(2, "aksai"), (3, "aksai"), (1, "small"), (5, "oral")]]  # fmt: skip
    # right after confirmation, before any plan: each is listed as waiting, not planned yet
    assert [(r.placement_id, r.status, r.reason) for r in seats(migrated_engine)] == [
        (p, SeatStatus.WAITING, service.NOT_PLANNED) for _, p in placed
    ]
    with transaction(migrated_engine, writes=False) as db_session:
        assert service.unaccounted_placements(db_session) == 0
        assert service.unplanned_placements(db_session) == 4
    result = plan(migrated_engine, VANS)
    # the household of five fits no van: it waits, with the reason
    assert [(w.household_id, w.reason) for w in result.waiting] == [(placed[3][0], TOO_BIG)]
    rows = [r for r in seats(migrated_engine) if r.status != SeatStatus.RELEASED]
    assert sorted(r.placement_id for r in rows) == sorted(p for _, p in placed)
    by_departure: dict[int, int] = {}
    for row in rows:
        if row.status == SeatStatus.ASSIGNED:
            assert row.departure_id is not None
            by_departure[row.departure_id] = by_departure.get(row.departure_id, 0) + row.persons
        else:
            assert row.status == SeatStatus.WAITING and row.reason == TOO_BIG
    for departure in departures(migrated_engine):
        assert departure.seats_taken == by_departure[departure.id] <= departure.seats == 4
        assert departure.departs_at.date() == tomorrow()
    with transaction(migrated_engine, writes=False) as db_session:
        assert service.unaccounted_placements(db_session) == 0
        for departure in departures(migrated_engine):
            rows_on = [r for r in rows if r.departure_id == departure.id]
            listed = service.manifest(db_session, departure.id)
            assert sum(r.persons for r in listed) == departure.seats_taken
            assert len(listed) == len(rows_on)
        actions = db_session.scalars(select(AuditEvent.action)).all()
        assert "transport.plan" in actions


def test_the_database_refuses_a_second_active_seat(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    household_id, placement_id = place(migrated_engine, 2, "aksai")
    plan(migrated_engine)
    with pytest.raises(IntegrityError), transaction(migrated_engine) as db_session:
        db_session.add(
            DepartureHousehold(
                placement_id=placement_id, household_id=household_id, departure_id=None,
                settlement_id="aksai", persons=2, status="waiting", reason="test",
            )
        )  # fmt: skip


def test_cancelling_a_placement_frees_its_seats(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    first, first_placement = place(migrated_engine, 2, "aksai")
    place(migrated_engine, 3, "aksai")
    plan(migrated_engine)
    (departure,) = departures(migrated_engine)
    assert departure.seats_taken == 5
    with transaction(migrated_engine) as db_session:
        cancel_placement(
            db_session=db_session, placement_id=first_placement, actor=COORDINATOR,
            reason="changed their mind",
        )  # fmt: skip
    (departure,) = departures(migrated_engine)
    assert departure.seats_taken == 3
    # its not-planned row (released by the plan) and its seat (released by the cancellation)
    assert [s.status for s in seats(migrated_engine) if s.household_id == first] == ["released"] * 2
    with transaction(migrated_engine, writes=False) as db_session:
        assert [r.persons for r in service.manifest(db_session, departure.id)] == [3]
        assert service.departure_for_household(db_session, first) is None


def test_replanning_keeps_approved_departures_and_replaces_planned_ones(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    kept, _ = place(migrated_engine, 2, "aksai")
    plan(migrated_engine)
    (approved,) = departures(migrated_engine)
    with transaction(migrated_engine) as db_session:
        service.approve_departure(
            db_session=db_session, departure_id=approved.id, actor=COORDINATOR
        )
    later, _ = place(migrated_engine, 1, "small")
    plan(migrated_engine)
    plan(migrated_engine)  # planning twice changes nothing for the placed households
    assert active_seat_of(migrated_engine, kept).departure_id == approved.id
    live = [d for d in departures(migrated_engine) if d.status != "cancelled"]
    assert len(live) == 2
    assert active_seat_of(migrated_engine, later).departure_id in {d.id for d in live}


def test_the_workflow_planned_approved_boarded_arrived(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    household_id, _ = place(migrated_engine, 2, "aksai")
    plan(migrated_engine)
    (departure,) = departures(migrated_engine)
    with pytest.raises(Conflict, match="already planned"), transaction(migrated_engine) as s:
        service.board_departure(db_session=s, departure_id=departure.id, actor=COORDINATOR)
    with transaction(migrated_engine) as db_session:
        service.approve_departure(
            db_session=db_session, departure_id=departure.id, actor=COORDINATOR
        )
        service.board_departure(db_session=db_session, departure_id=departure.id, actor=COORDINATOR)
        other_host = Actor("host", role="host", settlement_id="oral")
        with pytest.raises(Forbidden):
            service.arrive_departure(db_session=db_session, departure_id=departure.id,
                                     actor=other_host)  # fmt: skip
        host = Actor("host", role="host", settlement_id="aksai")
        service.arrive_departure(db_session=db_session, departure_id=departure.id, actor=host)
        found = service.departure_for_household(db_session, household_id)
        assert found is not None and found.status == "arrived"
        actions = db_session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "departure")
        ).all()
        assert actions == ["departure.approve", "departure.board", "departure.arrive"]


def test_moving_a_household_and_changing_a_vehicle(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    mover, _ = place(migrated_engine, 2, "aksai")
    other, _ = place(migrated_engine, 3, "aksai")
    plan(migrated_engine, VANS)  # vans of four: the two households go in two vans
    source = active_seat_of(migrated_engine, mover).departure_id
    target = active_seat_of(migrated_engine, other).departure_id
    assert source is not None and target is not None and source != target

    def move() -> None:
        with transaction(migrated_engine) as db_session:
            service.move_household(
                db_session=db_session, household_id=mover, from_departure_id=source,
                to_departure_id=target, actor=COORDINATOR,
            )  # fmt: skip

    with pytest.raises(Conflict, match="no room"):
        move()
    with transaction(migrated_engine) as db_session:
        tiny = {**VANS.vehicles, "bike": VehicleType(seats=1, speed_kmh=20.0, tariff_per_km=1,
                fixed_cost=1)}  # fmt: skip
        with pytest.raises(Invalid, match="do not fit"):
            service.change_vehicle(
                db_session=db_session, departure_id=target, vehicle="bike",
                policy=VANS.model_copy(update={"vehicles": tiny}), actor=COORDINATOR,
            )  # fmt: skip
    with transaction(migrated_engine) as db_session:
        changed = service.change_vehicle(
            db_session=db_session, departure_id=target, vehicle="bus",
            policy=DEFAULT_POLICY.transport, actor=COORDINATOR,
        )  # fmt: skip
        assert (changed.vehicle, changed.seats) == ("bus", 50)
    move()
    assert active_seat_of(migrated_engine, mover).departure_id == target
    taken = {d.id: d.seats_taken for d in departures(migrated_engine)}
    assert (taken[source], taken[target]) == (0, 5)
    # a stale move (the household is no longer on `source`) is refused
    with pytest.raises(Conflict, match="no longer on departure"):
        move()


def test_hosts_see_expected_arrivals_per_day(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    place(migrated_engine, 2, "aksai")
    place(migrated_engine, 3, "aksai")
    place(migrated_engine, 1, "oral")
    plan(migrated_engine)
    with transaction(migrated_engine, writes=False) as db_session:
        rows = service.expected_arrivals(db_session, "aksai")
    assert [(count, persons) for _, count, persons in rows] == [(1, 5)]
    assert rows[0][0] >= tomorrow()


def test_a_range_that_ends_before_it_starts_is_refused(migrated_engine: Engine) -> None:
    with pytest.raises(Invalid, match="before the first"), transaction(migrated_engine) as s:
        service.plan_transport(
            db_session=s, first_day=tomorrow(), last_day=tomorrow() - timedelta(days=1),
            policy=VANS, circuity=1.25, actor=COORDINATOR,
        )  # fmt: skip


def test_a_cancelled_departure_leaves_its_households_waiting_then_replanned(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    household_id, _ = place(migrated_engine, 2, "aksai")
    plan(migrated_engine)
    (departure,) = departures(migrated_engine)
    with transaction(migrated_engine) as db_session:
        service.approve_departure(
            db_session=db_session, departure_id=departure.id, actor=COORDINATOR
        )
        service.cancel_departure(
            db_session=db_session, departure_id=departure.id, actor=COORDINATOR,
            reason="the bus broke down",
        )  # fmt: skip
    seat = active_seat_of(migrated_engine, household_id)
    assert (seat.status, seat.reason) == ("waiting", service.CANCELLED_DEPARTURE)
    assert [(d.status, d.seats_taken) for d in departures(migrated_engine)] == [("cancelled", 0)]
    plan(migrated_engine)
    seat = active_seat_of(migrated_engine, household_id)
    assert seat.status == "assigned" and seat.departure_id != departure.id


def test_a_no_show_frees_its_seat_and_undoing_it_lists_the_household_as_waiting(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    absent, absent_placement = place(migrated_engine, 2, "aksai")
    place(migrated_engine, 3, "aksai")
    plan(migrated_engine)
    (departure,) = departures(migrated_engine)
    with transaction(migrated_engine) as db_session:
        service.approve_departure(
            db_session=db_session, departure_id=departure.id, actor=COORDINATOR
        )
    host = Actor("akimat", role="host", settlement_id="aksai")
    with transaction(migrated_engine) as db_session:
        record_arrival(
            db_session=db_session, placement_id=absent_placement, arrived=False, actor=host
        )
    (departure,) = departures(migrated_engine)
    assert departure.seats_taken == 3
    assert all(s.status == "released" for s in seats(migrated_engine) if s.household_id == absent)
    with transaction(migrated_engine, writes=False) as db_session:
        assert [r.persons for r in service.manifest(db_session, departure.id)] == [3]
        assert service.departure_for_household(db_session, absent) is None
        assert service.unaccounted_placements(db_session) == 0
    with transaction(migrated_engine) as db_session:
        undo_no_show(
            db_session=db_session, placement_id=absent_placement,
            reason="they came late after all", actor=host,
        )  # fmt: skip
    seat = active_seat_of(migrated_engine, absent)
    assert (seat.status, seat.reason, seat.departure_id) == (
        "waiting",
        service.NO_SHOW_UNDONE,
        None,
    )
    with transaction(migrated_engine, writes=False) as db_session:
        assert service.unaccounted_placements(db_session) == 0
        reasons = [reason for _, _, reason in service.waiting_households(db_session)]
        assert reasons == ["no-show undone: plan again"]
    plan(migrated_engine)  # the next plan seats it again
    assert active_seat_of(migrated_engine, absent).status == "assigned"


def test_a_replan_applied_lists_its_placements_as_waiting_at_once(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    _register(migrated_engine, 5)
    preview = _preview(migrated_engine)
    applied = _apply(migrated_engine, preview.plan_id)
    assert applied.placed == 5
    rows = seats(migrated_engine)
    assert len(rows) == 5
    assert {(r.status, r.reason, r.departure_id) for r in rows} == {
        (SeatStatus.WAITING, service.NOT_PLANNED, None)
    }
    with transaction(migrated_engine, writes=False) as db_session:
        assert service.unaccounted_placements(db_session) == 0
