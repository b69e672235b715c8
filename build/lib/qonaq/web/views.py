"""Pages every user shares: sign in, sign out, the start page of each role."""

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from qonaq.auth.service import AuthError, HashingBusy, end_session
from qonaq.auth.sign_in import Throttled, sign_in
from qonaq.i18n import gettext
from qonaq.plaintext import PlainText
from qonaq.web.deps import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    Language,
    SessionDep,
    check_csrf,
    client_address,
)
from qonaq.web.templating import ONE_YEAR, render

router = APIRouter(include_in_schema=False)
# the sign-in form's CSRF token before there is a session: a signed double-submit cookie
LOGIN_CSRF_COOKIE = "qonaq_login_csrf"
HOME_OF_ROLE = {
    "registrar": "/desk",
    "host": "/host",
    "coordinator": "/coordinator/replan",
    "admin": "/coordinator/replan",
    "volunteer": "/settlements",
}


def _safe_next(url: str) -> str:
    # only paths on this site, so a crafted link cannot send a user elsewhere after sign-in
    return url if url.startswith("/") and not url.startswith("//") else "/"


def _login_csrf_signature(request: Request, nonce: str) -> str:
    secret: bytes = request.app.state.letter_secret
    return hmac.new(secret, b"login-csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def _is_signed_login_csrf(request: Request, token: str) -> bool:
    nonce, _, signature = token.partition(".")
    return bool(nonce) and hmac.compare_digest(
        signature.encode(), _login_csrf_signature(request, nonce).encode()
    )


def _login_csrf(request: Request) -> str:
    """The browser's sign-in CSRF token when it holds a valid one, else a new one."""
    held = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if _is_signed_login_csrf(request, held):
        return held
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_login_csrf_signature(request, nonce)}"


def _login_form(
    request: Request,
    language: str,
    *,
    next_url: str,
    username: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The sign-in form, with what the user typed as username and the CSRF cookie it needs."""
    token = _login_csrf(request)
    context = {"next_url": _safe_next(next_url), "username": username, "error": error}
    response = render(
        request, "login.html", language, {**context, "csrf_token": token}, status_code
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


@router.get("/login")
def login_page(request: Request, language: Language, next: str = "/") -> Response:
    """The sign-in form (public)."""
    return _login_form(request, language, next_url=next)


@router.post("/login")
def login(
    request: Request,
    language: Language,
    username: Annotated[PlainText, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[PlainText, Form(max_length=200)] = "/",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Check the password and start a browser session (public)."""
    form = {"next_url": next, "username": username}
    held = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (
        _is_signed_login_csrf(request, held)
        and hmac.compare_digest(held.encode(), csrf_token.encode())
    ):
        error = gettext(
            language, "The sign-in form expired or came from another site. Please sign in again."
        )
        return _login_form(request, language, **form, error=error, status_code=403)
    try:
        signed_in = sign_in(
            engine=request.app.state.engine, username=username, password=password,
            client=client_address(request), kind="session",
        )  # fmt: skip
    except Throttled as exc:
        message = gettext(language, "Too many sign-in attempts. Try again in %(minutes)s min.")
        error = message % {"minutes": exc.retry_after_minutes}
        response = _login_form(request, language, **form, error=error, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    except HashingBusy:
        error = gettext(language, "The server is busy. Please try again in a moment.")
        response = _login_form(request, language, **form, error=error, status_code=503)
        response.headers["Retry-After"] = "1"
        return response
    except AuthError:
        error = gettext(language, "Wrong username or password.")
        return _login_form(request, language, **form, error=error, status_code=401)
    user = signed_in.user
    target = _safe_next(next) if next != "/" else HOME_OF_ROLE[user.role]
    response = RedirectResponse(target, 303)
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE, signed_in.token, httponly=True, samesite="lax", secure=secure,
        max_age=12 * 3600,
    )  # fmt: skip
    response.set_cookie(LANGUAGE_COOKIE, user.language, max_age=ONE_YEAR, samesite="lax")
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """End the browser session."""
    check_csrf(request, csrf_token)
    end_session(db_session=session, token=request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(user: CurrentUser) -> Response:
    """Each role's start page."""
    return RedirectResponse(HOME_OF_ROLE[user.role], 303)
