"""Departures in the database: planning, adjusting, approving, boarding, arriving.

The only code that writes the transport tables. Every state change is one conditional
UPDATE whose row count says whether it won, and appends an audit event in the same
transaction. Rows are written in one order: departure_households before departures.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, insert, literal, select, update
from sqlalchemy.orm import Session

from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.errors import Conflict, Forbidden, Invalid, NotFound
from qonaq.i18n import N_
from qonaq.registry.models import Household, Placement
from qonaq.settlements.models import Settlement
from qonaq.transport.models import (
    Departure,
    DepartureHousehold,
    DepartureStatus,
    DepartureStop,
    SeatStatus,
)
from qonaq.transport.plan import (
    Place,
    PlannedDeparture,
    TransportPlan,
    Traveller,
    plan_departures,
    trip_cost,
)
from qonaq.transport.vehicles import TransportPolicy

# what a coordinator may still change: nobody has boarded yet
ADJUSTABLE = (DepartureStatus.PLANNED, DepartureStatus.APPROVED)
# the longest range one plan covers: a month of departures is a plan, a year is a mistake
MAX_PLAN_DAYS = 31
CANCELLED_DEPARTURE = N_("its departure was cancelled")
NOT_PLANNED = N_("not planned yet")
NO_SHOW_UNDONE = N_("no-show undone: plan again")
# households per INSERT … SELECT: well under SQLite's bound-parameter limit
CHUNK = 500


def earliest_travel(placement: Placement) -> date:
    """The day after the placement was confirmed (the registry's expected-arrival rule)."""
    return placement.created_at.astimezone(UTC).date() + timedelta(days=1)


def boarding_place(household: Household) -> Place:
    """Where the household boards: its entry hub or the PSC city it registered in."""
    point = household.origin_hub_id or household.origin_settlement_id
    label = point or f"{household.origin_lat:.3f},{household.origin_lon:.3f}"
    return Place(label, household.origin_lat, household.origin_lon)


def check_range(first_day: date, last_day: date) -> None:
    """Invalid unless first ≤ last and the range is at most MAX_PLAN_DAYS days."""
    if last_day < first_day:
        raise Invalid(N_("the last day is before the first day"))
    if (last_day - first_day).days >= MAX_PLAN_DAYS:
        raise Invalid(N_("plan at most %(count)s days at once"), count=MAX_PLAN_DAYS)


def plan_transport(
    *,
    db_session: Session,
    first_day: date,
    last_day: date,
    policy: TransportPolicy,
    circuity: float,
    actor: Actor,
) -> TransportPlan:
    """Plan departures for every confirmed placement not yet on an approved departure.

    Planned (not yet approved) departures in the range are re-planned: cancelled, their
    households planned again with the new ones. Waiting households are planned again too.
    """
    check_range(first_day, last_day)
    start = datetime.combine(first_day, time(0), tzinfo=UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC)
    stale = select(Departure.id).where(
        Departure.status == DepartureStatus.PLANNED,
        Departure.departs_at >= start,
        Departure.departs_at < end,
    )
    stale_ids = list(db_session.scalars(stale))
    db_session.execute(
        update(DepartureHousehold)
        .where(
            (DepartureHousehold.departure_id.in_(stale_ids))
            | (DepartureHousehold.status == SeatStatus.WAITING)
        )
        .where(DepartureHousehold.status != SeatStatus.RELEASED)
        .values(status=SeatStatus.RELEASED)
        .execution_options(synchronize_session=False)
    )
    if stale_ids:
        db_session.execute(
            update(Departure)
            .where(Departure.id.in_(stale_ids), Departure.status == DepartureStatus.PLANNED)
            .values(status=DepartureStatus.CANCELLED, seats_taken=0)
            .execution_options(synchronize_session=False)
        )
    travellers, placements = _travellers(db_session)
    plan = plan_departures(
        travellers, first_day=first_day, last_day=last_day, policy=policy, circuity=circuity
    )
    for planned in plan.departures:
        _store_departure(db_session, planned, placements, actor)
    for waiting in plan.waiting:
        placement = placements[waiting.household_id]
        db_session.add(
            DepartureHousehold(
                placement_id=placement.id, household_id=placement.household_id,
                departure_id=None, settlement_id=placement.settlement_id,
                persons=placement.persons, status=SeatStatus.WAITING, reason=waiting.reason,
            )
        )  # fmt: skip
    db_session.flush()
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="transport.plan", object_type="departures",
        object_id=f"{first_day.isoformat()}..{last_day.isoformat()}",
        before={"replanned_departures": len(stale_ids)},
        after={
            "departures": len(plan.departures), "waiting": len(plan.waiting),
            "cost": plan.cost, "seats_offered": plan.seats_offered,
            "seats_used": plan.seats_used,
        },
    )  # fmt: skip
    return plan


