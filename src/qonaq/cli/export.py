"""`qonaq export`: placements, loads and arrivals as CSV or XLSX, for ministries and akimats."""

import os
import sys
import tempfile
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

import typer

from qonaq.auth.actor import Actor
from qonaq.cli.common import fail, user_errors
from qonaq.db.session import make_engine, transaction
from qonaq.exchange.exports import EXPORTS, export_rows, record_export
from qonaq.exchange.sheets import csv_chunks, xlsx_chunks


class FileFormat(StrEnum):
    """What `qonaq export` writes."""

    csv = "csv"
    xlsx = "xlsx"


class What(StrEnum):
    """What `qonaq export` can export."""

    placements = "placements"
    loads = "loads"
    arrivals = "arrivals"


def export(
    what: What = typer.Argument(..., help="placements, loads or arrivals."),
    file_format: FileFormat | None = typer.Option(
        None, "--format", help="csv or xlsx (default: the --out file's suffix, else csv)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write to this file (default: stdout)."),
) -> None:
    """Export counts and references (no personal data) as CSV or XLSX; audited."""
    chosen = file_format or (
        FileFormat.xlsx if out is not None and out.suffix.lower() == ".xlsx" else FileFormat.csv
    )
    if chosen is FileFormat.xlsx and out is None and sys.stdout.isatty():
        raise fail("an XLSX workbook is not for a terminal: give --out FILE")
    engine = make_engine()
    with user_errors():
        with transaction(engine) as db_session:
            record_export(db_session=db_session, what=what.value, file_format=chosen.value,
                          actor=Actor("cli"))  # fmt: skip
        with transaction(engine, writes=False) as db_session:
            rows = export_rows(db_session, what.value)
            columns = EXPORTS[what.value].columns
            if chosen is FileFormat.csv:
                chunks: Iterable[bytes] = (c.encode() for c in csv_chunks(columns, rows))
            else:
                chunks = xlsx_chunks(what.value, columns, rows)
            _write(chunks, out)


def _write(chunks: Iterable[bytes], out: Path | None) -> None:
    if out is None:
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    # a temporary file beside the target, renamed over it once complete
    handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            for chunk in chunks:
                file.write(chunk)
        os.replace(name, out)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
