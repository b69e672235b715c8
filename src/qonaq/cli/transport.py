"""`qonaq transport plan`: departures for the confirmed placements, and their manifests."""

from datetime import date
from pathlib import Path

import typer

from qonaq.auth.actor import Actor
from qonaq.cli.common import fail, user_errors
from qonaq.csvoutput import write_csv
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.placement.policy import load_policy
from qonaq.transport import service
from qonaq.transport.manifests import (
    DEPARTURE_COLUMNS,
    MANIFEST_COLUMNS,
    departure_rows,
    manifest_rows,
)

app = typer.Typer(help="Departures that carry placed households.", no_args_is_help=True)
CLI_ACTOR = Actor(label="cli transport plan", role="coordinator")


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} {text!r} is not a date like 2022-09-28") from None


@app.command()
def plan(
    first: str = typer.Option(..., "--from", help="First day of departures (YYYY-MM-DD)."),
    last: str = typer.Option(..., "--to", help="Last day of departures (YYYY-MM-DD)."),
    out: Path | None = typer.Option(
        None, "--out", help="Write departures.csv and manifest.csv here."
    ),
    policy: Path | None = typer.Option(
        None, "--policy", help="A policy TOML file (its transport section: fleet, detour)."
    ),
) -> None:
    """Plan departures from FROM to TO for every confirmed placement not yet on an approved
    departure (planned ones are re-planned), and print the cost and seat use."""
    first_day, last_day = _day(first, "--from"), _day(last, "--to")
    with user_errors():
        service.check_range(first_day, last_day)
        rules = load_policy(policy)
        if out is not None and out.exists() and not out.is_dir():
            raise ValueError(f"--out {out} is a file, not a directory")
        migrate.upgrade()
        with transaction(make_engine()) as db_session:
            result = service.plan_transport(
                db_session=db_session, first_day=first_day, last_day=last_day,
                policy=rules.transport, circuity=rules.circuity, actor=CLI_ACTOR,
            )  # fmt: skip
            departures = service.departures_between(db_session, first_day, last_day)
            rows = departure_rows(db_session, departures), manifest_rows(db_session, departures)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        with (out / "departures.csv").open("w", encoding="utf-8", newline="") as handle:
            write_csv(handle, DEPARTURE_COLUMNS, rows[0])
        with (out / "manifest.csv").open("w", encoding="utf-8", newline="") as handle:
            write_csv(handle, MANIFEST_COLUMNS, rows[1])
    typer.echo(
        f"{len(result.departures):,} departures planned, {len(result.waiting):,} households "
        f"waiting; cost {result.cost:,} tenge (lower bound {result.lower_bound:,}), "
        f"seats used {result.utilisation:.1%}; {len(departures):,} departures in the range"
    )
