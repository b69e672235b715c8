"""The re-plan page watches its job in the browser: queued, then running with its progress,
then the plan, without the coordinator reloading the page (strict CSP, reader's language)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from qonaq.auth.actor import Actor
from qonaq.auth.service import create_user
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.jobs.models import Job, JobKind
from qonaq.jobs.runs import RUNS
from qonaq.jobs.service import claim, report_progress
from qonaq.web.app import create_app
from tests.e2e.conftest import PASSWORD, LiveSite, serve_in_thread
from tests.e2e.test_desk import sign_in, wait_for_path
from tests.registry.factories import seed_tiny_country
from tests.registry.test_replan import _register


@pytest.fixture
def site_without_worker(tmp_path: Path) -> Iterator[LiveSite]:
    """A served Qonaq whose jobs stay queued until the test runs them."""
    url = f"sqlite:///{tmp_path / 'qonaq.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    seed_tiny_country(engine)
    with transaction(engine) as db_session:
        create_user(
            db_session=db_session, username="coordinator", password=PASSWORD,
            role="coordinator", actor=Actor("test"), language="ru",
        )  # fmt: skip
    _register(engine, 9)
    server, served_at = serve_in_thread(create_app(engine, letter_secret=b"e2e"))
    yield LiveSite(served_at, engine)
    server.should_exit = True
    engine.dispose()


def _the_job(engine: Engine) -> Job:
    with transaction(engine, writes=False) as db_session:
        return db_session.scalars(select(Job)).one()


def test_the_page_shows_the_jobs_progress_and_then_its_plan(
    page: Any, site_without_worker: LiveSite
) -> None:
    site = site_without_worker
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, site, "coordinator")
    wait_for_path(page, "/coordinator/replan")
    page.click("button[value=preview]")
    page.wait_for_selector("#job")
    assert page.inner_text("#job-status") == "В очереди: ждёт обработчика"
    job = _the_job(site.engine)
    assert job.kind == JobKind.PREVIEW and job.requested_label == "coordinator"
    # a worker takes it: the open page follows without being reloaded
    assert claim(engine=site.engine, job_id=job.id)
    report_progress(engine=site.engine, job_id=job.id, progress=40)
    page.wait_for_function("() => document.getElementById('job-percent').textContent === '40'")
    assert page.inner_text("#job-status") == "Выполняется"
    assert page.eval_on_selector("#job-progress", "p => p.value") == 40
    RUNS[JobKind.PREVIEW](site.engine, job.id, "default", Actor("coordinator"))
    page.wait_for_selector("#load-changes")
    assert page.inner_text("#job-status") == "Готово"
    assert "(Западно-Казахстанская)" in page.inner_text("#load-changes")
    page.click("#apply-plan")
    page.wait_for_selector(".notice")
    assert errors == []  # no script refused by the CSP, no failed request
