"""`qonaq aid`: close expired offers and stale requests (for a scheduler), verify volunteers."""

import sys
from enum import StrEnum
from pathlib import Path

import typer
from sqlalchemy import select

from qonaq.aid.models import VolunteerStatus
from qonaq.aid.offers_file import read_offers
from qonaq.aid.service import (
    OFFER_EXPORT,
    REQUEST_EXPORT,
    decide_volunteer,
    expire_stale,
    import_offers,
    offer_rows,
    request_rows,
)
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.cli.common import fail, user_errors
from qonaq.csvoutput import write_csv
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction

app = typer.Typer(help="Help: requests, offers and volunteers.", no_args_is_help=True)
CLI_ACTOR = Actor(label="cli", role="admin")


@app.command()
def expire() -> None:
    """Close offers past their end and open requests past their time that nobody took.

    Run it from a scheduler (e.g. every 10 minutes); pages and matching already hide both.
    """
    migrate.upgrade()
    with transaction(make_engine()) as db_session:
        closed = expire_stale(db_session=db_session, actor=CLI_ACTOR)
    typer.echo(f"expired {closed.offers} offer(s) and {closed.requests} request(s)")


@app.command()
def verify(
    username: str = typer.Argument(..., help="The volunteer's sign-in name."),
    suspend: bool = typer.Option(False, "--suspend", help="Suspend instead of verifying."),
) -> None:
    """Verify a volunteer (they then see requests near them), or suspend one."""
    migrate.upgrade()
    status = VolunteerStatus.SUSPENDED if suspend else VolunteerStatus.VERIFIED
    with user_errors(), transaction(make_engine()) as db_session:
        user_id = db_session.scalars(select(User.id).where(User.username == username)).first()
        if user_id is None:
            raise fail(f"no user {username!r}")
        decide_volunteer(db_session=db_session, user_id=user_id, status=status, actor=CLI_ACTOR)
    typer.echo(f"{username} is {status}")


@app.command("import-offers")
def import_offers_command(
    file: Path = typer.Argument(..., help="CSV: username, kind, quantity, settlement_id; "
                                "optional unit, radius_km, available_from, available_until, "
                                "conditions."),
) -> None:  # fmt: skip
    """Create the offers of FILE for their volunteers; a bad row anywhere writes nothing."""
    migrate.upgrade()
    with user_errors():
        records = read_offers(file)
        with transaction(make_engine()) as db_session:
            created = import_offers(
                db_session=db_session, records=records, source=file.name, actor=CLI_ACTOR
            )
    typer.echo(f"imported {file.name}: {created} offers")


class Table(StrEnum):
    """What to export."""

    REQUESTS = "requests"
    OFFERS = "offers"


@app.command()
def export(
    table: Table = typer.Argument(..., help="requests or offers"),
    out: Path | None = typer.Option(None, "--out", help="File to write (default: stdout)."),
) -> None:
    """Export requests (no names or contacts) or offers as CSV, formula cells escaped."""
    migrate.upgrade()
    with transaction(make_engine(), writes=False) as db_session:
        header: tuple[str, ...] = REQUEST_EXPORT if table == Table.REQUESTS else OFFER_EXPORT
        reader = request_rows if table == Table.REQUESTS else offer_rows
        rows = reader(db_session=db_session)
    if out is None:
        write_csv(sys.stdout, header, rows)
        return
    with out.open("w", encoding="utf-8", newline="") as handle:
        write_csv(handle, header, rows)
    typer.echo(f"wrote {len(rows)} {table} to {out}")
