"""The coordinator's audit log page."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from qonaq.audit.service import AuditFilter, find_events
from qonaq.auth.models import User
from qonaq.web.deps import Language, SessionDep, require
from qonaq.web.templating import render

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[User, Depends(require("coordinator"))]


@router.get("/coordinator/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    user: Coordinator,
    language: Language,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Audit events, newest first, filtered by action prefix, actor and object."""
    rules = AuditFilter(action=action or None, actor=actor or None, object_id=object_id or None)
    events = find_events(db_session=session, rules=rules)
    return render(request, "audit.html", language, {"events": events, "rules": rules})
