"""A real server on loopback and the system Chromium driven by Playwright."""

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from qonaq.auth.actor import Actor
from qonaq.auth.service import create_user
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.settlements.seed import seed_kz
from qonaq.web.app import create_app
from tests.conftest import unavailable
from tests.support.postgres import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "correct horse battery"


@dataclass
class LiveSite:
    """A served Qonaq on a fresh, seeded SQLite database."""

    url: str
    engine: Engine


def serve_in_thread(app: FastAPI) -> tuple[uvicorn.Server, str]:
    """Serve `app` on a free loopback port in a background thread; returns the server and URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """Kazakhstan seeded, one user per role, served on a free loopback port."""
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'qonaq.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with transaction(engine) as db_session:
        seed_kz(db_session=db_session)
        for role in ("coordinator", "registrar"):
            create_user(
                db_session=db_session, username=role, password=PASSWORD, role=role,
                actor=Actor("test"), language="en",
            )  # fmt: skip
    server, served_at = serve_in_thread(create_app(engine, letter_secret=b"e2e", run_jobs=True))
    yield LiveSite(served_at, engine)
    server.should_exit = True
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """The system Chromium, headless."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        unavailable(f"Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context and page (no cookies shared between tests)."""
    context = browser.new_context(locale="en-US")  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()
