"""The job rows: queued by whoever asks, claimed once by one worker, finished or failed."""

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from qonaq.auth.actor import Actor
from qonaq.db.base import utc_now
from qonaq.db.session import transaction
from qonaq.errors import NotFound
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
# an error's words are cut here: a reason, never a dump of the input
ERROR_CHARS = 500


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
            .values(status=JobStatus.RUNNING, started_at=utc_now(), progress=5)
        )
        return claimed.rowcount == 1  # type: ignore[attr-defined]


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
    """running → done, in the transaction that wrote the job's plan."""
    db_session.execute(
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


def fail(*, engine: Engine, job_id: int, reason: str) -> None:
    """running → failed with its reason: a failing job is reported, not lost."""
    with transaction(engine) as db_session:
        db_session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
            .values(status=JobStatus.FAILED, finished_at=utc_now(), error=reason[:ERROR_CHARS])
        )


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


def job_read(job: Job) -> JobRead:
    """A job row as the API shows it, with its own address."""
    return JobRead(
        id=job.id, kind=job.kind, status=job.status, policy=job.policy, progress=job.progress,
        requested_by=job.requested_label, created_at=job.created_at, started_at=job.started_at,
        finished_at=job.finished_at, error=job.error, plan_id=job.plan_id,
        url=f"/api/v1/jobs/{job.id}", result=json.loads(job.result) if job.result else None,
    )  # fmt: skip


def last_runs(*, db_session: Session) -> dict[str, JobRead]:
    """The latest job of each kind, by kind."""
    runs: dict[str, JobRead] = {}
    for kind in JobKind:
        job = db_session.scalars(
            select(Job).where(Job.kind == kind).order_by(Job.id.desc()).limit(1)
        ).first()
        if job is not None:
            runs[kind] = job_read(job)
    return runs
