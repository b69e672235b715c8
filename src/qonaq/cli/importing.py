"""`qonaq import`: load users' files through the validating importers."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from qonaq.auth.actor import Actor
from qonaq.cli.common import USAGE_ERROR, user_errors
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.errors import InputFileError
from qonaq.exchange.imports import import_capacities, import_vacancies
from qonaq.geo.settlements_file import read_settlements
from qonaq.settlements.service import import_settlements

app = typer.Typer(help="Import data files (validated whole before anything is written).")


@app.command("settlements")
def settlements(
    file: Path = typer.Argument(..., help="CSV with the columns of docs/placement-model.md."),
) -> None:
    """Create or update settlements from FILE; a bad row anywhere means nothing is written."""
    with user_errors():
        records = read_settlements(file)
    migrate.upgrade()
    with transaction(make_engine()) as db_session:
        result = import_settlements(
            db_session=db_session, records=records, actor_label="cli", source=file.name
        )
    typer.echo(
        f"imported {file.name}: {result.created} created, {result.updated} updated, "
        f"{result.regions_created} new regions"
    )


@contextmanager
def every_bad_row() -> Iterator[None]:
    """A bad file: one line on stderr per bad row (row number and column), then exit 2."""
    try:
        yield
    except InputFileError as exc:
        for error in exc.errors:
            typer.echo(f"error: {exc.source}: {error}", err=True)
        raise typer.Exit(USAGE_ERROR) from None


@app.command("capacities")
def capacities(
    file: Path = typer.Argument(
        ..., help="CSV or XLSX: settlement_id, cap_persons, cap_children, cap_medical."
    ),
    below_load: bool = typer.Option(
        False, "--below-load", help="Declare capacities below what is already placed there too."
    ),
) -> None:
    """Declare the akimats' capacities of FILE; a bad row anywhere means nothing is written."""
    migrate.upgrade()
    with user_errors(), every_bad_row(), transaction(make_engine()) as db_session:
        result = import_capacities(
            db_session=db_session, path=file, actor=Actor("cli"), below_load=below_load
        )
    typer.echo(f"imported {file.name}: {result.declared} declared, {result.unchanged} unchanged")


@app.command("vacancies")
def vacancies(
    file: Path = typer.Argument(..., help="CSV or XLSX: settlement_id, occupation, vacancies."),
    replace_all: bool = typer.Option(
        False, "--replace-all", help="Remove the vacancies of settlements the file does not name."
    ),
) -> None:
    """Replace the open jobs of the settlements FILE names; a bad row means nothing is written."""
    migrate.upgrade()
    with user_errors(), every_bad_row(), transaction(make_engine()) as db_session:
        result = import_vacancies(
            db_session=db_session, path=file, actor=Actor("cli"), replace_all=replace_all
        )
    typer.echo(
        f"imported {file.name}: {result.jobs} open jobs in {result.rows} rows for "
        f"{result.settlements} settlements (before: {result.jobs_before})"
    )
