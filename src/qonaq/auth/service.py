"""Users, passwords, browser sessions and API tokens: the only code that writes them."""

import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.auth.models import ROLES, AuthToken, Organisation, User
from qonaq.config import get_settings
from qonaq.db.base import utc_now
from qonaq.db.reads import detached, model_columns
from qonaq.settlements.models import Settlement

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
# an Argon2 check takes one core for about 0.2 s: more at once only queues them all
HASHING_SLOTS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2
HASHING_WAIT_SECONDS = 1.0
_hasher = PasswordHasher()
_hashing_slots = threading.BoundedSemaphore(HASHING_SLOTS)


class AuthError(ValueError):
    """A user could not be created or signed in; the message says why."""


class HashingBusy(RuntimeError):
    """Every password-checking slot of this process stayed busy: try again in a moment."""


def hash_token(token: str) -> str:
    """The stored form of a session or API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(user: User) -> Actor:
    """The audit identity of a signed-in user."""
    return Actor(
        label=user.username, role=user.role, user_id=user.id, settlement_id=user.settlement_id
    )


def create_user(
    *,
    db_session: Session,
    username: str,
    password: str,
    role: str,
    actor: Actor,
    settlement_id: str | None = None,
    language: str = "ru",
    organisation: str | None = None,
) -> User:
    """A new user with an Argon2 password hash; a host must name its settlement, and a
    volunteer may name its organisation (created on first mention)."""
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"password shorter than {MIN_PASSWORD_LENGTH} characters")
    if role == "host" and settlement_id is None:
        raise AuthError("a host user needs --settlement, the settlement it acts for")
    if settlement_id is not None and db_session.get(Settlement, settlement_id) is None:
        raise AuthError(f"unknown settlement {settlement_id!r}")
    if db_session.scalars(select(User).where(User.username == username)).first() is not None:
        raise AuthError(f"user {username!r} exists already")
    user = User(
        username=username,
        password_hash=_hasher.hash(password),
        role=role,
        settlement_id=settlement_id,
        language=language,
        organisation_id=organisation_id(db_session=db_session, name=organisation)
        if organisation
        else None,
    )
    db_session.add(user)
    db_session.flush()
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="user.create", object_type="user", object_id=str(user.id),
        after={
            "username": username, "role": role, "settlement_id": settlement_id,
            "organisation_id": user.organisation_id,
        },
    )  # fmt: skip
    return user


def organisation_id(*, db_session: Session, name: str) -> int:
    """The id of the organisation named `name` (trimmed), created when it is new."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise AuthError("an organisation's name has 1 to 200 characters")
    found = db_session.scalars(select(Organisation.id).where(Organisation.name == name)).first()
    if found is not None:
        return found
    organisation = Organisation(name=name)
    db_session.add(organisation)
    db_session.flush()
    return organisation.id


