"""Refusing a request body over a size limit while its bytes arrive, without buffering it."""

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """The request body passed the limit while the app was reading it."""


class BodySizeLimit:
    """ASGI middleware: answers `refusal` (a 413) once a request body passes `limit` bytes.

    A declared Content-Length over the limit is refused before the app runs; a chunked body
    is counted as it is received, so the app never holds more than `limit` bytes of it.
    """

    def __init__(
        self, app: ASGIApp, limit: int, refusal: Callable[[Request, int], Response]
    ) -> None:
        self.app = app
        self.limit = limit
        self.refusal = refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = refused = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    if not started:
                        refused = True
                        await self._refuse(scope, receive, send)
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 went out: whatever the app answers to the cut body is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLarge:
            if not refused:
                raise

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.refusal(Request(scope), self.limit)
        # close the connection: reading the rest of the body to keep it alive is what we refuse
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
