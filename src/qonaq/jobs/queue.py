"""Handing jobs to workers: procrastinate's PostgreSQL queue (several workers, each job
fetched by one), or, on SQLite, a thread that runs the queued rows in the server itself."""

import logging
import threading
import time
from functools import lru_cache
from importlib import resources
from typing import Any

import procrastinate
from sqlalchemy import Engine, make_url

from qonaq.errors import DomainError
from qonaq.i18n import N_
from qonaq.jobs import service
from qonaq.jobs.runs import run_job

logger = logging.getLogger(__name__)
# procrastinate's tables live in a schema of their own, apart from Qonaq's migrations
QUEUE_SCHEMA = "procrastinate"
QUEUE = "qonaq"
TASK = "qonaq.run_job"
# any fixed number: the advisory lock held while the queue's schema is created
SCHEMA_LOCK = 7_106_223
# how often an idle in-process worker looks for queued rows (a new job wakes it at once)
POLL_SECONDS = 2.0
# how often a queue worker looks for jobs whose worker died (procrastinate's cron syntax)
STALL_SWEEP_CRON = "* * * * *"
# and an in-process worker, in seconds (each look is a write: on SQLite, the write lock)
STALL_SWEEP_SECONDS = 60.0


def has_queue_server(engine: Engine) -> bool:
    """Whether jobs go through procrastinate (PostgreSQL) rather than a server thread."""
    return engine.dialect.name == "postgresql"


def _connection_options(url: str) -> dict[str, Any]:
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return {"conninfo": conninfo, "kwargs": {"options": f"-c search_path={QUEUE_SCHEMA}"}}


def create_queue_schema(engine: Engine) -> None:
    """Create procrastinate's tables in their schema once; several processes may race here."""
    schema_sql = (resources.files("procrastinate.sql") / "schema.sql").read_text("utf-8")
    with engine.begin() as connection:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK})")
        exists = connection.exec_driver_sql(
            "SELECT to_regclass('procrastinate.procrastinate_jobs') IS NOT NULL"
        ).scalar()
        if exists:
            return
        connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {QUEUE_SCHEMA}")
        connection.exec_driver_sql(f"SET LOCAL search_path = {QUEUE_SCHEMA}")
        cursor = connection.connection.cursor()
        cursor.execute(schema_sql)
        cursor.close()


def worker_app(engine: Engine) -> procrastinate.App:
    """The procrastinate app of `qonaq worker`: one task, which runs a job row once."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(**_connection_options(str(engine.url)))
    )

    @app.task(name=TASK, queue=QUEUE)
    def run(job_id: int) -> None:
        run_job(engine=engine, job_id=job_id)

    @app.periodic(cron=STALL_SWEEP_CRON, periodic_id="stalled")
    @app.task(name=f"{TASK}.sweep", queue=QUEUE)
    def sweep(timestamp: int) -> None:
        service.fail_stalled(engine=engine)

    return app


@lru_cache(maxsize=4)
def _deferring_app(url: str) -> procrastinate.App:
    # a small pool of its own per server process, opened on the first job handed over
    connector = procrastinate.SyncPsycopgConnector(
        **_connection_options(url), min_size=0, max_size=2
    )
    return procrastinate.App(connector=connector).open()


def hand_over(engine: Engine, job_id: int) -> None:
    """Give a committed job row to the workers; if the queue cannot take it, the job is
    marked failed with that reason rather than left queued for ever."""
    if not has_queue_server(engine):
        InProcessWorker.wake_all()
        return
    url = engine.url.render_as_string(hide_password=False)
    try:
        _deferring_app(url).configure_task(TASK, queue=QUEUE).defer(job_id=job_id)
    except Exception as exc:  # the queue's own failure: the row says so, the request goes on
        logger.warning("job %s not queued: %s", job_id, type(exc).__name__)
        unreachable = DomainError(N_("the job queue could not be reached"))
        service.fail(engine=engine, job_id=job_id, reason=unreachable)


class InProcessWorker:
    """A server thread running queued job rows one at a time (SQLite: no second process)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="qonaq-jobs", daemon=True)

    @classmethod
    def wake_all(cls) -> None:
        """A new job is queued: every worker of this process looks now."""
        for worker in list(_RUNNING):
            worker._wake.set()

    def start(self) -> None:
        """Start looking for queued jobs."""
        _RUNNING.add(self)
        self._thread.start()

    def stop(self) -> None:
        """Finish the job at hand, then stop."""
        self._stop.set()
        self._wake.set()
        _RUNNING.discard(self)
        self._thread.join(timeout=60)

    def run_forever(self) -> None:
        """Run queued jobs in this thread until interrupted (`qonaq worker` on SQLite)."""
        _RUNNING.add(self)
        try:
            self._loop()
        except KeyboardInterrupt:
            return

    def _loop(self) -> None:
        swept = -STALL_SWEEP_SECONDS
        while not self._stop.is_set():
            if time.monotonic() - swept >= STALL_SWEEP_SECONDS:
                service.fail_stalled(engine=self.engine)
                swept = time.monotonic()
            self.run_queued()
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def run_queued(self) -> None:
        """Run every job queued now, oldest first."""
        while not self._stop.is_set():
            job_id = service.next_queued(engine=self.engine)
            if job_id is None:
                return
            run_job(engine=self.engine, job_id=job_id)


# the in-process workers of this process, woken when a request queues a job
_RUNNING: set[InProcessWorker] = set()
