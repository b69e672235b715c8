"""JSON route of the live dashboard (coordinators)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from qonaq.auth.models import User
from qonaq.dashboard.service import DashboardRead, dashboard
from qonaq.web.deps import SessionDep, require

router = APIRouter(tags=["dashboard"])
Coordinator = Annotated[User, Depends(require("coordinator"))]


@router.get("/dashboard", response_model=DashboardRead)
def get_dashboard(
    session: SessionDep,
    user: Coordinator,
    language: Annotated[str | None, Query(pattern="^(kk|ru|en)$")] = None,
) -> DashboardRead:
    """The national load picture now: map, persons per day, most pressed settlements."""
    return dashboard(db_session=session, language=user.language if language is None else language)
