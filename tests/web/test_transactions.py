"""A write is committed before its response leaves: a browser that follows the redirect, or
a second desk reading the loads, must see it."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qonaq.web.app import create_app
from tests.web.conftest import PASSWORD, Site


class ResponseClock:
    """Wraps an ASGI app and notes, in one list with the commits, when a response starts."""

    def __init__(self, app: ASGIApp, events: list[str]) -> None:
        self.app = app
        self.events = events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def noting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.events.append("response")
            await send(message)

        await self.app(scope, receive, noting_send)


@pytest.fixture
def events(sqlite_site: Site) -> Iterator[list[str]]:
    """Every commit on the site's database and every response start, in the order they
    happen (another test's live server, still polling its own database for jobs, commits
    too)."""
    seen: list[str] = []

    def note_commit(session: Session) -> None:
        if session.get_bind().url == sqlite_site.engine.url:
            seen.append("commit")

    event.listen(Session, "after_commit", note_commit)
    yield seen
    event.remove(Session, "after_commit", note_commit)


def test_sign_in_commits_its_session_before_the_redirect_is_sent(
    sqlite_site: Site, events: list[str]
) -> None:
    app = create_app(sqlite_site.engine, letter_secret=b"test-secret")
    client = TestClient(ResponseClock(app, events))
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    events.clear()
    response = client.post(
        "/login",
        data={"username": "registrar", "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert events == ["commit", "response"]
