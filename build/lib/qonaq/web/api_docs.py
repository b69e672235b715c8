"""The interactive API docs: Swagger UI from the installed bundle, no CDN, no inline script."""

from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from qonaq.web.templating import environment

SWAGGER_UI_DIR = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_UI_PREFIX = "/vendor/swagger-ui"

router = APIRouter(include_in_schema=False)


def swagger_ui_files() -> StaticFiles:
    """Swagger UI's scripts and styles, to mount at SWAGGER_UI_PREFIX."""
    return StaticFiles(directory=SWAGGER_UI_DIR)


@router.get("/docs")
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI on the OpenAPI document (public, like the document itself)."""
    html = environment.get_template("api_docs.html").render(
        title=f"{request.app.title} API",
        openapi_url=request.app.openapi_url,
        assets=SWAGGER_UI_PREFIX,
    )
    return HTMLResponse(html)
