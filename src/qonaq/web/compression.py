"""Gzip for the static assets (the 4.8 MB Plotly bundle is 1.5 MB compressed), not for pages."""

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

# pages and API answers stay uncompressed: they carry CSRF tokens next to what a user typed,
# and compressing both together leaks the token by its length (BREACH)
ASSET_PREFIXES = ("/static/", "/vendor/")
# a moderate level: 9 costs a third more CPU for a file 0.2 % smaller
COMPRESS_LEVEL = 6


class CompressedAssets:
    """ASGI middleware gzipping responses under ASSET_PREFIXES for clients that accept it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1024, compresslevel=COMPRESS_LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asset = scope["type"] == "http" and str(scope.get("path", "")).startswith(ASSET_PREFIXES)
        await (self.gzip if asset else self.app)(scope, receive, send)
