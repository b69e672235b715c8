"""`qonaq plan`: the day's rhythm of batch plans and prices, run by cron or a systemd timer."""

import json

import typer

from qonaq.auth.actor import Actor
from qonaq.cli.common import user_errors
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.jobs.models import JobKind, JobStatus
from qonaq.jobs.queue import hand_over
from qonaq.jobs.runs import reprice_is_due, run_job
from qonaq.jobs.service import enqueue, get_job

app = typer.Typer(
    help="Batch plans and desk prices of the day's rhythm (each run is a job, shown to "
    "coordinators on /coordinator/plans).",
    no_args_is_help=True,
)
ACTORS = {
    JobKind.NIGHTLY: Actor(label="nightly plan", role="admin"),
    JobKind.MORNING: Actor(label="morning re-pricing", role="admin"),
    JobKind.REPRICE: Actor(label="intra-day re-pricing", role="admin"),
}
POLICY = typer.Option("default", "--policy", help="A shipped policy, by name.")
QUEUE = typer.Option(
    False, "--queue", help="Hand the job to `qonaq worker` instead of running it here."
)


@app.command()
def nightly(policy: str = POLICY, queue: bool = QUEUE) -> None:
    """Re-plan every pending household under POLICY and apply the plan exactly; the desks
    then rank their options with its prices (stored with the plan, read by every server)."""
    result = _run(JobKind.NIGHTLY, policy, queue)
    if result is not None:
        typer.echo(
            f"plan {result['plan_id']} ({policy}): {result['placed']:,} households placed, "
            f"{result['unplaced']:,} left pending, gap {result['gap']:.2%}; "
            f"skipped {result['skipped']:,} placed or filled meanwhile"
        )


@app.command()
def morning(policy: str = POLICY, queue: bool = QUEUE) -> None:
    """Re-price the desks for today: yesterday's arrivals as the expected wave, against
    today's capacities, loads and vacancies. Run it once early in the morning."""
    _echo_prices(_run(JobKind.MORNING, policy, queue), policy)


@app.command()
def reprice(
    policy: str = POLICY,
    queue: bool = QUEUE,
    if_due: bool = typer.Option(
        False, "--if-due",
        help="Re-price only when a quarter of the arrivals the last prices expected have "
        "registered since, or none were made today; run it every few minutes.",
    ),
) -> None:  # fmt: skip
    """Re-price the desks now: the arrivals still expected today (yesterday's count, scaled
    up when today is ahead of it, less today's so far), drawn from the last 24 hours'
    arrivals, against the loads of now."""
    if if_due:
        migrate.upgrade()
        if not reprice_is_due(engine=make_engine(), policy_name=policy):
            typer.echo(f"no re-pricing due ({policy}): the desks keep their prices")
            return
    _echo_prices(_run(JobKind.REPRICE, policy, queue), policy)


def _echo_prices(result: dict[str, object] | None, policy: str) -> None:
    if result is None:
        return
    if result["plan_id"] is None:
        typer.echo(f"no arrivals still expected today: the desks keep their prices ({policy})")
        return
    typer.echo(
        f"prices {result['plan_id']} ({policy}) from {result['expected']:,} expected "
        f"households, gap {result['gap']:.2%}: every desk process uses them from now"
    )


def _run(kind: JobKind, policy: str, queue: bool) -> dict[str, object] | None:
    """Record the job, then run it here (or queue it); its result with its plan id."""
    migrate.upgrade()
    engine = make_engine()
    with user_errors(), transaction(engine) as db_session:
        job_id = enqueue(db_session=db_session, kind=kind, policy=policy, actor=ACTORS[kind]).id
    if queue:
        hand_over(engine, job_id)
        typer.echo(f"job {job_id} queued for `qonaq worker`")
        return None
    run_job(engine=engine, job_id=job_id)
    with transaction(engine, writes=False) as db_session:
        job = get_job(db_session=db_session, job_id=job_id)
        if job.status != JobStatus.DONE:
            # exit 1, not 2: the command was right, the run failed (cron mails the line)
            typer.echo(f"error: job {job_id} failed: {job.error}", err=True)
            raise typer.Exit(1)
        return {**json.loads(job.result or "{}"), "plan_id": job.plan_id}
