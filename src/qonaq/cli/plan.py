"""`qonaq plan`: the batch plans of the day's rhythm, run by cron or a systemd timer."""

import typer

from qonaq.auth.actor import Actor
from qonaq.cli.common import user_errors
from qonaq.db import migrate
from qonaq.db.session import make_engine
from qonaq.registry import placing

app = typer.Typer(
    help="Batch plans of the pending households in the database.", no_args_is_help=True
)
NIGHT_ACTOR = Actor(label="nightly plan", role="admin")


@app.command()
def nightly(
    policy: str = typer.Option("default", "--policy", help="A shipped policy, by name."),
) -> None:
    """Re-plan every pending household under POLICY and apply the plan exactly; the desks
    then rank their options with its prices (stored with the plan, read by every server)."""
    migrate.upgrade()
    with user_errors():
        summary, applied = placing.plan_and_apply(
            engine=make_engine(), policy_name=policy, actor=NIGHT_ACTOR
        )
    typer.echo(
        f"plan {summary.plan_id} ({policy}): {applied.placed:,} households placed, "
        f"{summary.unplaced_households:,} left pending, gap {summary.gap:.2%}; "
        f"skipped {applied.not_pending + applied.no_room:,} placed or filled meanwhile"
    )
