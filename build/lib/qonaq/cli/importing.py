"""`qonaq import`: load users' files through the validating importers."""

from pathlib import Path

import typer

from qonaq.cli.common import user_errors
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
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
