"""Reading CSV input files into validated records, reporting every bad row at once."""

import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from qonaq.errors import InputFileError, RowError

RecordT = TypeVar("RecordT", bound=BaseModel)


def read_rows(
    source: Path | str, text: str | None = None
) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a CSV file (or of `text`, named `source` in errors)."""
    if text is None:
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise InputFileError(str(source), [RowError(0, "-", "file not found")]) from exc
        except UnicodeDecodeError as exc:
            raise InputFileError(str(source), [RowError(0, "-", "not UTF-8 text")]) from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    return header, list(reader)


def validate_rows(
    source: str,
    header: list[str],
    rows: Iterable[dict[str, str]],
    model: type[RecordT],
    required: Iterable[str],
    check: Callable[[int, RecordT], list[RowError]] | None = None,
) -> list[RecordT]:
    """Validate each row against `model`; raise InputFileError listing every bad row."""
    missing = [c for c in required if c not in header]
    if missing:
        raise InputFileError(source, [RowError(0, c, "missing column") for c in missing])
    records: list[RecordT] = []
    errors: list[RowError] = []
    for number, row in enumerate(rows, start=1):
        if None in row:
            errors.append(RowError(number, "-", "more fields than the header has"))
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


def _row_errors(number: int, exc: ValidationError) -> list[RowError]:
    found = []
    for err in exc.errors():
        column = ".".join(str(p) for p in err["loc"]) or "-"
        found.append(RowError(number, column, err["msg"]))
    return found
