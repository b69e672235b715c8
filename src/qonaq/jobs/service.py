"""The job rows: queued by whoever asks, claimed once by one worker, finished or failed."""

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from qonaq.auth.actor import Actor
from qonaq.config import get_settings
from qonaq.db.base import utc_now
from qonaq.db.session import transaction
from qonaq.errors import Conflict, DomainError, NotFound
from qonaq.i18n import N_
from qonaq.jobs.models import Job, JobKind, JobStatus
from qonaq.registry import placing

# what each kind of job and each status is called on the pages
KIND_WORDS = {
    JobKind.PREVIEW: N_("Re-plan preview"),
    JobKind.NIGHTLY: N_("Nightly plan"),
    JobKind.MORNING: N_("Morning re-pricing"),
    JobKind.REPRICE: N_("Intra-day re-pricing"),
}
STATUS_WORDS = {
    JobStatus.QUEUED: N_("Queued: waiting for a worker"),
    JobStatus.RUNNING: N_("Running"),
    JobStatus.DONE: N_("Done"),
    JobStatus.FAILED: N_("Failed"),
}
logger = logging.getLogger(__name__)
# an error's words are cut here: a reason, never a dump of the input
ERROR_CHARS = 500
# a running job's worker says it is alive this often (the stall limit is minutes)
HEARTBEAT_SECONDS = 30.0


class JobRead(BaseModel):
    """A job as the API and the page show it."""

    id: int
    kind: str
    status: str
    policy: str
    progress: int
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    plan_id: int | None
    url: str
    # what a finished job found: a preview's plan and load changes, a run's counts
    result: dict[str, Any] | None = None


def enqueue(*, db_session: Session, kind: JobKind, policy: str, actor: Actor) -> Job:
    """A new queued job; a worker runs it once this transaction commits. An unknown or
    broken policy is refused now, not found by the worker."""
    placing.policy_named(policy)
    job = Job(
        kind=kind, status=JobStatus.QUEUED, policy=policy, progress=0,
        requested_by=actor.user_id, requested_label=actor.label[:64],
    )  # fmt: skip
    db_session.add(job)
    db_session.flush()
    return job


def claim(*, engine: Engine, job_id: int) -> bool:
    """queued → running in one conditional write: of two workers handed one job, one runs it."""
    with transaction(engine) as db_session:
        claimed = db_session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
            .values(
                status=JobStatus.RUNNING, started_at=utc_now(), heartbeat_at=utc_now(), progress=5
            )
        )
        return claimed.rowcount == 1  # type: ignore[attr-defined]


@contextmanager
def heartbeat(*, engine: Engine, job_id: int, every: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """While the block runs, a thread writes the job's heartbeat every `every` seconds, so
    that a job whose worker died is told apart from a long solve."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(every):
            try:
                with transaction(engine) as db_session:
                    db_session.execute(
                        update(Job)
                        .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
                        .values(heartbeat_at=utc_now())
                    )
            except Exception as exc:  # a database away for a moment: beat again next time
                logger.warning("job %s heartbeat not written: %s", job_id, type(exc).__name__)

    thread = threading.Thread(target=beat, name=f"qonaq-job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def report_progress(*, engine: Engine, job_id: int, progress: int) -> None:
    """How far a running job is, in percent, for the page that watches it."""
    with transaction(engine) as db_session:
        db_session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
            .values(progress=progress)
        )


def finish(
    *, db_session: Session, job_id: int, plan_id: int | None, result: dict[str, object]
) -> None:
    """running → done, in the transaction that wrote the job's plan; Conflict (and so no plan)
    when the job is no longer running: marked failed as stalled while its worker went on."""
    done = db_session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
        .values(
            status=JobStatus.DONE,
            progress=100,
            finished_at=utc_now(),
            plan_id=plan_id,
            result=json.dumps(result),
        )
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(N_("job %(id)s was marked failed before it finished"), id=job_id)


def fail(*, engine: Engine, job_id: int, reason: DomainError) -> None:
    """running → failed with its reason: a failing job is reported, not lost."""
    with transaction(engine) as db_session:
        db_session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
            .values(status=JobStatus.FAILED, finished_at=utc_now(), **_failure(reason))
        )


def fail_stalled(*, engine: Engine) -> int:
    """Running jobs whose worker has been silent for `job_stalled_minutes` (killed, its
    machine gone) → failed, saying so; how many there were."""
    minutes = get_settings().job_stalled_minutes
    silent_since = utc_now() - timedelta(minutes=minutes)
    reason = DomainError(
        N_("its worker stopped without finishing: no sign of it for %(minutes)s minutes"),
        minutes=minutes,
    )
    with transaction(engine) as db_session:
        stalled = db_session.execute(
            update(Job)
            .where(
                Job.status == JobStatus.RUNNING,
                func.coalesce(Job.heartbeat_at, Job.started_at) < silent_since,
            )
            .values(status=JobStatus.FAILED, finished_at=utc_now(), **_failure(reason))
        )
        return int(stalled.rowcount)  # type: ignore[attr-defined]


def _failure(reason: DomainError) -> dict[str, str]:
    # the English words for the API and the log-free row, the msgid for the reader's language
    message = json.dumps({"template": reason.template, "params": reason.params})
    return {"error": str(reason)[:ERROR_CHARS], "error_message": message}


def error_words(job: Job, language: str) -> str | None:
    """Why a job failed, in `language` (rows failed before words were kept: as stored)."""
    if job.error_message is None:
        return job.error
    message = json.loads(job.error_message)
    return DomainError(message["template"], **message["params"]).words(language)[:ERROR_CHARS]


def next_queued(*, engine: Engine) -> int | None:
    """The oldest queued job, for a worker without a queue server (SQLite)."""
    with transaction(engine, writes=False) as db_session:
        return db_session.scalars(
            select(Job.id).where(Job.status == JobStatus.QUEUED).order_by(Job.id).limit(1)
        ).first()


def get_job(*, db_session: Session, job_id: int) -> Job:
    """One job; NotFound when there is none."""
    job = db_session.get(Job, job_id)
    if job is None:
        raise NotFound(N_("no job %(id)s"), id=job_id)
    return job


def job_read(job: Job, language: str = "en") -> JobRead:
    """A job row as the API shows it, with its own address; a failure in `language`."""
    return JobRead(
        id=job.id, kind=job.kind, status=job.status, policy=job.policy, progress=job.progress,
        requested_by=job.requested_label, created_at=job.created_at, started_at=job.started_at,
        finished_at=job.finished_at, error=error_words(job, language), plan_id=job.plan_id,
        url=f"/api/v1/jobs/{job.id}", result=json.loads(job.result) if job.result else None,
    )  # fmt: skip


def last_runs(*, db_session: Session, language: str = "en") -> dict[str, JobRead]:
    """The latest job of each kind, by kind, failures in `language`."""
    runs: dict[str, JobRead] = {}
    for kind in JobKind:
        job = db_session.scalars(
            select(Job).where(Job.kind == kind).order_by(Job.id.desc()).limit(1)
        ).first()
        if job is not None:
            runs[kind] = job_read(job, language)
    return runs
