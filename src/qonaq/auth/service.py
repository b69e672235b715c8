"""Users, passwords, browser sessions and API tokens: the only code that writes them."""

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.auth.models import ROLES, AuthToken, User
from qonaq.db.base import utc_now
from qonaq.settlements.models import Settlement

SESSION_LIFETIME = timedelta(hours=12)
API_TOKEN_LIFETIME = timedelta(days=90)
MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


class AuthError(ValueError):
    """A user could not be created or signed in; the message says why."""


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
) -> User:
    """A new user with an Argon2 password hash; a host must name its settlement."""
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
    )
    db_session.add(user)
    db_session.flush()
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="user.create", object_type="user", object_id=str(user.id),
        after={"username": username, "role": role, "settlement_id": settlement_id},
    )  # fmt: skip
    return user


def authenticate(*, db_session: Session, username: str, password: str) -> User:
    """The active user with this username and password; AuthError otherwise (same message)."""
    user = db_session.scalars(select(User).where(User.username == username)).first()
    try:
        if user is None or not user.active:
            raise VerificationError
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise AuthError("wrong username or password") from exc
    return user


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
            expires_at=utc_now() + API_TOKEN_LIFETIME,
        )
    )  # fmt: skip
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="token.issue", object_type="user", object_id=str(user.id),
    )  # fmt: skip
    return token


def resolve_token(*, db_session: Session, token: str, kind: str) -> tuple[User, AuthToken] | None:
    """The active user a live token of `kind` belongs to, with the token row."""
    row = db_session.scalars(
        select(AuthToken).where(AuthToken.token_hash == hash_token(token), AuthToken.kind == kind)
    ).first()
    if row is None or row.expires_at < utc_now():
        return None
    user = db_session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row


def end_session(*, db_session: Session, token: str) -> None:
    """Sign a browser session out."""
    db_session.execute(delete(AuthToken).where(AuthToken.token_hash == hash_token(token)))


def expire_old_tokens(*, db_session: Session, now: datetime | None = None) -> int:
    """Delete tokens past their expiry; returns how many."""
    result = db_session.execute(delete(AuthToken).where(AuthToken.expires_at < (now or utc_now())))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
