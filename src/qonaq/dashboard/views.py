"""The coordinator's live dashboard page, and the simulation report it links to."""

from pathlib import Path
from typing import Annotated

import plotly
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from qonaq.auth.models import User
from qonaq.config import get_settings
from qonaq.web.deps import Language, require
from qonaq.web.security_headers import SANDBOXED_FILE_POLICY
from qonaq.web.templating import render

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[User, Depends(require("coordinator"))]
# Plotly's own bundle, served from the installed package: no CDN, a PSC may be offline
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def simulation_report(language: str) -> Path:
    """Where `make demo` leaves the kz-2022 policy comparison in `language` (else the one
    report a `qonaq simulate --out` left there)."""
    folder = get_settings().var_dir / "simulation"
    translated = folder / f"report.{language}.html"
    return translated if translated.exists() else folder / "report.html"


@router.get("/coordinator/dashboard")
def dashboard_page(request: Request, user: Coordinator, language: Language) -> Response:
    """Map and charts of the current loads, refreshed in place every few seconds."""
    context = {"has_report": simulation_report(language).exists()}
    return render(request, "dashboard.html", language, context)


@router.get("/coordinator/simulation")
def simulation_page(user: Coordinator, language: Language) -> Response:
    """The last kz-2022 simulation report in the reader's language, if the demo produced one."""
    report = simulation_report(language)
    if not report.exists():
        return Response("no simulation report yet: run `make demo` or `qonaq simulate`", 404)
    policy = {"Content-Security-Policy": SANDBOXED_FILE_POLICY}  # it carries Plotly inline
    return FileResponse(report, media_type="text/html", headers=policy)


@router.get("/vendor/plotly.min.js")
def plotly_bundle() -> Response:
    """The Plotly bundle shipped inside the plotly package (public, like any static file)."""
    # it changes only with the installed plotly: a browser may keep it for a day
    cached = {"Cache-Control": "public, max-age=86400"}
    return FileResponse(PLOTLY_JS, media_type="application/javascript", headers=cached)
