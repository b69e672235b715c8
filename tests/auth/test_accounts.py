"""Accounts from the command line: disable and enable users (ending their sign-ins), list
them, list and revoke tokens; every change audited; API tokens live QONAQ_API_TOKEN_DAYS."""

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from qonaq.audit.models import AuditEvent
from qonaq.auth.models import AuthToken
from qonaq.cli import app
from qonaq.config import get_settings
from qonaq.db.base import utc_now
from qonaq.db.session import make_engine, transaction
from qonaq.web.app import create_app
from tests.web.conftest import PASSWORD, post_login

runner = CliRunner()


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Iterator[Engine]:
    """The CLI and the web app on one fresh SQLite database, with the registrar `alice`."""
    monkeypatch.setenv("QONAQ_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    created = runner.invoke(
        app, ["users", "create", "alice", "--role", "registrar", "--password", PASSWORD]
    )
    assert created.exit_code == 0, created.output
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()
    get_settings.cache_clear()


def api_token(client: TestClient) -> str:
    response = client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def audited(engine: Engine) -> list[str]:
    with transaction(engine) as db_session:
        return list(db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_disabling_a_user_ends_its_sessions_and_tokens(engine: Engine) -> None:
    client = TestClient(create_app(engine, letter_secret=b"test"))
    bearer = {"Authorization": f"Bearer {api_token(client)}"}
    browser = TestClient(client.app)
    assert post_login(browser, "alice", PASSWORD).status_code == 303
    assert browser.get("/api/v1/me").status_code == 200

    disabled = runner.invoke(app, ["users", "disable", "alice"])
    assert disabled.exit_code == 0 and "ended 2" in disabled.stdout
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    assert browser.get("/api/v1/me").status_code == 401
    assert (
        client.post(
            "/api/v1/auth/token", json={"username": "alice", "password": PASSWORD}
        ).status_code
        == 401
    )
    again = runner.invoke(app, ["users", "disable", "alice"])
    assert again.exit_code == 2 and "disabled already" in again.stderr
    listed = json.loads(runner.invoke(app, ["users", "list", "--json"]).stdout)
    assert [(u["username"], u["role"], u["active"]) for u in listed] == [
        ("alice", "registrar", False)
    ]

    assert runner.invoke(app, ["users", "enable", "alice"]).exit_code == 0
    api_token(client)
    assert audited(engine)[-4:-1] == ["auth.sign_in_failed", "user.enable", "auth.sign_in"]
    assert "user.disable" in audited(engine)
    unknown = runner.invoke(app, ["users", "disable", "bob"])
    assert unknown.exit_code == 2 and "no user 'bob'" in unknown.stderr


def test_revoking_a_users_tokens(engine: Engine) -> None:
    client = TestClient(create_app(engine, letter_secret=b"test"))
    tokens = [api_token(client) for _ in range(2)]
    listed = runner.invoke(app, ["tokens", "list"])
    assert listed.exit_code == 0 and "alice" in listed.stdout and "api" in listed.stdout
    assert not any(token in listed.stdout for token in tokens)

    revoked = runner.invoke(app, ["tokens", "revoke", "--user", "alice"])
    assert revoked.exit_code == 0 and "ended 2" in revoked.stdout
    for token in tokens:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert audited(engine)[-1] == "token.revoke"
    # the user itself may sign in again
    api_token(client)
    unknown = runner.invoke(app, ["tokens", "revoke", "--user", "bob"])
    assert unknown.exit_code == 2 and "no user 'bob'" in unknown.stderr


@pytest.mark.parametrize(("setting", "days"), [(None, 7), ("2", 2)])
def test_api_tokens_live_the_configured_days(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, setting: str | None, days: int
) -> None:
    if setting is not None:
        monkeypatch.setenv("QONAQ_API_TOKEN_DAYS", setting)
        get_settings.cache_clear()
    api_token(TestClient(create_app(engine, letter_secret=b"test")))
    with transaction(engine) as db_session:
        expires = db_session.scalars(select(AuthToken.expires_at)).one()
    assert abs(expires - (utc_now() + timedelta(days=days))) < timedelta(minutes=1)
