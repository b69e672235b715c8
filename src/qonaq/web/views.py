"""Pages every user shares: sign in, sign out, the start page of each role."""

import hashlib
import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from qonaq.auth.service import AuthError, HashingBusy, end_session
from qonaq.auth.sign_in import Throttled, sign_in
from qonaq.i18n import LANGUAGES, N_, gettext
from qonaq.plaintext import PlainText
from qonaq.web.deps import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    Language,
    NotSignedIn,
    SessionDep,
    check_csrf,
    client_address,
    current_user,
    request_language,
)
from qonaq.web.templating import ONE_YEAR, render

router = APIRouter(include_in_schema=False)
# the sign-in form's CSRF token before there is a session: a signed double-submit cookie
LOGIN_CSRF_COOKIE = "qonaq_login_csrf"
# the fields of a form kept across a sign-in travel in the sign-in form under this prefix
RESUME_PREFIX = "resume:"
Fields = tuple[tuple[str, str], ...]
HOME_OF_ROLE = {
    "registrar": "/desk",
    "host": "/host",
    "coordinator": "/coordinator/replan",
    "admin": "/coordinator/replan",
    "volunteer": "/aid",
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
    resume: Fields = (),
) -> Response:
    """The sign-in form, with what the user typed as username and the CSRF cookie it needs;
    `resume` carries the fields of a form sent when the session had ended."""
    token = _login_csrf(request)
    context = {
        "next_url": _safe_next(next_url), "username": username, "error": error,
        "resume": resume, "resume_prefix": RESUME_PREFIX,
    }  # fmt: skip
    response = render(
        request, "login.html", language, {**context, "csrf_token": token}, status_code
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


def _same_site(request: Request) -> bool:
    # only a form of our own pages is offered again: another site's post must not become a
    # one-click "send it again" page
    return (
        request.headers.get("sec-fetch-site") == "same-origin"
        or request.headers.get("origin") == f"{request.url.scheme}://{request.url.netloc}"
    )


async def typed_fields(request: Request) -> Fields:
    """The text fields of the form this request sent (CSRF token left out), when it came
    from one of our own pages; else none."""
    if not _same_site(request) or request.method not in ("POST", "PUT", "PATCH"):
        return ()
    form = await request.form()
    return tuple(
        (name, value)
        for name, value in form.multi_items()
        if isinstance(value, str) and name != "csrf_token"
    )


async def resumed_fields(request: Request) -> Fields:
    """The kept fields a sign-in form carries (see `expired_session_page`)."""
    form = await request.form()
    return tuple(
        (name.removeprefix(RESUME_PREFIX), value)
        for name, value in form.multi_items()
        if name.startswith(RESUME_PREFIX) and isinstance(value, str)
    )


async def expired_session_page(request: Request) -> Response:
    """A form sent after the session ended: the sign-in form, keeping what was typed, so
    that after signing in the user sends it again with one click."""
    language = request_language(request)
    fields = await typed_fields(request)
    message = N_("Your session has ended. Sign in again to send what you typed.")
    if not fields:
        message = N_("Your session has ended. Sign in again, then go back and send the form.")
    return _login_form(
        request, language, next_url=request.url.path if fields else "/",
        error=gettext(language, message),
        status_code=401, resume=fields,
    )  # fmt: skip


def resume_page(
    request: Request, language: str, action: str, fields: Fields, csrf_token: str, status: int
) -> Response:
    """A form to send again, its fields kept, with the current session's CSRF token."""
    context = {"action": _safe_next(action), "fields": fields, "resume_csrf": csrf_token}
    return render(request, "resume.html", language, context, status)


async def stale_form_page(request: Request) -> Response:
    """A form whose CSRF token is not the session's (opened before signing in again, in
    another tab): offer it again with the current token, or explain."""
    language = request_language(request)
    fields = await typed_fields(request)
    token = getattr(request.state, "csrf_token", "")
    if fields and token:
        return resume_page(request, language, request.url.path, fields, token, 403)
    message = gettext(
        language, "This form has expired. Go back, reload the page and send the form again."
    )
    return render(request, "error.html", language, {"message": message}, 403)


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
    resume: Annotated[Fields, Depends(resumed_fields)],
    next: Annotated[PlainText, Form(max_length=200)] = "/",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Check the password and start a browser session (public)."""
    form: dict[str, Any] = {"next_url": next, "username": username, "resume": resume}
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
    request.state.user, request.state.csrf_token = user, signed_in.csrf_token
    # the form sent when the session had ended: to send again with the new CSRF token
    response = (
        resume_page(request, language, target, resume, signed_in.csrf_token, 200)
        if resume
        else RedirectResponse(target, 303)
    )
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE, signed_in.token, httponly=True, samesite="lax", secure=secure,
        max_age=12 * 3600,
    )  # fmt: skip
    # a language chosen on the sign-in page (?lang=, kept in the cookie) stays; else the user's
    chosen = request.query_params.get("lang") in LANGUAGES or LANGUAGE_COOKIE in request.cookies
    response.set_cookie(
        LANGUAGE_COOKIE, language if chosen else user.language, max_age=ONE_YEAR,
        httponly=True, samesite="lax",
    )  # fmt: skip
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
def home(request: Request, session: SessionDep, language: Language) -> Response:
    """Each role's start page; for anyone not signed in, the arrivals' start page."""
    try:
        user = current_user(request, session)
    except NotSignedIn:
        return render(request, "start.html", language, {})
    return RedirectResponse(HOME_OF_ROLE[user.role], 303)
