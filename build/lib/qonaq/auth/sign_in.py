"""Signing in, for a browser session or an API token: throttled, equally slow, audited."""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qonaq.audit.service import record_event
from qonaq.auth.models import User
from qonaq.auth.service import (
    AuthError,
    actor_of,
    check_password,
    issue_api_token,
    start_session,
)
from qonaq.auth.throttle import (
    ACCOUNT_FAILURES,
    Scope,
    ThrottleKey,
    forget,
    lock_in_force,
    record_failure,
)
from qonaq.config import get_settings
from qonaq.db.base import utc_now
from qonaq.db.session import transaction

SignInKind = Literal["session", "api"]


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in: the user and its new token (and CSRF token, for a session)."""

    user: User
    token: str
    csrf_token: str


class Throttled(Exception):
    """Too many recent failures for the account name or the client address."""

    def __init__(self, until: datetime, now: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.retry_after_seconds = max(1, math.ceil((until - now).total_seconds()))

    @property
    def retry_after_minutes(self) -> int:
        """The wait in whole minutes, rounded up, as the sign-in page says it."""
        return math.ceil(self.retry_after_seconds / 60)


def throttle_keys(*, username: str, client: str) -> list[ThrottleKey]:
    """The counters a sign-in attempt is checked against, in the order rows are locked."""
    return [
        ThrottleKey(Scope.ACCOUNT, username[:64], ACCOUNT_FAILURES),
        ThrottleKey(Scope.CLIENT, client[:64], get_settings().sign_in_client_failures),
    ]


def sign_in(
    *, engine: Engine, username: str, password: str, client: str, kind: SignInKind
) -> SignedIn:
    """Check a password and start a session or issue an API token.

    Raises Throttled (locked: the password is not even checked), HashingBusy, or AuthError
    (wrong username or password: the failure is counted and audited, and committed).
    """
    keys = throttle_keys(username=username, client=client)
    now = utc_now()
    # read-only, and closed before hashing: a slow check must not hold a database connection
    with Session(engine) as db_session:
        until = lock_in_force(db_session=db_session, keys=keys, now=now)
        if until is not None:
            raise Throttled(until, now)
        user = db_session.scalars(
            select(User).where(User.username == username, User.active.is_(True))
        ).first()
        user_id, password_hash = (user.id, user.password_hash) if user else (None, None)
    matched = check_password(password_hash=password_hash, password=password)
    now = utc_now()
    with transaction(engine) as db_session:
        if matched and user_id is not None:
            return _succeed(db_session=db_session, user_id=user_id, keys=keys, now=now, kind=kind)
        _fail(db_session=db_session, username=username, client=client, keys=keys, now=now)
    raise AuthError("wrong username or password")


def _succeed(
    *, db_session: Session, user_id: int, keys: list[ThrottleKey], now: datetime, kind: SignInKind
) -> SignedIn:
    # concurrent failures may have locked the account while this password was checked
    until = lock_in_force(db_session=db_session, keys=keys, now=now)
    if until is not None:
        raise Throttled(until, now)
    user = db_session.get(User, user_id)
    if user is None or not user.active:
        raise AuthError("wrong username or password")
    forget(db_session=db_session, key=keys[0], now=now)
    actor = actor_of(user)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="auth.sign_in", object_type="sign_in", object_id=user.username,
        after={"client": keys[1].name, "kind": kind},
    )  # fmt: skip
    if kind == "api":
        return SignedIn(user, issue_api_token(db_session=db_session, user=user, actor=actor), "")
    token, csrf_token = start_session(db_session=db_session, user=user)
    return SignedIn(user, token, csrf_token)


def _fail(
    *, db_session: Session, username: str, client: str, keys: list[ThrottleKey], now: datetime
) -> None:
    # the client is the only actor known: the name typed may not be the person typing it
    for key in keys:
        lock = record_failure(db_session=db_session, key=key, now=now)
        if lock is not None:
            record_event(
                db_session=db_session, actor_label=client[:64], action="auth.locked",
                object_type="sign_in", object_id=username[:64],
                after={"scope": key.scope.value, "name": key.name, "failures": lock.failures,
                       "until": lock.until.isoformat()},
            )  # fmt: skip
    record_event(
        db_session=db_session, actor_label=client[:64], action="auth.sign_in_failed",
        object_type="sign_in", object_id=username[:64], after={"client": client[:64]},
    )  # fmt: skip
