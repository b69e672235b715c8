"""A running web app on a fresh database with the tiny country and one user per role."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from qonaq.auth.actor import Actor
from qonaq.auth.service import create_user
from qonaq.db.session import transaction
from qonaq.web.app import create_app
from tests.registry.factories import seed_tiny_country

PASSWORD = "correct horse battery"
ROLES = ("admin", "coordinator", "registrar", "host", "volunteer")
HOST_SETTLEMENT = "small"
PUBLIC_URL = "https://qonaq.example.kz"


@dataclass
class Site:
    """The app under test, its engine, and a bearer token per role."""

    client: TestClient
    engine: Engine
    tokens: dict[str, str]

    def auth(self, role: str) -> dict[str, str]:
        """Headers that sign a request in as the user of `role`."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def post_login(
    client: httpx.Client, username: str, password: str, url: str = "/login"
) -> httpx.Response:
    """Open the sign-in form as a browser would, and post it with its CSRF token."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None, form.text
    data = {"username": username, "password": password, "csrf_token": token.group(1)}
    return client.post(url, data=data, follow_redirects=False)


def make_site(engine: Engine, public_url: str | None = PUBLIC_URL) -> Site:
    """Seed the tiny country and one user per role, and sign each in for a token."""
    seed_tiny_country(engine)
    with transaction(engine) as db_session:
        for role in ROLES:
            create_user(
                db_session=db_session, username=role, password=PASSWORD, role=role,
                actor=Actor("test"), settlement_id=HOST_SETTLEMENT if role == "host" else None,
                language="en",
            )  # fmt: skip
    client = TestClient(create_app(engine, letter_secret=b"test-secret", public_url=public_url))
    tokens = {}
    for role in ROLES:
        response = client.post("/api/v1/auth/token", json={"username": role, "password": PASSWORD})
        assert response.status_code == 200, response.text
        tokens[role] = response.json()["access_token"]
    return Site(client, engine, tokens)


@pytest.fixture
def site(migrated_engine: Engine) -> Iterator[Site]:
    """The app on SQLite, then on PostgreSQL."""
    yield make_site(migrated_engine)


@pytest.fixture
def sqlite_site(sqlite_engine: Engine) -> Iterator[Site]:
    """The app on SQLite only (tests not about the backend)."""
    yield make_site(sqlite_engine)