def _travellers(db_session: Session) -> tuple[list[Traveller], dict[int, Placement]]:
    """Confirmed placements (reserved) with no active seat or waiting place, as travellers."""
    seated = select(DepartureHousehold.placement_id).where(
        DepartureHousehold.status.in_((SeatStatus.ASSIGNED, SeatStatus.WAITING))
    )
    rows = db_session.execute(
        select(Placement, Household, Settlement)
        .join(Household, Household.id == Placement.household_id)
        .join(Settlement, Settlement.id == Placement.settlement_id)
        .where(Placement.status == "reserved", Placement.id.not_in(seated))
        .order_by(Placement.id)
    ).all()
    travellers = []
    placements = {}
    for placement, household, settlement in rows:
        placements[household.id] = placement
        travellers.append(
            Traveller(
                household_id=household.id,
                persons=placement.persons,
                boarding=boarding_place(household),
                destination=Place(settlement.id, settlement.lat, settlement.lon),
                earliest=earliest_travel(placement),
            )
        )
    return travellers, placements


def _store_departure(
    db_session: Session, planned: PlannedDeparture, placements: dict[int, Placement], actor: Actor
) -> Departure:
    departure = Departure(
        boarding_point=planned.boarding_point, vehicle=planned.vehicle, seats=planned.seats,
        seats_taken=planned.persons, departs_at=planned.departs_at, km=planned.km,
        cost=planned.cost, status=DepartureStatus.PLANNED, created_by=actor.user_id,
    )  # fmt: skip
    db_session.add(departure)
    db_session.flush()
    for position, stop in enumerate(planned.stops, start=1):
        db_session.add(
            DepartureStop(
                departure_id=departure.id, position=position, settlement_id=stop.settlement_id,
                km=stop.km, arrives_at=stop.arrives_at,
            )
        )  # fmt: skip
        for household_id in stop.household_ids:
            placement = placements[household_id]
            db_session.add(
                DepartureHousehold(
                    placement_id=placement.id, household_id=household_id,
                    departure_id=departure.id, settlement_id=placement.settlement_id,
                    persons=placement.persons, status=SeatStatus.ASSIGNED,
                )
            )  # fmt: skip
    return departure


def get_departure(db_session: Session, departure_id: int) -> Departure:
    """The departure, or NotFound."""
    departure = db_session.get(Departure, departure_id)
    if departure is None:
        raise NotFound(N_("no departure %(id)s"), id=departure_id)
    return departure


def move_departure(
    db_session: Session, departure: Departure, before: tuple[str, ...], after: str
) -> None:
    """`before` → `after` in one conditional UPDATE, or Conflict naming the status left."""
    result = db_session.execute(
        update(Departure)
        .where(Departure.id == departure.id, Departure.status.in_(before))
        .values(status=after)
        .execution_options(synchronize_session=False)
    )
    db_session.refresh(departure, ["status"])
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            N_("departure %(id)s is already %(status)s"), id=departure.id, status=departure.status
        )


def _audit(
    db_session: Session, actor: Actor, action: str, departure_id: int,
    before: dict[str, object], after: dict[str, object], reason: str | None = None,
) -> None:  # fmt: skip
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action=action, object_type="departure", object_id=str(departure_id),
        before=before, after=after, reason=reason,
    )  # fmt: skip


