"""`qonaq settlements`: look at the settlements in the database."""

import json
import sys
from enum import StrEnum

import typer
from rich.console import Console
from rich.table import Table

from qonaq.cli.common import user_errors
from qonaq.csvoutput import write_dict_csv
from qonaq.db.session import make_engine, transaction
from qonaq.settlements.models import Region, Settlement
from qonaq.settlements.service import list_settlements

app = typer.Typer(help="Settlements, their capacities and loads.", no_args_is_help=True)


class OutputFormat(StrEnum):
    """How `settlements list` prints."""

    table = "table"
    csv = "csv"
    json = "json"


class Kind(StrEnum):
    """Kinds of settlement."""

    republic_city = "republic_city"
    regional_centre = "regional_centre"
    town = "town"
    village = "village"


LIST_COLUMNS = (
    "id", "name", "region", "kind", "population", "cap_persons", "load_persons",
    "cap_children", "load_children", "cap_medical", "load_medical", "capacity_source",
)  # fmt: skip


def _row(settlement: Settlement, region: Region) -> dict[str, object]:
    row: dict[str, object] = {c: getattr(settlement, c, None) for c in LIST_COLUMNS}
    row["region"] = region.name
    return row


@app.command("list")
def list_command(
    region: str | None = typer.Option(None, "--region", help="Region id or name (any language)."),
    kind: Kind | None = typer.Option(None, "--kind", help="Only settlements of this kind."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format."),
) -> None:
    """List settlements with their capacity and load, biggest first within each region."""
    with user_errors(), transaction(make_engine()) as db_session:
        rows = [
            _row(s, r)
            for s, r in list_settlements(
                db_session=db_session, region=region, kind=kind.value if kind else None
            )
        ]
    if output is OutputFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif output is OutputFormat.csv:
        write_dict_csv(sys.stdout, LIST_COLUMNS, rows)
    else:
        _print_table(rows)


def _print_table(rows: list[dict[str, object]]) -> None:
    table = Table(title=f"{len(rows)} settlements")
    for column in ("id", "name", "region", "kind", "population", "persons", "children", "medical"):
        table.add_column(
            column, justify="right" if column not in ("name", "region", "kind") else "left"
        )
    for row in rows:
        table.add_row(
            str(row["id"]), str(row["name"]), str(row["region"]), str(row["kind"]),
            f"{row['population']:,}",
            f"{row['load_persons']:,}/{row['cap_persons']:,}",
            f"{row['load_children']:,}/{row['cap_children']:,}",
            f"{row['load_medical']:,}/{row['cap_medical']:,}",
        )  # fmt: skip
    Console().print(table)
