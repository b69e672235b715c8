"""`qonaq db`: create, migrate and seed the database."""

import typer

from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.registry.integrity import integrity_problems
from qonaq.settlements.seed import seed_kz

app = typer.Typer(help="Create, migrate and seed the database.", no_args_is_help=True)

COUNTRIES = ("kz",)


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
