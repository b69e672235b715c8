"""The sign-in form needs its signed CSRF cookie back; a JSON write signed in by the session
cookie needs the session's CSRF token in a header."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from qonaq.web.app import create_app
from tests.web.conftest import PASSWORD, Site, make_site, post_login


@pytest.fixture
def sqlite_site(sqlite_engine: Engine) -> Iterator[Site]:
    """The app with one user per role, on SQLite."""
    yield make_site(sqlite_engine)


def form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def test_the_sign_in_form_without_its_token_is_refused_keeping_the_username(
    sqlite_site: Site,
) -> None:
    client = TestClient(sqlite_site.client.app)
    data = {"username": "registrar", "password": PASSWORD}
    refused = client.post("/login?lang=en", data=data, follow_redirects=False)
    assert refused.status_code == 403
    assert "The sign-in form expired or came from another site" in refused.text
    assert 'value="registrar"' in refused.text
    # the refusal hands out a fresh form: posting it back signs in
    retried = {**data, "csrf_token": form_token(refused.text)}
    assert client.post("/login", data=retried, follow_redirects=False).status_code == 303


def test_a_forged_or_unsigned_token_is_refused(sqlite_site: Site) -> None:
    client = TestClient(sqlite_site.client.app)
    token = form_token(client.get("/login").text)
    data = {"username": "registrar", "password": PASSWORD}
    forged = client.post("/login", data={**data, "csrf_token": token + "x"})
    assert forged.status_code == 403
    # a cookie planted by another site matches its form but is not signed by this server
    planted = TestClient(sqlite_site.client.app, cookies={"qonaq_login_csrf": "abc.def"})
    refused = planted.post("/login?lang=ru", data={**data, "csrf_token": "abc.def"})
    assert refused.status_code == 403 and "Форма входа устарела" in refused.text
    signed = client.post("/login", data={**data, "csrf_token": token}, follow_redirects=False)
    assert signed.status_code == 303


def test_the_form_token_is_signed_by_this_server_only(
    sqlite_site: Site, sqlite_engine: Engine
) -> None:
    other = TestClient(create_app(sqlite_engine, letter_secret=b"another-secret"))
    token = form_token(other.get("/login").text)
    client = TestClient(sqlite_site.client.app, cookies={"qonaq_login_csrf": token})
    data = {"username": "registrar", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 403


def test_cookie_writes_to_the_api_need_the_csrf_header(sqlite_site: Site) -> None:
    client = TestClient(sqlite_site.client.app)
    assert post_login(client, "registrar", PASSWORD).status_code == 303
    session_csrf = form_token(client.get("/desk").text)
    # reading with the cookie is fine
    assert client.get("/api/v1/me").status_code == 200
    refused = client.post("/api/v1/households", json={})
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    wrong = client.post("/api/v1/households", json={}, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    # with the header the request reaches the route (and its validation)
    passed = client.post("/api/v1/households", json={}, headers={"X-CSRF-Token": session_csrf})
    assert passed.status_code == 422
    # a bearer token needs no CSRF header: no browser sends it on its own
    bearer = sqlite_site.client.post(
        "/api/v1/households", json={}, headers=sqlite_site.auth("registrar")
    )
    assert bearer.status_code == 422
