"""Batch re-plans as a coordinator sees them: a preview is stored, and applying it places
exactly the households it named, re-checking each against what desks did since."""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.db.base import utc_now
from qonaq.errors import Conflict, NotFound
from qonaq.i18n import N_
from qonaq.placement.plan import PlacementPlan
from qonaq.registry.models import Household, Placement, Plan, PlanAssignment
from qonaq.registry.service import (
    CapacityExhausted,
    Reservation,
    expected_arrival,
    reserve_capacity,
)
from qonaq.settlements.models import Settlement
from qonaq.transport.service import NOT_PLANNED, list_waiting

# households claimed per statement: well under every database's bound-parameter limit
CHUNK = 500
# a deadlock or serialisation failure is retried this many times before the user hears of it
ATTEMPTS = 3
RETRIED_PG_CODES = frozenset({"40P01", "40001"})
# any fixed number: the key of the PostgreSQL advisory lock held while a plan is applied
REPLAN_LOCK = 7_106_222


def store_plan(
    *, db_session: Session, plan: PlacementPlan, household_ids: list[int], policy: str,
    actor: Actor,
) -> Plan:  # fmt: skip
    """Keep a previewed plan, its objective, bound, prices and every assignment."""
    parts = plan.parts
    row = Plan(
        policy=policy, status="previewed", households=len(household_ids),
        placed_households=plan.placed_households, objective=plan.objective,
        lower_bound=plan.lower_bound, gap=plan.gap,
        parts=json.dumps({
            "travel": parts.travel, "congestion": parts.congestion,
            "employment": parts.employment, "preference": parts.preference,
            "unplaced": parts.unplaced,
        }),
        prices=json.dumps(prices_json(plan)), created_by=actor.user_id,
    )  # fmt: skip
    db_session.add(row)
    db_session.flush()
    assignments = [
        {"plan_id": row.id, "household_id": household_id, "settlement_id": plan.settlement_of(h)}
        for h, household_id in enumerate(household_ids)
        if plan.settlement_of(h)
    ]
    if assignments:
        db_session.execute(insert(PlanAssignment), assignments)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="replan.preview", object_type="plan", object_id=str(row.id),
        after={
            "policy": policy, "households": row.households, "placed": row.placed_households,
            "objective": row.objective, "gap": row.gap,
        },
    )  # fmt: skip
    return row


def prices_json(plan: PlacementPlan) -> dict[str, object]:
    """The plan's prices per settlement id: person, child and medical place, worker per group."""
    prices, problem = plan.prices, plan.problem
    return {
        "groups": list(problem.occupations),
        "settlements": {
            sid: [
                float(prices.persons[s]), float(prices.children[s]), float(prices.medical[s]),
                [float(w) for w in prices.workers[s]] if prices.workers.ndim == 2 else [],
            ]
            for s, sid in enumerate(problem.settlement_ids)
        },
    }  # fmt: skip


@dataclass(frozen=True)
class Applied:
    """What applying a plan did."""

    plan_id: int
    placed: int
    # named by the plan but placed by a desk meanwhile (or otherwise no longer pending)
    not_pending: int
    # still pending, but their settlement filled up meanwhile: they stay pending
    no_room: int


def stored_policy_name(*, db_session: Session, plan_id: int) -> str:
    """The name of the policy a stored plan was made under; NotFound for an unknown plan."""
    name = db_session.scalar(select(Plan.policy).where(Plan.id == plan_id))
    if name is None:
        raise NotFound(N_("no plan %(id)s"), id=plan_id)
    return name


