"""Sign-in throttling: failures per account name and per client address, locks that double.

The state lives in the database so that every server process sees the same counts; each
failure is one read-modify-write of a row locked for the transaction.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from qonaq.auth.models import SignInThrottle

ACCOUNT_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
# failures are forgotten after this long without one (counted from the end of the last lock)
QUIET_RESET = timedelta(minutes=15)


class Scope(StrEnum):
    """What a throttle counts the failures of."""

    ACCOUNT = "account"
    CLIENT = "client"


@dataclass(frozen=True)
class ThrottleKey:
    """One counter: an account name typed at sign-in, or a client address."""

    scope: Scope
    name: str
    # failures allowed before the first lock
    allowed: int


@dataclass(frozen=True)
class Lock:
    """A key that refuses sign-ins until `until`, after `failures` recent failures."""

    key: ThrottleKey
    until: datetime
    failures: int


def lock_length(failures: int, allowed: int) -> timedelta | None:
    """How long a key is locked after `failures`: none below `allowed`, then 30 s doubling."""
    if failures < allowed:
        return None
    return min(FIRST_LOCK * 2 ** min(failures - allowed, 16), LONGEST_LOCK)


def lock_in_force(
    *, db_session: Session, keys: list[ThrottleKey], now: datetime
) -> datetime | None:
    """The latest time until which any of `keys` is locked, or None when none is."""
    matches = (and_(SignInThrottle.scope == k.scope, SignInThrottle.name == k.name) for k in keys)
    rows = db_session.scalars(select(SignInThrottle.locked_until).where(or_(*matches)))
    locks = [until for until in rows if until is not None and until > now]
    return max(locks, default=None)


def record_failure(*, db_session: Session, key: ThrottleKey, now: datetime) -> Lock | None:
    """Count one failed sign-in of `key`; the new lock when this failure locks it."""
    _ensure_row(db_session=db_session, key=key, now=now)
    row = db_session.get(
        SignInThrottle, (key.scope.value, key.name), with_for_update=True, populate_existing=True
    )
    assert row is not None  # inserted above, and rows are only deleted by a success of the key
    quiet_since = max(row.last_failure_at, row.locked_until or row.last_failure_at)
    row.failures = 1 if now - quiet_since > QUIET_RESET else row.failures + 1
    row.last_failure_at = now
    length = lock_length(row.failures, key.allowed)
    if length is None:
        return None
    row.locked_until = now + length
    return Lock(key=key, until=row.locked_until, failures=row.failures)


def forget(*, db_session: Session, key: ThrottleKey, now: datetime) -> None:
    """A success: clear `key`'s failures, and sweep rows whose failures are forgotten anyway."""
    db_session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.scope == key.scope, SignInThrottle.name == key.name
        )
    )
    stale = now - LONGEST_LOCK - QUIET_RESET
    db_session.execute(delete(SignInThrottle).where(SignInThrottle.last_failure_at < stale))


def _ensure_row(*, db_session: Session, key: ThrottleKey, now: datetime) -> None:
    # concurrent first failures of one key from several processes must not collide
    dialect = postgresql if db_session.get_bind().dialect.name == "postgresql" else sqlite
    db_session.execute(
        dialect.insert(SignInThrottle)
        .values(scope=key.scope.value, name=key.name, failures=0, last_failure_at=now)
        .on_conflict_do_nothing()
    )
