"""The history of batch plans, and two plans side by side: what each would do to the loads."""

import json
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qonaq.auth.models import User
from qonaq.errors import NotFound
from qonaq.geo.gazetteer import localized_name
from qonaq.i18n import N_
from qonaq.registry.models import Household, Plan, PlanAssignment
from qonaq.settlements.models import Settlement

TERMS = ("travel", "congestion", "employment", "preference", "unplaced")
SHOWN_PLANS = 100


class PlanSummary(BaseModel):
    """One plan as the history lists it (and the API returns it)."""

    id: int
    policy: str
    status: str
    created_at: datetime
    created_by: str
    households: int
    placed_households: int
    applied_households: int | None
    skipped_households: int | None
    objective: float
    lower_bound: float
    gap: float
    parts: dict[str, float]


class SettlementDifference(BaseModel):
    """Persons a settlement receives under each of two plans."""

    settlement_id: str
    name: str
    first: int
    second: int


def plan_history(*, db_session: Session, limit: int = SHOWN_PLANS) -> list[PlanSummary]:
    """The latest plans, newest first."""
    rows = db_session.execute(
        select(Plan, User.username)
        .outerjoin(User, User.id == Plan.created_by)
        .order_by(Plan.id.desc())
        .limit(limit)
    ).all()
    return [_summary(plan, username) for plan, username in rows]


def plan_summary(*, db_session: Session, plan_id: int) -> PlanSummary:
    """One plan; NotFound when there is none."""
    row = db_session.execute(
        select(Plan, User.username)
        .outerjoin(User, User.id == Plan.created_by)
        .where(Plan.id == plan_id)
    ).first()
    if row is None:
        raise NotFound(N_("no plan %(id)s"), id=plan_id)
    return _summary(*row)


def _summary(plan: Plan, username: str | None) -> PlanSummary:
    return PlanSummary(
        id=plan.id, policy=plan.policy, status=plan.status, created_at=plan.created_at,
        created_by=username or "cli", households=plan.households,
        placed_households=plan.placed_households, applied_households=plan.applied_households,
        skipped_households=plan.skipped_households, objective=plan.objective,
        lower_bound=plan.lower_bound, gap=plan.gap, parts=json.loads(plan.parts),
    )  # fmt: skip


def compare_plans(
    *, db_session: Session, first: int, second: int, language: str
) -> list[SettlementDifference]:
    """Settlements whose planned persons differ between two plans, biggest difference first."""
    persons = [_persons_by_settlement(db_session, plan_id) for plan_id in (first, second)]
    differing = {
        sid for sid in persons[0].keys() | persons[1].keys()
        if persons[0].get(sid, 0) != persons[1].get(sid, 0)
    }  # fmt: skip
    names = {
        s.id: localized_name(s, language)
        for s in db_session.scalars(select(Settlement).where(Settlement.id.in_(differing)))
    }
    rows = [
        SettlementDifference(
            settlement_id=sid,
            name=names.get(sid, sid),
            first=persons[0].get(sid, 0),
            second=persons[1].get(sid, 0),
        )
        for sid in differing
    ]
    return sorted(rows, key=lambda r: (-abs(r.first - r.second), r.name))


def _persons_by_settlement(db_session: Session, plan_id: int) -> dict[str, int]:
    plan_summary(db_session=db_session, plan_id=plan_id)  # NotFound for an unknown plan
    return {
        sid: int(persons)
        for sid, persons in db_session.execute(
            select(PlanAssignment.settlement_id, func.sum(Household.size))
            .join(Household, Household.id == PlanAssignment.household_id)
            .where(PlanAssignment.plan_id == plan_id)
            .group_by(PlanAssignment.settlement_id)
        ).all()
    }
