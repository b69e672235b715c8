"""Appending audit events: the only way anything writes to the audit log."""

from typing import Any

from sqlalchemy.orm import Session

from qonaq.audit.models import AuditEvent


def record_event(
    *,
    db_session: Session,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    actor_id: int | None = None,
) -> AuditEvent:
    """Append one audit event to the caller's transaction (it commits with the write)."""
    event = AuditEvent(
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        reason=reason,
    )
    db_session.add(event)
    return event
