"""JSON route to read the audit log (coordinators and admins)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from qonaq.audit.service import AuditFilter, find_events
from qonaq.auth.models import User
from qonaq.web.deps import SessionDep, require

router = APIRouter(tags=["audit"])
Coordinator = Annotated[User, Depends(require("coordinator"))]


class AuditEventRead(BaseModel):
    """One audit event."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


@router.get("/audit", response_model=list[AuditEventRead])
def get_audit(
    session: SessionDep,
    user: Coordinator,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(max_length=32)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditEventRead]:
    """Audit events, newest first, filtered by action, actor, object and time."""
    rules = AuditFilter(
        action=action, actor=actor, object_type=object_type, object_id=object_id,
        since=since, until=until, limit=limit,
    )  # fmt: skip
    return [AuditEventRead.model_validate(e) for e in find_events(db_session=session, rules=rules)]
