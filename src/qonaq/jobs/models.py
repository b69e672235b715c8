"""The job table: one row per re-plan or re-pricing, from queued to done or failed."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qonaq.db.base import Base, UtcDateTime, utc_now


class JobKind(StrEnum):
    """What a job does."""

    # a coordinator's batch re-plan, stored as previewed (nothing is placed)
    PREVIEW = "preview"
    # the night's batch plan of every pending household, applied exactly
    NIGHTLY = "nightly"
    # prices for today's desks from yesterday's arrivals against today's capacities
    MORNING = "morning"
    # the same during the day, against the loads of now
    REPRICE = "reprice"


class JobStatus(StrEnum):
    """Where a job is: queued → running → done or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({','.join(repr(v.value) for v in values)})"


class Job(Base):
    """A re-plan or re-pricing: who asked, when, how far it is, and what came of it."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_one_of("kind", JobKind), name="kind"),
        CheckConstraint(_one_of("status", JobStatus), name="status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        Index("ix_jobs_kind_created_at", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(8), default=JobStatus.QUEUED, index=True)
    policy: Mapped[str] = mapped_column(String(64))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    # who asked: a signed-in user, or a named system process ("cron", "nightly plan")
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    requested_label: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # a running job's worker writes this every HEARTBEAT_SECONDS: a silent one has died
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # why it failed: the error's class and a message without input values (no personal data)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # the same as a catalog msgid and its parameters (JSON), for the reader's language
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    # what the job found, as JSON (a preview's load changes, a run's counts)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
