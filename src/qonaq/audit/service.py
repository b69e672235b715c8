"""Appending audit events: the only way anything writes to the audit log."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
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


@dataclass(frozen=True)
class AuditFilter:
    """Which audit events to show."""

    action: str | None = None
    actor: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200
    offset: int = 0


def _matching(rules: AuditFilter) -> Select[AuditEvent]:
    query = select(AuditEvent)
    if rules.action:
        query = query.where(AuditEvent.action.startswith(rules.action))
    if rules.actor:
        query = query.where(AuditEvent.actor_label == rules.actor)
    if rules.object_type:
        query = query.where(AuditEvent.object_type == rules.object_type)
    if rules.object_id:
        query = query.where(AuditEvent.object_id == rules.object_id)
    if rules.since:
        query = query.where(AuditEvent.at >= _aware(rules.since))
    if rules.until:
        query = query.where(AuditEvent.at <= _aware(rules.until))
    return query


def find_events(*, db_session: Session, rules: AuditFilter) -> list[AuditEvent]:
    """Audit events matching `rules`, newest first, `rules.offset` skipped."""
    query = _matching(rules).order_by(AuditEvent.id.desc()).offset(rules.offset).limit(rules.limit)
    return list(db_session.scalars(query))


def count_events(*, db_session: Session, rules: AuditFilter) -> int:
    """How many audit events match `rules` (limit and offset aside)."""
    matching = _matching(rules).subquery()
    return db_session.scalar(select(func.count()).select_from(matching)) or 0


def _aware(moment: datetime) -> datetime:
    # a filter typed without a zone means UTC, as everything is stored
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
