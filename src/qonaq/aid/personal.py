"""Requesters' and volunteers' personal data: re-encrypted when the data keys rotate, and
erased from closed requests after the retention."""

from datetime import datetime, timedelta

from sqlalchemy import Engine, TableClause, bindparam, column, select, table, update
from sqlalchemy.orm import Session

from qonaq.aid.models import AidRequest
from qonaq.aid.service import LIVE
from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.db.base import utc_now
from qonaq.db.crypto import current_keyring
from qonaq.db.session import transaction

# the tables as stored (tokens), without the encrypting column type
SEALED_TABLES: tuple[tuple[TableClause, str, tuple[str, ...]], ...] = (
    (
        table("aid_requests", column("id"), column("first_name"), column("contact"),
              column("details")),
        "id", ("first_name", "contact", "details"),
    ),
    (
        table("volunteers", column("user_id"), column("full_name"), column("phone")),
        "user_id", ("full_name", "phone"),
    ),
)  # fmt: skip


def reseal_aid(*, engine: Engine, batch_size: int = 500) -> int:
    """Re-encrypt every request's and volunteer's sealed fields with the current data key,
    one transaction per batch; returns how many rows."""
    keyring = current_keyring()
    done = 0
    for stored, key, fields in SEALED_TABLES:
        last = None
        while True:
            with transaction(engine) as db_session:
                query = select(stored).order_by(stored.c[key]).limit(batch_size)
                if last is not None:
                    query = query.where(stored.c[key] > last)
                rows = db_session.execute(query.with_for_update()).all()
                if not rows:
                    break
                values = [
                    {
                        "row_key": getattr(row, key),
                        **{
                            name: keyring.seal(keyring.open(getattr(row, name)))
                            if getattr(row, name) is not None
                            else None
                            for name in fields
                        },
                    }
                    for row in rows
                ]
                db_session.execute(
                    update(stored)
                    .where(stored.c[key] == bindparam("row_key"))
                    .values({name: bindparam(name) for name in fields}),
                    values,
                )
            last, done = getattr(rows[-1], key), done + len(rows)
    return done


ERASED = "erased"


def purge_closed_requests(
    *, db_session: Session, retention_days: int, actor: Actor, now: datetime | None = None
) -> int:
    """Erase the first name, contact and details of requests closed over `retention_days`
    ago (fulfilled, cancelled, expired); what was asked and where stays. Returns how many."""
    now = now or utc_now()
    erased = db_session.execute(
        update(AidRequest)
        .where(
            AidRequest.status.not_in(LIVE),
            AidRequest.closed_at < now - timedelta(days=retention_days),
            AidRequest.erased_at.is_(None),
        )
        .values(first_name=ERASED, contact=ERASED, details=None, erased_at=now)
        .execution_options(synchronize_session=False)
    )
    count = int(erased.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        record_event(
            db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
            action="aid_request.purge", object_type="aid_request", object_id="*",
            after={"requests_erased": count}, reason=f"retention {retention_days} days",
        )  # fmt: skip
    return count
