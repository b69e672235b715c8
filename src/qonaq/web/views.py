"""Pages every user shares: sign in, sign out, the start page of each role."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from qonaq.auth.service import AuthError, authenticate, end_session, start_session
from qonaq.i18n import gettext
from qonaq.plaintext import PlainText
from qonaq.web.deps import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    Language,
    SessionDep,
    check_csrf,
)
from qonaq.web.templating import ONE_YEAR, render

router = APIRouter(include_in_schema=False)
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


@router.get("/login")
def login_page(request: Request, language: Language, next: str = "/") -> Response:
    """The sign-in form (public)."""
    return render(request, "login.html", language, {"next_url": _safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    language: Language,
    username: Annotated[PlainText, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[PlainText, Form(max_length=200)] = "/",
) -> Response:
    """Check the password and start a browser session (public)."""
    try:
        user = authenticate(db_session=session, username=username, password=password)
    except AuthError:
        context = {
            "next_url": _safe_next(next),
            "error": gettext(language, "Wrong username or password."),
        }
        return render(request, "login.html", language, context, status_code=401)
    token, _csrf = start_session(db_session=session, user=user)
    target = _safe_next(next) if next != "/" else HOME_OF_ROLE[user.role]
    response = RedirectResponse(target, 303)
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure, max_age=12 * 3600
    )
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