def check_password(*, password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (no such user) a dummy one takes as long."""
    if not _hashing_slots.acquire(timeout=HASHING_WAIT_SECONDS):
        raise HashingBusy
    try:
        _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    finally:
        _hashing_slots.release()
    return password_hash is not None


@cache
def _dummy_hash() -> str:
    # same cost as a real hash, so an unknown username answers as slowly as a known one
    return _hasher.hash(secrets.token_urlsafe(16))


def start_session(*, db_session: Session, user: User) -> tuple[str, str]:
    """A new browser session for `user`: returns (session token, CSRF token)."""
    # each sign-in sweeps expired tokens, so the table holds only live sign-ins
    expire_old_tokens(db_session=db_session)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db_session.add(
        AuthToken(
            token_hash=hash_token(token), kind="session", user_id=user.id, csrf_token=csrf,
            expires_at=utc_now() + SESSION_LIFETIME,
        )
    )  # fmt: skip
    return token, csrf


def issue_api_token(*, db_session: Session, user: User, actor: Actor) -> str:
    """A bearer token for machines acting as `user`; shown once, stored only as a hash."""
    token = "qnq_" + secrets.token_urlsafe(32)
    db_session.add(
        AuthToken(
            token_hash=hash_token(token), kind="api", user_id=user.id,
            expires_at=utc_now() + timedelta(days=get_settings().api_token_days),
        )
    )  # fmt: skip
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="token.issue", object_type="user", object_id=str(user.id),
    )  # fmt: skip
    return token


@dataclass(frozen=True)
class SignedIn:
    """Who a live token signs in, detached from the session, and its session's CSRF secret."""

    user: User
    csrf_token: str


# the user's columns and the token's two: every request of every desk asks this first, so
# it is one statement made once (compiled once) and run on the Core
_SIGNED_IN = (
    select(
        *model_columns(User),
        AuthToken.csrf_token.label("token_csrf"),
        AuthToken.expires_at.label("token_expires_at"),
    )
    .join(User, User.id == AuthToken.user_id)
    .where(AuthToken.token_hash == bindparam("token_hash"), AuthToken.kind == bindparam("kind"))
)


def resolve_token(*, db_session: Session, token: str, kind: str) -> SignedIn | None:
    """The active user a live token of `kind` belongs to, with its session's CSRF secret."""
    found = (
        db_session.connection()
        .execute(_SIGNED_IN, {"token_hash": hash_token(token), "kind": kind})
        .first()
    )
    if found is None:
        return None
    values = found._asdict()
    csrf_token, expires_at = values.pop("token_csrf"), values.pop("token_expires_at")
    if expires_at < utc_now() or not values["active"]:
        return None
    # detached: error pages after a rolled-back transaction still show who is signed in
    return SignedIn(user=detached(User, values), csrf_token=csrf_token)


def end_session(*, db_session: Session, token: str) -> None:
    """Sign a browser session out."""
    db_session.execute(delete(AuthToken).where(AuthToken.token_hash == hash_token(token)))


def expire_old_tokens(*, db_session: Session, now: datetime | None = None) -> int:
    """Delete tokens past their expiry; returns how many."""
    result = db_session.execute(delete(AuthToken).where(AuthToken.expires_at < (now or utc_now())))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def list_users(*, db_session: Session) -> list[User]:
    """Every user, by username."""
    return list(db_session.scalars(select(User).order_by(User.username)))


def set_active(*, db_session: Session, username: str, active: bool, actor: Actor) -> int:
    """Enable or disable a user; disabling also ends its sessions and API tokens (their count)."""
    user_id = db_session.scalars(select(User.id).where(User.username == username)).first()
    if user_id is None:
        raise AuthError(f"no user {username!r}")
    # one conditional write: of two concurrent changes to the same state, one reports "already"
    changed = db_session.execute(
        update(User).where(User.id == user_id, User.active == (not active)).values(active=active)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise AuthError(f"user {username!r} is {'enabled' if active else 'disabled'} already")
    ended = 0 if active else _delete_tokens(db_session=db_session, user_id=user_id)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="user.enable" if active else "user.disable", object_type="user",
        object_id=str(user_id), before={"active": not active},
        after={"active": active, "tokens_ended": ended},
    )  # fmt: skip
    return ended


def revoke_tokens(*, db_session: Session, username: str, actor: Actor) -> int:
    """End every browser session and API token of a user; returns how many."""
    user_id = db_session.scalars(select(User.id).where(User.username == username)).first()
    if user_id is None:
        raise AuthError(f"no user {username!r}")
    ended = _delete_tokens(db_session=db_session, user_id=user_id)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="token.revoke", object_type="user", object_id=str(user_id),
        after={"tokens_ended": ended},
    )  # fmt: skip
    return ended


def count_live_tokens(*, db_session: Session) -> list[tuple[str, str, int, datetime]]:
    """Per user and kind of token: how many are live, and when the last of them expires."""
    rows = db_session.execute(
        select(User.username, AuthToken.kind, func.count(), func.max(AuthToken.expires_at))
        .select_from(AuthToken)
        .join(User, User.id == AuthToken.user_id)
        .where(AuthToken.expires_at >= utc_now())
        .group_by(User.username, AuthToken.kind)
        .order_by(User.username, AuthToken.kind)
    )
    return [(name, kind, count, last) for name, kind, count, last in rows]


def _delete_tokens(*, db_session: Session, user_id: int) -> int:
    result = db_session.execute(delete(AuthToken).where(AuthToken.user_id == user_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
