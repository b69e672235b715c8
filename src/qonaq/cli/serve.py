"""`qonaq serve`, `qonaq worker` and `qonaq openapi`: run the web service and the jobs'
worker, describe the API."""

import json
import os

import typer

from qonaq.config import get_settings
from qonaq.db import migrate
from qonaq.db.session import make_engine

# seconds a server process may take to start, and to answer its supervisor's health check
WORKER_STARTUP_SECONDS = 120


def serve(
    host: str = typer.Option(None, "--host", help="Address to listen on [default: 127.0.0.1]."),
    port: int = typer.Option(None, "--port", help="Port to listen on [default: 8000]."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64,
        help="Server processes (uvicorn workers); all share the database, sessions and prices.",
    ),
) -> None:  # fmt: skip
    """Serve the web UI and the JSON API (migrates the database first). On SQLite the server
    also runs the queued jobs; on PostgreSQL run `qonaq worker` beside it."""
    import uvicorn

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    migrate.upgrade()
    _warn_when_connections_fall_short(workers)
    # every process reads the same settings: the public address is fixed here, once
    os.environ["QONAQ_PUBLIC_URL"] = settings.resolved_public_url(host, port)
    settings.resolved_secret_key()  # made once here, not raced for by the workers
    uvicorn.run(
        "qonaq.web.app:app_from_settings", factory=True, host=host, port=port,
        workers=workers, log_level="info", forwarded_allow_ips=settings.trusted_proxies,
        access_log=settings.access_log,
        # a process busy importing the engine on a loaded machine is slow, not hung: uvicorn's
        # 5 s default killed and restarted every worker before it could serve
        timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
    )  # fmt: skip


def connections_needed(workers: int) -> int:
    """PostgreSQL connections `workers` server processes may open at once: each pools two per
    request it serves at once (QONAQ_CONCURRENT_REQUESTS) and two for handing jobs over."""
    return workers * (2 * get_settings().concurrent_requests + 2)


def _warn_when_connections_fall_short(workers: int) -> None:
    engine = make_engine()
    try:
        if engine.dialect.name != "postgresql":
            return
        with engine.connect() as connection:
            allowed = int(connection.exec_driver_sql("SHOW max_connections").scalar_one())
    finally:
        engine.dispose()
    needed = connections_needed(workers)
    if needed > allowed:
        typer.echo(
            f"warning: {workers} server processes may open {needed} database connections, "
            f"PostgreSQL allows {allowed} (max_connections): raise it, or lower "
            "QONAQ_CONCURRENT_REQUESTS or --workers",
            err=True,
        )


def worker(
    concurrency: int = typer.Option(
        1, "--concurrency", min=1, max=16, help="Jobs this worker runs at once."
    ),
) -> None:
    """Run queued jobs (re-plan previews, nightly plans, re-pricing) until stopped. On
    PostgreSQL several workers may run, on one machine or many: each job runs once."""
    from qonaq.jobs.queue import InProcessWorker, has_queue_server, worker_app
    from qonaq.jobs.service import fail_stalled

    migrate.upgrade()
    engine = make_engine()
    # a job left running by a worker that was killed is reported now, not in minutes
    stalled = fail_stalled(engine=engine)
    if stalled:
        typer.echo(f"worker: {stalled} job(s) whose worker stopped marked failed")
    if has_queue_server(engine):
        typer.echo(f"worker: procrastinate queue on {engine.dialect.name}, {concurrency} at once")
        worker_app(engine).run_worker(queues=["qonaq"], concurrency=concurrency)
        return
    typer.echo("worker: SQLite, running queued jobs one at a time")
    InProcessWorker(engine).run_forever()


def openapi() -> None:
    """Print the OpenAPI document of the JSON API (for client generators)."""
    from qonaq.web.app import create_app

    app = create_app(make_engine("sqlite://"), letter_secret=b"openapi")
    typer.echo(json.dumps(app.openapi(), indent=1, ensure_ascii=False))