def apply_stored_plan(
    *, db_session: Session, plan_id: int, actor: Actor, circuity: float
) -> Applied:
    """Place the households of a previewed plan as it was previewed, once; expected
    arrivals use `circuity`, that of the policy the plan was made under.

    Deadlocks and serialisation failures are retried inside the caller's transaction
    (a savepoint each attempt), so the coordinator sees a result, not a 500.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with db_session.begin_nested():
                return _apply(db_session, plan_id, actor, circuity)
        except OperationalError as exc:
            code = getattr(exc.orig, "sqlstate", None)
            if code not in RETRIED_PG_CODES or attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _apply(db_session: Session, plan_id: int, actor: Actor, circuity: float) -> Applied:
    _one_replan_at_a_time(db_session)
    _claim_plan(db_session, plan_id, actor)
    planned = dict(
        db_session.execute(
            select(PlanAssignment.household_id, PlanAssignment.settlement_id)
            .where(PlanAssignment.plan_id == plan_id)
            .order_by(PlanAssignment.household_id)
        ).all()
    )
    claimed = _claim_households(db_session, sorted(planned))
    placed, no_room = _reserve_and_place(db_session, claimed, planned, actor, circuity)
    not_pending = len(planned) - len(claimed)
    db_session.execute(
        update(Plan)
        .where(Plan.id == plan_id)
        .values(applied_households=len(placed), skipped_households=not_pending + len(no_room))
    )
    # a plan previewed before this one was made against loads that no longer hold
    db_session.execute(update(Plan).where(Plan.status == "previewed").values(status="superseded"))
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="replan.apply", object_type="plan", object_id=str(plan_id),
        after={
            "policy": db_session.scalar(select(Plan.policy).where(Plan.id == plan_id)),
            "placed": len(placed), "not_pending": not_pending, "no_room": len(no_room),
        },
    )  # fmt: skip
    return Applied(plan_id, len(placed), not_pending, len(no_room))


def _one_replan_at_a_time(db_session: Session) -> None:
    # SQLite has one writer at a time already; PostgreSQL holds this lock until commit
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REPLAN_LOCK})


def _claim_plan(db_session: Session, plan_id: int, actor: Actor) -> None:
    """previewed → applied in one conditional write: a reload or a second click applies nothing."""
    claimed = db_session.execute(
        update(Plan)
        .where(Plan.id == plan_id, Plan.status == "previewed")
        .values(status="applied", applied_at=utc_now(), applied_by=actor.user_id)
    )
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        return
    plan = db_session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(N_("no plan %(id)s"), id=plan_id)
    db_session.refresh(plan, ["status"])
    raise Conflict(N_("plan %(id)s is already %(status)s"), id=plan_id, status=plan.status)


def _claim_households(db_session: Session, household_ids: list[int]) -> list[Household]:
    """pending → placed for each household still pending, in id order; the others are skipped.

    Households are written before settlements, as at the desk, so the two never deadlock.
    """
    claimed: list[int] = []
    for start in range(0, len(household_ids), CHUNK):
        chunk = household_ids[start : start + CHUNK]
        claimed += db_session.scalars(
            update(Household)
            .where(Household.id.in_(chunk), Household.status == "pending")
            .values(status="placed")
            .returning(Household.id)
            .execution_options(synchronize_session=False)
        ).all()
    households: list[Household] = []
    for start in range(0, len(claimed), CHUNK):
        households += db_session.scalars(
            select(Household)
            .where(Household.id.in_(claimed[start : start + CHUNK]))
            .execution_options(populate_existing=True)
        ).all()
    return sorted(households, key=lambda h: h.id)


def _reserve_and_place(
    db_session: Session, households: list[Household], planned: dict[int, str], actor: Actor,
    circuity: float,
) -> tuple[list[Household], list[Household]]:  # fmt: skip
    """Reserve each settlement's planned households at once, one by one if they no longer
    all fit; returns (placed, left pending for lack of room)."""
    by_settlement: dict[str, list[Household]] = defaultdict(list)
    for household in households:
        by_settlement[planned[household.id]].append(household)
    placed: list[Household] = []
    no_room: list[Household] = []
    for settlement_id in sorted(by_settlement):  # settlements in id order, as every writer
        group = by_settlement[settlement_id]
        if _reserved(db_session, settlement_id, _sum_need(group)):
            placed += group
            continue
        for household in group:
            fits = _reserved(db_session, settlement_id, _need(household))
            (placed if fits else no_room).append(household)
    _back_to_pending(db_session, no_room)
    _insert_placements(db_session, placed, planned, actor, circuity)
    return placed, no_room


def _reserved(db_session: Session, settlement_id: str, need: Reservation) -> bool:
    try:
        reserve_capacity(db_session=db_session, settlement_id=settlement_id, need=need)
    except CapacityExhausted:
        return False
    return True


def _need(household: Household) -> Reservation:
    return Reservation(household.size, household.children, household.medical)


def _sum_need(households: list[Household]) -> Reservation:
    return Reservation(
        sum(h.size for h in households),
        sum(h.children for h in households),
        sum(h.medical for h in households),
    )


def _back_to_pending(db_session: Session, households: list[Household]) -> None:
    ids = [h.id for h in households]
    for start in range(0, len(ids), CHUNK):
        db_session.execute(
            update(Household)
            .where(Household.id.in_(ids[start : start + CHUNK]))
            .values(status="pending")
            .execution_options(synchronize_session=False)
        )


def _insert_placements(
    db_session: Session, households: list[Household], planned: dict[int, str], actor: Actor,
    circuity: float,
) -> None:  # fmt: skip
    settlements = {
        s.id: s
        for s in db_session.scalars(
            select(Settlement).where(Settlement.id.in_({planned[h.id] for h in households}))
        )
    }
    today = datetime.now(UTC).date()
    rows = []
    for household in households:
        settlement = settlements[planned[household.id]]
        need = _need(household)
        rows.append({
            "household_id": household.id, "settlement_id": settlement.id, "status": "reserved",
            "persons": need.persons, "children": need.children, "medical": need.medical,
            "expected_arrival": expected_arrival(household, settlement, today, circuity=circuity),
            "created_by": actor.user_id, "created_at": utc_now(),
        })  # fmt: skip
    if rows:
        db_session.execute(insert(Placement), rows)
        list_waiting(db_session=db_session, household_ids=[h.id for h in households],
                     reason=NOT_PLANNED)  # fmt: skip
