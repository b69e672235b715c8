"""Reading CSV input files into validated records, reporting every bad row at once."""

import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from qonaq.errors import InputFileError, RowError
from qonaq.textfile import control_character, read_text

RecordT = TypeVar("RecordT", bound=BaseModel)


def read_rows(
    source: Path | str, text: str | None = None, *, delimiter: str = ","
) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a CSV file (or of `text`, named `source` in errors)."""
    if text is None:
        text = read_text(source, encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        rows.extend(reader)
    except csv.Error as exc:
        # the header is row 0, data rows count from 1 as validate_rows numbers them
        number = 0 if header is None else len(rows) + 1
        raise InputFileError(str(source), [_csv_error(number, exc)]) from exc
    return header, rows


def _csv_error(number: int, exc: csv.Error) -> RowError:
    # the csv module's complaints: a cell over its field limit, a bare carriage return
    if "field limit" in str(exc):
        limit = csv.field_size_limit()
        return RowError(number, "-", f"a cell longer than {limit:,} characters")
    if "new-line character" in str(exc):
        return RowError(number, "-", "a line break inside an unquoted cell")
    return RowError(number, "-", f"not valid CSV: {exc}")


def validate_rows(
    source: str,
    header: list[str],
    rows: Iterable[dict[str, str]],
    model: type[RecordT],
    required: Iterable[str],
    check: Callable[[int, RecordT], list[RowError]] | None = None,
    *,
    skip_empty: bool = False,
) -> list[RecordT]:
    """Validate each row against `model`; raise InputFileError listing every bad row.
    With `skip_empty`, a row with every cell empty is passed over (and still counted)."""
    missing = [c for c in required if c not in header]
    if missing:
        raise InputFileError(source, [RowError(0, c, "missing column") for c in missing])
    records: list[RecordT] = []
    errors: list[RowError] = []
    for number, row in enumerate(rows, start=1):
        if None in row:
            errors.append(RowError(number, "-", "more fields than the header has"))
            continue
        if skip_empty and not any(str(v).strip() for v in row.values()):
            continue
        controls = _control_characters(number, row)
        if controls:
            errors.extend(controls)
            continue
        cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
        try:
            record = model.model_validate(cleaned)
        except ValidationError as exc:
            errors.extend(_row_errors(number, exc))
            continue
        if check is not None:
            errors.extend(check(number, record))
        records.append(record)
    if errors:
        raise InputFileError(source, errors)
    return records


def _control_characters(number: int, row: dict[str, str]) -> list[RowError]:
    """A NUL, line break or other control character in a cell: no name or number holds one."""
    found = []
    for column, cell in row.items():
        character = control_character(cell) if isinstance(cell, str) else None
        if character is not None:
            found.append(RowError(number, column, f"control character {character}"))
    return found


def _row_errors(number: int, exc: ValidationError) -> list[RowError]:
    found = []
    for err in exc.errors():
        column = ".".join(str(p) for p in err["loc"]) or "-"
        found.append(RowError(number, column, err["msg"]))
    return found
