"""JSON routes of the batch-plan history: every plan, one plan, two plans compared."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from qonaq.auth.models import User
from qonaq.registry.plan_history import compare_plans, plan_history, plan_summary
from qonaq.web.deps import RowId, SessionDep, require

router = APIRouter(tags=["plans"])
Coordinator = Annotated[User, Depends(require("coordinator"))]


class PlanRead(BaseModel):
    """A batch plan: who made it when, under which policy, its objective, bound and outcome."""

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


class DifferenceRead(BaseModel):
    """Persons a settlement receives under the first and the second plan."""

    settlement_id: str
    name: str
    first: int
    second: int


@router.get("/plans", response_model=list[PlanRead])
def get_plans(session: SessionDep, user: Coordinator) -> list[PlanRead]:
    """The latest 100 batch plans, newest first."""
    return [PlanRead(**vars(p)) for p in plan_history(db_session=session)]


@router.get("/plans/{plan_id}", response_model=PlanRead)
def get_plan(plan_id: RowId, session: SessionDep, user: Coordinator) -> PlanRead:
    """One batch plan."""
    return PlanRead(**vars(plan_summary(db_session=session, plan_id=plan_id)))


@router.get("/plans/{plan_id}/compare", response_model=list[DifferenceRead])
def get_comparison(
    plan_id: RowId,
    session: SessionDep,
    user: Coordinator,
    other: Annotated[int, Query(ge=1, le=2_147_483_647)],
) -> list[DifferenceRead]:
    """Settlements whose planned persons differ between this plan and `other`."""
    rows = compare_plans(db_session=session, first=plan_id, second=other, language=user.language)
    return [DifferenceRead(**vars(r)) for r in rows]
