"""Static assets come gzip-compressed to a client that accepts it; pages and API answers do not."""

from fastapi.testclient import TestClient

from qonaq.dashboard.views import PLOTLY_JS
from tests.web.conftest import Site
from tests.web.test_security_headers import assert_secured

GZIP = {"Accept-Encoding": "gzip"}


def test_the_plotly_bundle_comes_gzipped_and_cacheable(sqlite_site: Site) -> None:
    client = TestClient(sqlite_site.client.app)
    with client.stream("GET", "/vendor/plotly.min.js", headers=GZIP) as response:
        sent = b"".join(response.iter_raw())  # the bytes on the wire, not decoded
    raw = PLOTLY_JS.stat().st_size
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert len(sent) < raw / 3, (len(sent), raw)
    assert "accept-encoding" in response.headers["vary"].lower()
    assert response.headers["cache-control"] == "public, max-age=86400"
    assert_secured(response, "gzipped bundle")
    plain = client.get("/vendor/plotly.min.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and len(plain.content) == raw


def test_static_scripts_are_gzipped_pages_and_api_answers_are_not(sqlite_site: Site) -> None:
    client = TestClient(sqlite_site.client.app)
    script = client.get("/vendor/swagger-ui/swagger-ui-bundle.js", headers=GZIP)
    assert script.headers["content-encoding"] == "gzip"
    page = client.get("/login", headers=GZIP)
    api = client.get("/api/v1/settlements", headers={**GZIP, **sqlite_site.auth("registrar")})
    # a page's CSRF token next to typed text must not be compressed together (BREACH)
    assert "content-encoding" not in page.headers and "content-encoding" not in api.headers
    assert page.headers["cache-control"] == "no-store"
    assert api.headers["cache-control"] == "no-store"
    assert_secured(page, "page")