def approve_departure(*, db_session: Session, departure_id: int, actor: Actor) -> Departure:
    """planned → approved: a coordinator accepts the departure as planned."""
    departure = get_departure(db_session, departure_id)
    move_departure(db_session, departure, (DepartureStatus.PLANNED,), DepartureStatus.APPROVED)
    _audit(db_session, actor, "departure.approve", departure.id,
           {"status": "planned"}, {"status": "approved"})  # fmt: skip
    return departure


def board_departure(*, db_session: Session, departure_id: int, actor: Actor) -> Departure:
    """approved → boarded: marked at the boarding point when the vehicle leaves."""
    departure = get_departure(db_session, departure_id)
    move_departure(db_session, departure, (DepartureStatus.APPROVED,), DepartureStatus.BOARDED)
    _audit(db_session, actor, "departure.board", departure.id,
           {"status": "approved"}, {"status": "boarded"})  # fmt: skip
    return departure


def arrive_departure(*, db_session: Session, departure_id: int, actor: Actor) -> Departure:
    """boarded → arrived: confirmed by a host of one of its stops (or a coordinator)."""
    departure = get_departure(db_session, departure_id)
    if actor.role == "host" and actor.settlement_id not in stop_settlements(
        db_session, departure.id
    ):
        raise Forbidden(N_("this departure does not stop in your settlement"))
    move_departure(db_session, departure, (DepartureStatus.BOARDED,), DepartureStatus.ARRIVED)
    _audit(db_session, actor, "departure.arrive", departure.id,
           {"status": "boarded"}, {"status": "arrived"})  # fmt: skip
    return departure


def cancel_departure(
    *, db_session: Session, departure_id: int, actor: Actor, reason: str
) -> Departure:
    """planned or approved → cancelled: its households wait for another departure."""
    departure = get_departure(db_session, departure_id)
    move_departure(db_session, departure, ADJUSTABLE, DepartureStatus.CANCELLED)
    db_session.execute(
        update(DepartureHousehold)
        .where(
            DepartureHousehold.departure_id == departure.id,
            DepartureHousehold.status == SeatStatus.ASSIGNED,
        )
        .values(status=SeatStatus.WAITING, departure_id=None, reason=CANCELLED_DEPARTURE)
        .execution_options(synchronize_session=False)
    )
    db_session.execute(
        update(Departure)
        .where(Departure.id == departure.id)
        .values(seats_taken=0)
        .execution_options(synchronize_session=False)
    )
    _audit(db_session, actor, "departure.cancel", departure.id,
           {"status": "planned"}, {"status": "cancelled"}, reason)  # fmt: skip
    return departure


def stop_settlements(db_session: Session, departure_id: int) -> list[str]:
    """The settlements a departure stops in, in driving order."""
    return list(
        db_session.scalars(
            select(DepartureStop.settlement_id)
            .where(DepartureStop.departure_id == departure_id)
            .order_by(DepartureStop.position)
        )
    )


