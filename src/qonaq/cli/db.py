"""`qonaq db`: create, migrate and seed the database."""

from pathlib import Path

import typer

from qonaq.aid.personal import purge_closed_requests, reseal_aid
from qonaq.arrivals.service import (
    purge_expired_preregistrations,
    rotate_preregistration_keys,
)
from qonaq.auth.actor import Actor
from qonaq.cli.common import user_errors
from qonaq.config import get_settings
from qonaq.db import migrate
from qonaq.db.backup import backup, restore
from qonaq.db.crypto import new_data_key
from qonaq.db.session import make_engine, transaction
from qonaq.registry import personal
from qonaq.registry.integrity import integrity_problems
from qonaq.settlements.seed import seed_kz

app = typer.Typer(help="Create, migrate and seed the database.", no_args_is_help=True)

COUNTRIES = ("kz",)
CLI_ACTOR = Actor(label="cli", role="admin")


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create the database, or migrate it to the latest schema (or REVISION)."""
    migrate.upgrade(revision=revision)
    typer.echo(f"database at {revision}")


@app.command()
def downgrade(
    revision: str = typer.Argument(..., help="Target revision; 'base' drops all."),
) -> None:
    """Migrate the database back down to REVISION."""
    migrate.downgrade(revision=revision)
    typer.echo(f"database at {revision}")


@app.command()
def seed(country: str = typer.Argument(..., help="Country code; shipped: kz.")) -> None:
    """Load the shipped gazetteer of COUNTRY (regions, settlements, entry hubs)."""
    if country.lower() not in COUNTRIES:
        typer.echo(f"error: no shipped gazetteer for {country!r}; shipped: kz", err=True)
        raise typer.Exit(2)
    migrate.upgrade()
    engine = make_engine()
    with transaction(engine) as db_session:
        result = seed_kz(db_session=db_session)
    typer.echo(f"seeded kz: {result.created} settlements created, {result.updated} updated")


@app.command()
def check() -> None:
    """Check the registry's invariants: loads equal active placements, one placement per
    household, no household without members. Lists each problem; exit 1 if any."""
    with transaction(make_engine(), writes=False) as db_session:
        problems = integrity_problems(db_session=db_session)
    for problem in problems:
        typer.echo(problem)
    if problems:
        typer.echo(f"{len(problems)} problems", err=True)
        raise typer.Exit(1)
    typer.echo("database consistent")


@app.command("backup")
def backup_command(target: Path = typer.Argument(..., help="The backup file to write.")) -> None:
    """Write a consistent copy of the database to TARGET (SQLite: its online backup;
    PostgreSQL: pg_dump's custom format). The file is readable by its owner only."""
    with user_errors():
        backup(get_settings().resolved_database_url(), target)
    typer.echo(f"backed up to {target}")


@app.command("restore")
def restore_command(
    source: Path = typer.Argument(..., help="A file from `qonaq db backup`."),
) -> None:
    """Replace the database by the backup in SOURCE. Stop the servers first."""
    with user_errors():
        restore(get_settings().resolved_database_url(), source)
    typer.echo(f"restored from {source}")


@app.command(name="new-key")
def new_key() -> None:
    """Print a fresh data key, to put first in QONAQ_DATA_KEYS before `rotate-keys`."""
    typer.echo(new_data_key())


@app.command(name="rotate-keys")
def rotate_keys(
    batch_size: int = typer.Option(500, "--batch-size", min=1, help="Members per transaction."),
) -> None:
    """Re-encrypt personal data with the first of QONAQ_DATA_KEYS and re-hash QONAQ_HASH_KEY."""
    with user_errors():
        engine = make_engine()
        done = personal.rotate_keys(engine=engine, actor=CLI_ACTOR, batch_size=batch_size)
        helped = reseal_aid(engine=engine, batch_size=batch_size)
        with transaction(engine) as db_session:
            waiting = rotate_preregistration_keys(db_session=db_session, actor=CLI_ACTOR)
    typer.echo(f"re-encrypted {done.persons} persons in {done.batches} transaction(s)")
    typer.echo(f"re-encrypted {helped} requests for help and volunteers")
    typer.echo(f"re-encrypted {waiting} waiting pre-registrations")


@app.command()
def purge(
    dry_run: bool = typer.Option(False, "--dry-run", help="Count only; erase nothing."),
) -> None:
    """Erase the members of households inactive for QONAQ_RETENTION_DAYS, and delete the
    pre-registrations not completed within QONAQ_PREREGISTRATION_DAYS (audited)."""
    settings = get_settings()
    days = settings.retention_days
    with user_errors(), transaction(make_engine()) as db_session:
        done = personal.purge_expired(
            db_session=db_session, retention_days=days, actor=CLI_ACTOR, dry_run=dry_run
        )
        helped = (
            0
            if dry_run
            else purge_closed_requests(db_session=db_session, retention_days=days, actor=CLI_ACTOR)
        )
        expired = purge_expired_preregistrations(
            db_session=db_session, actor=CLI_ACTOR, dry_run=dry_run
        )
    verb = "would erase" if dry_run else "erased"
    typer.echo(
        f"{verb} {done.persons} persons of {done.households} households "
        f"inactive since {done.inactive_since:%Y-%m-%d} (retention {days} days)"
    )
    if helped:
        typer.echo(f"erased the contacts of {helped} closed requests for help")
    typer.echo(
        f"{'would delete' if dry_run else 'deleted'} {expired.count} pre-registrations "
        f"not completed within {settings.preregistration_days} days"
    )
