"""Request dependencies: the transaction, the signed-in user, role checks, the language."""

import hmac
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, Path, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from qonaq.auth.models import User
from qonaq.auth.service import resolve_token
from qonaq.db.session import transaction
from qonaq.i18n import pick_language

SESSION_COOKIE = "qonaq_session"
LANGUAGE_COOKIE = "qonaq_lang"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotSignedIn(Exception):
    """No valid session or token came with the request."""


class NotAllowed(Exception):
    """The signed-in user's role may not call this route."""


class CsrfMismatch(Exception):
    """A form or cookie-authenticated write came without the session's CSRF token."""


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def db_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: it commits when the route returns, or rolls back.

    Opening it takes no thread (the connection is taken at the first statement); only its
    end, which commits or rolls back, waits for the database in one.
    """
    engine: Engine = request.app.state.engine
    opened = transaction(engine, writes=request.method not in READ_ONLY_METHODS)
    session = opened.__enter__()
    # its own limiter, as FastAPI's: an end waiting for a free thread could hold a connection
    # that the threads' requests wait for
    ending = CapacityLimiter(1)
    try:
        yield session
    except BaseException as exc:
        with CancelScope(shield=True):
            await anyio.to_thread.run_sync(
                opened.__exit__, type(exc), exc, exc.__traceback__, limiter=ending
            )
        raise
    else:
        with CancelScope(shield=True):
            await anyio.to_thread.run_sync(opened.__exit__, None, None, None, limiter=ending)


# "function" scope: commit before the response leaves, so a client that follows a redirect
# (or a second desk reading the loads) never sees the state from before the write
SessionDep = Annotated[Session, Depends(db_session, scope="function")]


def current_user(request: Request, session: SessionDep) -> User:
    """The user of the bearer token or the session cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        found = resolve_token(db_session=session, token=header[7:].strip(), kind="api")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        found = resolve_token(db_session=session, token=cookie, kind="session") if cookie else None
        if found is not None:
            request.state.csrf_token = found.csrf_token
            # a JSON write signed in by the cookie alone could be forged by another site
            if request.url.path.startswith("/api/") and request.method in UNSAFE_METHODS:
                check_csrf(request, request.headers.get(CSRF_HEADER))
    if found is None:
        raise NotSignedIn
    request.state.user = found.user
    return found.user


CurrentUser = Annotated[User, Depends(current_user)]


def require(*roles: str) -> Callable[[User], Coroutine[Any, Any, User]]:
    """A dependency admitting only users with one of `roles` (admin always)."""
    allowed = frozenset(roles) | {"admin"}

    # async: a comparison in memory, not worth a hand-over to a thread
    async def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise NotAllowed
        return user

    check.roles = allowed  # type: ignore[attr-defined]
    return check


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a cookie-authenticated write whose CSRF token does not match the session's."""
    expected = getattr(request.state, "csrf_token", None)
    if expected is None:
        return  # bearer-token callers are not exposed to cross-site requests
    if not submitted or not hmac.compare_digest(submitted.encode(), expected.encode()):
        raise CsrfMismatch


def client_address(request: Request) -> str:
    """The client's IP address (the proxy's forwarded one when uvicorn trusts the proxy)."""
    return request.client.host if request.client is not None else "unknown"


def request_language(request: Request) -> str:
    """The page language: ?lang=, then the cookie, then the user's setting, then the browser."""
    user = getattr(request.state, "user", None)
    return pick_language(
        request.query_params.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        user.language if user is not None else None,
        request.headers.get("accept-language"),
    )


Language = Annotated[str, Depends(request_language)]


# ids are 32-bit in both databases; a larger number is a 422, not a database error
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