def _take_seats(db_session: Session, departure_id: int, persons: int) -> bool:
    """Add `persons` to an adjustable departure only if they fit: one conditional UPDATE."""
    result = db_session.execute(
        update(Departure)
        .where(
            Departure.id == departure_id,
            Departure.status.in_(ADJUSTABLE),
            Departure.seats_taken + persons <= Departure.seats,
        )
        .values(seats_taken=Departure.seats_taken + persons)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _free_seats(db_session: Session, departure_id: int, persons: int) -> None:
    db_session.execute(
        update(Departure)
        .where(Departure.id == departure_id)
        .values(seats_taken=Departure.seats_taken - persons)
        .execution_options(synchronize_session=False)
    )


def move_household(
    *, db_session: Session, household_id: int, from_departure_id: int, to_departure_id: int,
    actor: Actor,
) -> DepartureHousehold:  # fmt: skip
    """Move a household's seat from one departure to another that stops at its settlement.

    The seat moves only if it is still on `from_departure_id` (one conditional UPDATE), so
    of two coordinators moving the same household at once exactly one wins.
    """
    seat = db_session.scalar(
        select(DepartureHousehold).where(
            DepartureHousehold.household_id == household_id,
            DepartureHousehold.status == SeatStatus.ASSIGNED,
        )
    )
    if seat is None:
        raise NotFound(N_("household %(id)s has no seat on a departure"), id=household_id)
    source = get_departure(db_session, from_departure_id)
    target = get_departure(db_session, to_departure_id)
    if source.id == target.id:
        raise Invalid(N_("the household is already on this departure"))
    if target.boarding_point != source.boarding_point:
        raise Invalid(N_("departure %(id)s leaves from another boarding point"), id=target.id)
    if seat.settlement_id not in stop_settlements(db_session, target.id):
        raise Invalid(N_("departure %(id)s does not stop at the household's settlement"),
                      id=target.id)  # fmt: skip
    placement = db_session.get(Placement, seat.placement_id)
    if placement is not None and target.departs_at.date() < earliest_travel(placement):
        raise Invalid(N_("departure %(id)s leaves before the household may travel"), id=target.id)
    if source.status not in ADJUSTABLE:
        raise Conflict(N_("departure %(id)s is already %(status)s"), id=source.id,
                       status=source.status)  # fmt: skip
    moved = db_session.execute(
        update(DepartureHousehold)
        .where(
            DepartureHousehold.id == seat.id,
            DepartureHousehold.departure_id == source.id,
            DepartureHousehold.status == SeatStatus.ASSIGNED,
        )
        .values(departure_id=target.id)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(N_("household %(id)s is no longer on departure %(departure)s"),
                       id=household_id, departure=source.id)  # fmt: skip
    if not _take_seats(db_session, target.id, seat.persons):
        raise Conflict(N_("departure %(id)s has no room left for this household"), id=target.id)
    _free_seats(db_session, source.id, seat.persons)
    db_session.refresh(seat)
    _audit(db_session, actor, "departure.move_household", target.id,
           {"departure_id": source.id, "household_id": household_id},
           {"departure_id": target.id, "household_id": household_id})  # fmt: skip
    return seat


def change_vehicle(
    *, db_session: Session, departure_id: int, vehicle: str, policy: TransportPolicy,
    actor: Actor,
) -> Departure:  # fmt: skip
    """Give a departure another vehicle type, if its households still fit; the cost follows."""
    kind = policy.vehicles.get(vehicle)
    if kind is None:
        raise Invalid(N_("unknown vehicle %(name)s"), name=vehicle)
    departure = get_departure(db_session, departure_id)
    before = {"vehicle": departure.vehicle, "seats": departure.seats, "cost": departure.cost}
    result = db_session.execute(
        update(Departure)
        .where(
            Departure.id == departure.id,
            Departure.status.in_(ADJUSTABLE),
            Departure.seats_taken <= kind.seats,
        )
        .values(vehicle=vehicle, seats=kind.seats, cost=trip_cost(kind, departure.km))
        .execution_options(synchronize_session=False)
    )
    db_session.refresh(departure)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if departure.status not in ADJUSTABLE:
            raise Conflict(N_("departure %(id)s is already %(status)s"), id=departure.id,
                           status=departure.status)  # fmt: skip
        raise Invalid(N_("%(count)s persons do not fit in a %(name)s"),
                      count=departure.seats_taken, name=vehicle)  # fmt: skip
    _audit(db_session, actor, "departure.vehicle", departure.id, before,
           {"vehicle": vehicle, "seats": kind.seats, "cost": departure.cost})  # fmt: skip
    return departure


def release_seat(*, db_session: Session, placement_id: int, actor: Actor) -> None:
    """A cancelled placement gives back its seat (or leaves the waiting list); audited."""
    seat = db_session.scalar(
        select(DepartureHousehold).where(
            DepartureHousehold.placement_id == placement_id,
            DepartureHousehold.status.in_((SeatStatus.ASSIGNED, SeatStatus.WAITING)),
        )
    )
    if seat is None:
        return
    released = db_session.execute(
        update(DepartureHousehold)
        .where(DepartureHousehold.id == seat.id, DepartureHousehold.status == seat.status)
        .values(status=SeatStatus.RELEASED)
        .execution_options(synchronize_session=False)
    )
    if released.rowcount != 1:  # type: ignore[attr-defined]
        return  # another request released it first
    if seat.departure_id is not None and seat.status == SeatStatus.ASSIGNED:
        _free_seats(db_session, seat.departure_id, seat.persons)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="departure.release_seat", object_type="placement", object_id=str(placement_id),
        before={"status": seat.status, "departure_id": seat.departure_id},
        after={"status": "released"},
    )  # fmt: skip


def list_waiting(*, db_session: Session, household_ids: list[int], reason: str) -> None:
    """Confirmed placements of these households with no seat yet wait for a departure, with why.

    One INSERT … SELECT per chunk, so the invariant (every confirmed placement on a departure or
    waiting) holds from the moment of confirmation; the next plan picks them up.
    """
    active = select(DepartureHousehold.placement_id).where(
        DepartureHousehold.status.in_((SeatStatus.ASSIGNED, SeatStatus.WAITING))
    )
    columns = ["placement_id", "household_id", "settlement_id", "persons", "status", "reason"]
    for start in range(0, len(household_ids), CHUNK):
        rows = select(
            Placement.id, Placement.household_id, Placement.settlement_id, Placement.persons,
            literal(SeatStatus.WAITING.value), literal(reason),
        ).where(
            Placement.household_id.in_(household_ids[start : start + CHUNK]),
            Placement.status == "reserved",
            Placement.id.not_in(active),
        )  # fmt: skip
        db_session.execute(insert(DepartureHousehold).from_select(columns, rows))


def placements_on(departure_id: int) -> Select[int]:
    """The placements seated on a departure, as a subquery (the host's list filtered to them)."""
    return select(DepartureHousehold.placement_id).where(
        DepartureHousehold.departure_id == departure_id,
        DepartureHousehold.status == SeatStatus.ASSIGNED,
    )


@dataclass(frozen=True)
class ManifestRow:
    """One household on board: its public reference, seats and where it gets off."""

    departure_id: int
    household_reference: str
    persons: int
    destination_settlement_id: str
    household_id: int


def manifest(db_session: Session, departure_id: int) -> list[ManifestRow]:
    """The households on a departure, by stop then reference."""
    positions = {s: i for i, s in enumerate(stop_settlements(db_session, departure_id))}
    rows = db_session.execute(
        select(
            Household.reference,
            DepartureHousehold.persons,
            DepartureHousehold.settlement_id,
            Household.id,
        )
        .join(Household, Household.id == DepartureHousehold.household_id)
        .where(
            DepartureHousehold.departure_id == departure_id,
            DepartureHousehold.status == SeatStatus.ASSIGNED,
        )
    ).all()
    ordered = sorted(rows, key=lambda r: (positions.get(r[2], len(positions)), r[0]))
    return [ManifestRow(departure_id, *row) for row in ordered]


def departures_to(db_session: Session, settlement_id: str) -> list[Departure]:
    """Departures still on their way (planned, approved, boarded) that stop in the settlement."""
    return list(
        db_session.scalars(
            select(Departure)
            .join(DepartureStop, DepartureStop.departure_id == Departure.id)
            .where(
                DepartureStop.settlement_id == settlement_id,
                Departure.status.in_(
                    (DepartureStatus.PLANNED, DepartureStatus.APPROVED, DepartureStatus.BOARDED)
                ),
            )
            .order_by(DepartureStop.arrives_at, Departure.id)
        )
    )


def departures_between(db_session: Session, first_day: date, last_day: date) -> list[Departure]:
    """Departures (not cancelled) leaving between the two days, by time and id."""
    start = datetime.combine(first_day, time(0), tzinfo=UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC)
    return list(
        db_session.scalars(
            select(Departure)
            .where(
                Departure.departs_at >= start,
                Departure.departs_at < end,
                Departure.status != DepartureStatus.CANCELLED,
            )
            .order_by(Departure.departs_at, Departure.id)
        )
    )


def waiting_households(db_session: Session) -> list[tuple[str, int, str]]:
    """Households waiting for a departure: reference, persons, reason (a msgid)."""
    rows = db_session.execute(
        select(Household.reference, DepartureHousehold.persons, DepartureHousehold.reason)
        .join(Household, Household.id == DepartureHousehold.household_id)
        .where(DepartureHousehold.status == SeatStatus.WAITING)
        .order_by(Household.reference)
    ).all()
    return [(ref, persons, reason or "") for ref, persons, reason in rows]


@dataclass(frozen=True)
class HouseholdDeparture:
    """The departure a household is on, as its letter and status page show it."""

    departure_id: int
    status: str
    boarding_point: str
    departs_at: datetime
    vehicle: str
    arrives_at: datetime


def departure_for_household(db_session: Session, household_id: int) -> HouseholdDeparture | None:
    """The household's active departure (not cancelled), or None while it has none."""
    row = db_session.execute(
        select(Departure, DepartureStop.arrives_at)
        .join(DepartureHousehold, DepartureHousehold.departure_id == Departure.id)
        .join(
            DepartureStop,
            (DepartureStop.departure_id == Departure.id)
            & (DepartureStop.settlement_id == DepartureHousehold.settlement_id),
        )
        .where(
            DepartureHousehold.household_id == household_id,
            DepartureHousehold.status == SeatStatus.ASSIGNED,
            Departure.status != DepartureStatus.CANCELLED,
        )
        .order_by(Departure.departs_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    departure, arrives_at = row
    return HouseholdDeparture(
        departure.id, departure.status, departure.boarding_point, departure.departs_at,
        departure.vehicle, arrives_at,
    )  # fmt: skip


def expected_arrivals(db_session: Session, settlement_id: str) -> list[tuple[date, int, int]]:
    """Per day: departures arriving in the settlement, and the persons they bring."""
    rows = db_session.execute(
        select(DepartureStop.arrives_at, DepartureHousehold.persons, Departure.id)
        .join(Departure, Departure.id == DepartureStop.departure_id)
        .join(
            DepartureHousehold,
            (DepartureHousehold.departure_id == Departure.id)
            & (DepartureHousehold.settlement_id == DepartureStop.settlement_id),
        )
        .where(
            DepartureStop.settlement_id == settlement_id,
            DepartureHousehold.status == SeatStatus.ASSIGNED,
            Departure.status.in_(
                (DepartureStatus.PLANNED, DepartureStatus.APPROVED, DepartureStatus.BOARDED)
            ),
        )
    ).all()
    days: dict[date, tuple[set[int], int]] = {}
    for arrives_at, persons, departure_id in rows:
        day = arrives_at.astimezone(UTC).date()
        ids, total = days.get(day, (set(), 0))
        days[day] = (ids | {departure_id}, total + persons)
    return [(day, len(ids), total) for day, (ids, total) in sorted(days.items())]


def unaccounted_placements(db_session: Session) -> int:
    """Confirmed placements with neither a seat nor a waiting place (0 after a plan)."""
    active = select(DepartureHousehold.placement_id).where(
        DepartureHousehold.status.in_((SeatStatus.ASSIGNED, SeatStatus.WAITING))
    )
    return int(
        db_session.scalar(
            select(func.count())
            .select_from(Placement)
            .where(Placement.status == "reserved", Placement.id.not_in(active))
        )
        or 0
    )


def unplanned_placements(db_session: Session) -> int:
    """Confirmed placements no plan has looked at yet: listed as not planned, or with no row."""
    listed = db_session.scalar(
        select(func.count())
        .select_from(DepartureHousehold)
        .where(
            DepartureHousehold.status == SeatStatus.WAITING,
            DepartureHousehold.reason.in_((NOT_PLANNED, NO_SHOW_UNDONE)),
        )
    )
    return int(listed or 0) + unaccounted_placements(db_session)
