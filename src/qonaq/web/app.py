"""The FastAPI application: JSON API under /api/v1, pages, static assets, error handling."""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as SqlalchemyTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

from qonaq import __version__
from qonaq.aid import views as aid_views
from qonaq.aid.api import router as aid_api
from qonaq.arrivals import views as arrivals_views
from qonaq.audit import views as audit_views
from qonaq.audit.api import router as audit_api
from qonaq.auth.api import router as auth_api
from qonaq.config import get_settings
from qonaq.dashboard import views as dashboard_views
from qonaq.dashboard.api import router as dashboard_api
from qonaq.errors import DomainError
from qonaq.exchange import views as exchange_views
from qonaq.i18n import N_, gettext
from qonaq.jobs.api import router as jobs_api
from qonaq.jobs.queue import InProcessWorker
from qonaq.registry import plans_views
from qonaq.registry import views as registry_views
from qonaq.registry.api import router as registry_api
from qonaq.registry.plans_api import router as plans_api
from qonaq.registry.service import DuplicateRegistration
from qonaq.settlements import views as settlements_views
from qonaq.settlements.api import router as settlements_api
from qonaq.transport import views as transport_views
from qonaq.web import api_docs, views
from qonaq.web.admission import Admission, RefuseControlCharacters, busy_response
from qonaq.web.body_limit import BodySizeLimit
from qonaq.web.compression import CompressedAssets
from qonaq.web.deps import CsrfMismatch, NotAllowed, NotSignedIn, request_language
from qonaq.web.openapi import truthful_openapi
from qonaq.web.security_headers import SecurityHeaders
from qonaq.web.templating import render

logger = logging.getLogger(__name__)
API_PREFIX = "/api/v1"
STATIC_DIR = Path(__file__).parent / "static"
# a registration form is small: refuse anything bigger while it arrives, before parsing it
MAX_BODY_BYTES = 256 * 1024


class QonaqApp(FastAPI):
    """FastAPI whose every response carries the security headers, even Starlette's own 500."""

    def build_middleware_stack(self) -> ASGIApp:
        """The usual stack inside SecurityHeaders (HSTS everywhere when public over HTTPS)."""
        public_https = self.state.public_url.startswith("https://")
        return SecurityHeaders(super().build_middleware_stack(), always_https=public_https)


