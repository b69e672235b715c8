"""Every kind of response carries the security headers; HSTS only where the service is HTTPS."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from qonaq.web.app import MAX_BODY_BYTES, create_app
from qonaq.web.security_headers import CONTENT_SECURITY_POLICY, SANDBOXED_FILE_POLICY
from tests.web.conftest import Site

EXPECTED = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
HSTS = "strict-transport-security"


def assert_secured(response: object, kind: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert {name: headers.get(name) for name in EXPECTED} == EXPECTED, kind


def test_the_policy_allows_no_inline_script_or_style() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_every_kind_of_response_carries_the_headers(sqlite_site: Site) -> None:
    client = TestClient(sqlite_site.client.app)
    registrar = sqlite_site.auth("registrar")
    responses = {
        "page": client.get("/login"),
        "API JSON": client.get("/api/v1/settlements", headers=registrar),
        "API 401": client.get("/api/v1/settlements"),
        "API 404": client.get("/api/v1/households/999999", headers=registrar),
        "API 422": client.post("/api/v1/households", json={}, headers=registrar),
        "no such path": client.get("/nowhere"),
        "redirect": client.get("/desk", follow_redirects=False),
        "static file": client.get("/static/qonaq.css"),
        "Plotly bundle": client.get("/vendor/plotly.min.js"),
        "API docs": client.get("/docs"),
        "Swagger UI file": client.get("/vendor/swagger-ui/swagger-ui-bundle.js"),
        "OpenAPI document": client.get("/api/v1/openapi.json"),
        "too large": client.post("/login", content=b"x" * (MAX_BODY_BYTES + 1)),
        "HEAD": client.head("/login"),
    }
    statuses = {kind: response.status_code for kind, response in responses.items()}
    assert statuses == {
        "page": 200, "API JSON": 200, "API 401": 401, "API 404": 404, "API 422": 422,
        "no such path": 404, "redirect": 303, "static file": 200, "Plotly bundle": 200,
        "API docs": 200, "Swagger UI file": 200, "OpenAPI document": 200, "too large": 413,
        "HEAD": 405,
    }  # fmt: skip
    for kind, response in responses.items():
        assert_secured(response, kind)
        # the test site's public URL is https: HSTS goes on everything, even over plain HTTP
        assert response.headers[HSTS] == "max-age=31536000", kind


def test_an_unexpected_error_500_carries_the_headers_too(sqlite_engine: Engine) -> None:
    app = create_app(sqlite_engine, letter_secret=b"x", public_url="http://qonaq.local")

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("a bug")

    response = TestClient(app, raise_server_exceptions=False).get("/broken")
    assert response.status_code == 500
    assert_secured(response, "500")


@pytest.mark.parametrize(
    ("public_url", "base_url", "hsts"),
    [
        ("http://10.0.0.7:8000", "http://testserver", False),
        ("http://10.0.0.7:8000", "https://testserver", True),
        ("https://qonaq.example.kz", "http://testserver", True),
    ],
)
def test_hsts_only_when_served_over_https(
    sqlite_engine: Engine, public_url: str, base_url: str, hsts: bool
) -> None:
    app = create_app(sqlite_engine, letter_secret=b"x", public_url=public_url)
    response = TestClient(app, base_url=base_url).get("/login")
    assert_secured(response, base_url)
    assert (HSTS in response.headers) is hsts


def test_a_route_may_set_its_own_policy_and_keeps_it(
    sqlite_site: Site, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qonaq.config import get_settings

    report = tmp_path / "simulation" / "report.html"  # type: ignore[operator]
    report.parent.mkdir()
    report.write_text("<script>document.title = 'ran'</script>")
    monkeypatch.setenv("QONAQ_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        response = sqlite_site.client.get(
            "/coordinator/simulation", headers=sqlite_site.auth("coordinator")
        )
    finally:
        get_settings.cache_clear()
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == SANDBOXED_FILE_POLICY
    assert response.headers["x-frame-options"] == "DENY"
