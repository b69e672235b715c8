"""A coordinator's re-plan is a job: queued (202 and its address), run once by one worker
even when several take jobs from the queue, and reported failed with its reason, not lost."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text, update

from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.db import migrate
from qonaq.db.base import utc_now
from qonaq.db.session import make_engine, transaction
from qonaq.errors import Conflict
from qonaq.jobs.models import Job, JobKind, JobStatus
from qonaq.jobs.queue import InProcessWorker, hand_over
from qonaq.jobs.runs import RUNS, run_job
from qonaq.jobs.service import claim, enqueue, error_words, fail_stalled, heartbeat
from qonaq.registry.models import Plan
from qonaq.web.app import create_app
from tests.registry.factories import seed_tiny_country
from tests.registry.test_replan import _register
from tests.web.conftest import make_site

COORDINATOR = Actor("coordinator", role="coordinator")


def _queue(engine: Engine, policy: str = "default") -> int:
    with transaction(engine) as db_session:
        if policy == "default":
            return enqueue(
                db_session=db_session, kind=JobKind.PREVIEW, policy=policy, actor=COORDINATOR
            ).id
        # a policy removed after the job was queued: only the worker can find out
        job = Job(
            kind=JobKind.PREVIEW, status=JobStatus.QUEUED, policy=policy, progress=0,
            requested_label="coordinator",
        )  # fmt: skip
        db_session.add(job)
        db_session.flush()
        return job.id


def _jobs(engine: Engine) -> dict[int, Job]:
    with transaction(engine, writes=False) as db_session:
        return {job.id: job for job in db_session.scalars(select(Job))}


def _previews(engine: Engine) -> int:
    with transaction(engine, writes=False) as db_session:
        return (
            db_session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "replan.preview")
            )
            or 0
        )


def test_workers_handed_one_job_at_once_run_it_once(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    _register(migrated_engine, 12)
    job_id = _queue(migrated_engine)
    barrier = threading.Barrier(4)
    ran: list[bool] = []

    def work() -> None:
        barrier.wait()
        ran.append(run_job(engine=migrated_engine, job_id=job_id))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(ran) == [False, False, False, True]
    job = _jobs(migrated_engine)[job_id]
    assert job.status == JobStatus.DONE and job.progress == 100 and job.plan_id is not None
    assert _previews(migrated_engine) == 1


def test_a_failing_job_is_reported_with_its_reason(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    job_id = _queue(migrated_engine, policy="gone")
    assert run_job(engine=migrated_engine, job_id=job_id) is True
    job = _jobs(migrated_engine)[job_id]
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert job.error is not None and job.error.startswith("unknown policy gone; known: default")
    assert run_job(engine=migrated_engine, job_id=job_id) is False  # failed stays failed


def test_a_job_the_database_fails_is_reported_and_logged_without_its_words(
    migrated_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    seed_tiny_country(migrated_engine)
    _register(migrated_engine, 3)
    job_id = _queue(migrated_engine)
    with migrated_engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE plan_assignments RENAME TO elsewhere")
    assert run_job(engine=migrated_engine, job_id=job_id) is True
    job = _jobs(migrated_engine)[job_id]
    assert job.status == JobStatus.FAILED
    assert job.error in (
        f"an internal error stopped it ({reason}); the server's log says where"
        for reason in ("OperationalError", "ProgrammingError SQLSTATE 42P01")
    )
    assert f"job {job_id} (preview) failed" in caplog.text and "store_plan" in caplog.text
    assert "no such table" not in caplog.text and "does not exist" not in caplog.text
    with transaction(migrated_engine, writes=False) as db_session:
        assert db_session.scalars(select(Plan)).all() == []  # nothing half-written


@pytest.mark.postgres
def test_each_job_runs_once_with_two_worker_processes(postgres_url: str, tmp_path: Path) -> None:
    migrate.upgrade(postgres_url)
    engine = make_engine(postgres_url)
    seed_tiny_country(engine)
    _register(engine, 30)
    good = [_queue(engine) for _ in range(4)]
    broken = _queue(engine, policy="gone")
    for job_id in [*good, broken]:
        hand_over(engine, job_id)
        hand_over(engine, job_id)  # delivered twice, as after a client's retry
    environment = {**os.environ, "QONAQ_DATABASE_URL": postgres_url, "QONAQ_VAR_DIR": str(tmp_path)}
    log = (tmp_path / "workers.log").open("wb")
    command = [sys.executable, "-m", "qonaq.cli", "worker"]
    workers = [subprocess.Popen(command, env=environment, stdout=log, stderr=log) for _ in "ab"]
    try:
        deadline = time.monotonic() + 180
        while any(j.status in ("queued", "running") for j in _jobs(engine).values()):
            assert time.monotonic() < deadline, "the workers did not finish the jobs"
            time.sleep(0.5)
        # both deliveries of every job were taken by a worker, each run to its end
        with engine.connect() as connection:
            delivered = connection.execute(
                text(
                    "SELECT status, count(*) FROM procrastinate.procrastinate_jobs"
                    " WHERE task_name = 'qonaq.run_job' GROUP BY 1"
                )
            ).all()
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
        log.close()
    jobs = _jobs(engine)
    assert [jobs[j].status for j in good] == ["done"] * 4
    assert jobs[broken].status == "failed" and "unknown policy gone" in (jobs[broken].error or "")
    assert _previews(engine) == 4
    with transaction(engine, writes=False) as db_session:
        plans = set(db_session.scalars(select(Plan.id)))
    assert plans == {jobs[j].plan_id for j in good}
    assert dict(delivered) == {"succeeded": 10}
    engine.dispose()


def _running_since(engine: Engine, minutes: float) -> int:
    """A job a worker claimed, whose last heartbeat was `minutes` ago."""
    job_id = _queue(engine)
    assert claim(engine=engine, job_id=job_id)
    with transaction(engine) as db_session:
        db_session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(heartbeat_at=utc_now() - timedelta(minutes=minutes))
        )
    return job_id


def test_a_job_whose_worker_died_is_failed_by_a_worker_and_said_in_the_readers_language(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    dead = _running_since(migrated_engine, minutes=11)
    alive = _running_since(migrated_engine, minutes=2)  # a long solve, still beating
    worker = InProcessWorker(migrated_engine)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while _jobs(migrated_engine)[dead].status == JobStatus.RUNNING:
            assert time.monotonic() < deadline, "the worker did not sweep the dead job"
            time.sleep(0.1)
    finally:
        worker.stop()
    jobs = _jobs(migrated_engine)
    assert jobs[alive].status == JobStatus.RUNNING
    assert jobs[dead].status == JobStatus.FAILED and jobs[dead].finished_at is not None
    assert jobs[dead].error == (
        "its worker stopped without finishing: no sign of it for 10 minutes"
    )
    assert "10 минут бойы" in (error_words(jobs[dead], "kk") or "")
    assert "10 мин." in (error_words(jobs[dead], "ru") or "")
    assert run_job(engine=migrated_engine, job_id=dead) is False  # failed stays failed


def test_a_job_failed_as_stalled_keeps_no_plan_when_its_worker_ends_after_all(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    _register(migrated_engine, 5)
    job_id = _running_since(migrated_engine, minutes=11)  # its worker only seemed dead
    assert fail_stalled(engine=migrated_engine) == 1
    with pytest.raises(Conflict):
        RUNS[JobKind.PREVIEW](migrated_engine, job_id, "default", COORDINATOR)
    job = _jobs(migrated_engine)[job_id]
    assert job.status == JobStatus.FAILED and job.plan_id is None
    assert (job.error or "").startswith("its worker stopped without finishing")
    with transaction(migrated_engine, writes=False) as db_session:
        assert db_session.scalars(select(Plan)).all() == []  # the late result rolled back


def test_a_running_job_beats_and_stops_beating_when_it_ends(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    job_id = _running_since(migrated_engine, minutes=11)
    with heartbeat(engine=migrated_engine, job_id=job_id, every=0.05):
        time.sleep(0.5)
    beat_at = _jobs(migrated_engine)[job_id].heartbeat_at
    assert beat_at is not None and utc_now() - beat_at < timedelta(seconds=5)
    assert fail_stalled(engine=migrated_engine) == 0
    time.sleep(0.2)
    assert _jobs(migrated_engine)[job_id].heartbeat_at == beat_at  # the thread has stopped


def test_the_api_answers_202_with_the_jobs_address_then_the_plan(sqlite_engine: Engine) -> None:
    site = make_site(sqlite_engine)
    _register(sqlite_engine, 12)
    app = create_app(sqlite_engine, letter_secret=b"test-secret", run_jobs=True)
    coordinator = site.auth("coordinator")
    with TestClient(app) as client:
        queued = client.post(
            "/api/v1/replan/preview", json={"policy": "default"}, headers=coordinator
        )
        assert queued.status_code == 202, queued.text
        assert (
            queued.headers["location"]
            == queued.json()["url"]
            == f"/api/v1/jobs/{queued.json()['id']}"
        )
        assert (
            queued.json()["status"] == "queued" and queued.json()["requested_by"] == "coordinator"
        )
        deadline = time.monotonic() + 60
        job = queued.json()
        while job["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
            job = client.get(queued.headers["location"], headers=coordinator).json()
        assert job["status"] == "done" and job["progress"] == 100 and job["error"] is None
        assert job["result"]["plan_id"] == job["plan_id"]
        assert job["result"]["placed_households"] == 12 and job["result"]["changes"]
        applied = client.post(f"/api/v1/replan/{job['plan_id']}/apply", headers=coordinator)
        assert applied.status_code == 200 and applied.json()["placed"] == 12
        assert client.get(job["url"], headers=site.auth("registrar")).status_code == 403
        assert client.get("/api/v1/jobs/999", headers=coordinator).status_code == 404
        unknown = client.post("/api/v1/replan/preview", json={"policy": "x"}, headers=coordinator)
        assert unknown.status_code == 404 and "unknown policy x" in unknown.json()["detail"]