def create_app(
    engine: Engine,
    letter_secret: bytes | None = None,
    public_url: str | None = None,
    run_jobs: bool = False,
) -> FastAPI:
    """The Qonaq web service on `engine`'s database, reached by users at `public_url`;
    with `run_jobs`, a thread of the server runs the queued jobs (SQLite: no worker process)."""
    app = QonaqApp(
        lifespan=_jobs_in_process(engine) if run_jobs else None,
        title="Qonaq",
        version=__version__,
        description="Register arrivals, place households in settlements with room, record arrival.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # api_docs serves it from local files, without inline script
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.letter_secret = letter_secret or get_settings().resolved_secret_key()
    # links printed on letters: never built from the request's Host header, which a client sets
    app.state.public_url = (public_url or get_settings().resolved_public_url()).rstrip("/")
    for router in (
        auth_api, settlements_api, registry_api, plans_api, jobs_api, audit_api, dashboard_api,
        aid_api,
    ):  # fmt: skip
        app.include_router(router, prefix=API_PREFIX)
    pages = (
        views.router, registry_views.router, plans_views.router, settlements_views.router,
        audit_views.router, transport_views.router, arrivals_views.router,
        dashboard_views.router, exchange_views.router, api_docs.router, aid_views.router,
    )  # fmt: skip
    for page_router in pages:
        app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount(api_docs.SWAGGER_UI_PREFIX, api_docs.swagger_ui_files(), name="swagger-ui")
    _add_error_handlers(app)
    app.openapi = truthful_openapi(app, API_PREFIX)  # type: ignore[method-assign]
    app.add_middleware(CompressedAssets)
    settings = get_settings()
    # sign-ins wait for a password check of their own (bounded per core), not in this line,
    # so a storm of wrong passwords cannot keep the desks out
    app.add_middleware(
        Admission, limit=settings.concurrent_requests, wait=settings.queue_timeout,
        exempt=frozenset({"/login", f"{API_PREFIX}/auth/token"}),
    )  # fmt: skip
    app.add_middleware(RefuseControlCharacters)
    app.add_middleware(BodySizeLimit, limit=MAX_BODY_BYTES, refusal=_too_large)
    _access_log_without_queries()
    return app


def app_from_settings() -> FastAPI:
    """The service as configured by QONAQ_* variables: one per server process."""
    from qonaq.db.session import make_engine
    from qonaq.jobs.queue import has_queue_server

    engine = make_engine()
    return create_app(engine, run_jobs=not has_queue_server(engine))


def _jobs_in_process(engine: Engine) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = InProcessWorker(engine)
        worker.start()
        yield
        worker.stop()

    return lifespan


def _too_large(request: Request, limit: int) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": f"request body over {limit} bytes"}, 413)
    language = request_language(request)
    message = gettext(language, "The form is too large to send (over %(kib)s KiB).")
    return render(
        request, "error.html", language, {"message": message % {"kib": limit // 1024}}, 413
    )


class WithoutQueryStrings(logging.Filter):
    """Access log lines without query strings: a search by name or document must not be kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's access record: (client, method, path with query, HTTP version, status)
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, str(path).split("?", 1)[0], version, status)
        return True


def _access_log_without_queries() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, WithoutQueryStrings) for f in access.filters):
        access.addFilter(WithoutQueryStrings())


# Starlette's own refusals of a page, in words (a form's address opened by a link, a typo)
PAGE_ERRORS = {
    404: N_("This page does not exist."),
    405: N_("This address is not a page to open: go back and use the page's buttons."),
}


def _error_page(request: Request, message: str, status: int) -> Response:
    language = request_language(request)
    return render(request, "error.html", language, {"message": gettext(language, message)}, status)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "sign in first"}, 401, {"WWW-Authenticate": "Bearer"})
        if request.method in ("GET", "HEAD"):
            back_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?{urlencode({'next': back_to})}", 303)
        return await views.expired_session_page(request)

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, exc: NotAllowed) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "your role may not do this"}, 403)
        return _error_page(request, N_("Your role may not do this."), 403)

    @app.exception_handler(CsrfMismatch)
    async def csrf(request: Request, exc: CsrfMismatch) -> Response:
        if _is_api(request):
            detail = "a write signed in by the session cookie needs the X-CSRF-Token header"
            return JSONResponse({"detail": detail}, 403)
        return await views.stale_form_page(request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) or exc.status_code not in PAGE_ERRORS:
            return await http_exception_handler(request, exc)
        return _error_page(request, PAGE_ERRORS[exc.status_code], exc.status_code)

    @app.exception_handler(DomainError)
    async def refused(request: Request, exc: DomainError) -> Response:
        # every service raises one family of errors; here each becomes its status and page
        status = exc.status
        if not _is_api(request):
            language = request_language(request)
            return render(request, "error.html", language, {"message": exc.words(language)}, status)
        body: dict[str, object] = {"detail": str(exc)}
        if isinstance(exc, DuplicateRegistration):
            body["household_id"] = exc.household_id
            body["household_url"] = f"{API_PREFIX}/households/{exc.household_id}"
        return JSONResponse(body, status)

    @app.exception_handler(OperationalError)
    @app.exception_handler(SqlalchemyTimeout)
    async def database_busy(request: Request, exc: Exception) -> Response:
        # a lock or connection not had in time, a deadlock, a restarting server: nothing was
        # written (the transaction rolled back), so the user may simply send it again
        logger.warning("database busy or unavailable: %s", type(exc).__name__)
        return busy_response(request)

    @app.exception_handler(DataError)
    async def unstorable(request: Request, exc: DataError) -> Response:
        # a value the database cannot store that validation let through; never echo it
        logger.warning("database refused a value: %s", type(exc.orig).__name__)
        return JSONResponse({"detail": "a value cannot be stored: check the input"}, 400)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        # echo where and what, never the (possibly huge, possibly personal) input
        errors = [
            {"loc": e.get("loc"), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, 422)
