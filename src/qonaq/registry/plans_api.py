"""JSON routes of the batch-plan history: every plan, one plan, two plans compared."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from qonaq.auth.models import User
from qonaq.registry.plan_history import (
    PlanSummary,
    SettlementDifference,
    compare_plans,
    plan_history,
    plan_summary,
)
from qonaq.web.deps import RowId, SessionDep, require

router = APIRouter(tags=["plans"])
Coordinator = Annotated[User, Depends(require("coordinator"))]


@router.get("/plans", response_model=list[PlanSummary])
def get_plans(session: SessionDep, user: Coordinator) -> list[PlanSummary]:
    """The latest 100 batch plans, newest first."""
    return plan_history(db_session=session)


@router.get("/plans/{plan_id}", response_model=PlanSummary)
def get_plan(plan_id: RowId, session: SessionDep, user: Coordinator) -> PlanSummary:
    """One batch plan."""
    return plan_summary(db_session=session, plan_id=plan_id)


@router.get("/plans/{plan_id}/compare", response_model=list[SettlementDifference])
def get_comparison(
    plan_id: RowId,
    session: SessionDep,
    user: Coordinator,
    other: Annotated[int, Query(ge=1, le=2_147_483_647)],
) -> list[SettlementDifference]:
    """Settlements whose planned persons differ between this plan and `other`."""
    return compare_plans(db_session=session, first=plan_id, second=other, language=user.language)
