"""Rendering pages: Jinja2 templates with the request's language and CSRF token."""

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from qonaq.i18n import LANGUAGE_NAMES, LANGUAGES, number, percent, signed, translations
from qonaq.web.deps import LANGUAGE_COOKIE

TEMPLATES_DIR = Path(__file__).parent / "templates"
ONE_YEAR = 365 * 24 * 3600

environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
)
environment.install_null_translations()  # type: ignore[attr-defined]


def language_url(request: Request, code: str) -> str:
    """This page in language `code`: its path and query, only `lang` replaced."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*query, ('lang', code)])}"


def render(
    request: Request,
    template: str,
    language: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page `template` in `language`; remembers a language chosen with ?lang=."""
    catalog = translations(language)
    values: dict[str, Any] = {
        "request": request,
        "lang": language,
        "languages": LANGUAGES,
        "language_names": LANGUAGE_NAMES,
        "language_urls": {code: language_url(request, code) for code in LANGUAGES},
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "gettext": catalog.gettext,
        "ngettext": catalog.ngettext,
        "_": catalog.gettext,
        # numbers as the reader writes them: 1 234 567 in kk and ru, 1,234,567 in en
        "number": lambda value: number(value, language),
        "signed": lambda value: signed(value, language),
        "percent": lambda share: percent(share, language),
        **(context or {}),
    }
    html = environment.get_template(template).render(values)
    # pages carry names, documents and tokens: never kept by the browser or a proxy, so Back
    # after a confirmation asks the server again instead of showing a stale form
    response = HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=ONE_YEAR, httponly=True, samesite="lax"
        )
    return response
