"""Admission: a server process serves a bounded number of requests at once, each with its
own database connection; the others wait in line, and past a few seconds get 503.

Without it, 64 desks at once each took a pooled connection in one thread and waited for
another thread to use it: every request timed out and nothing was confirmed.
"""

import asyncio
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from qonaq.plaintext import has_control_characters

RETRY_AFTER_SECONDS = 2


class Admission:
    """ASGI middleware letting at most `limit` requests into the app at once."""

    def __init__(
        self, app: ASGIApp, *, limit: int, wait: float, exempt: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.limit = limit
        self.wait = wait
        self.exempt = exempt
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"].startswith("/static/")  # files need no database connection
            or scope["path"] in self.exempt
        ):
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait)
        except TimeoutError:
            await busy_response(Request(scope))(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()


def busy_response(request: Request) -> Response:
    """503 with Retry-After: the server or its database is busy; nothing was done."""
    from qonaq.web.deps import request_language
    from qonaq.web.templating import render

    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.url.path.startswith("/api/"):
        body = {"detail": "the server is busy: nothing was done; try again in a few seconds"}
        return JSONResponse(body, 503, headers)
    language = request_language(request)
    page = render(request, "busy.html", language, {}, 503)
    page.headers.update(headers)
    return page


class RefuseControlCharacters:
    """ASGI middleware: 400 for a path or query string holding control characters.

    They reach database queries as ids and filters (a NUL made PostgreSQL fail with a 500).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _controlled(scope):
            body = {"detail": "the address holds control characters"}
            await JSONResponse(body, 400)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _controlled(scope: Scope) -> bool:
    query = unquote_plus(scope.get("query_string", b"").decode("latin-1"), errors="replace")
    return has_control_characters(scope["path"]) or has_control_characters(query)
