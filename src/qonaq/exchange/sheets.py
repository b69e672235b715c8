"""Tables as files people keep in spreadsheets: CSV or XLSX in, CSV or XLSX out.

Reading turns either format into the header and rows of strings the CSV importers validate,
so a workbook and a CSV file of the same table pass or fail the same way. Writing streams:
CSV row by row, XLSX through openpyxl's write-only workbook (rows go to a temporary file).
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from qonaq.csvinput import read_rows
from qonaq.csvoutput import escape_cell
from qonaq.errors import InputFileError, RowError
from qonaq.textfile import read_text

Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# an akimat's or the labour exchange's table is a few thousand rows, far below this
MAX_BYTES = 50_000_000
MAX_ROWS = 1_000_000
ZIP_MAGIC = b"PK\x03\x04"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# how many bytes of a finished XLSX go out per chunk of a download
CHUNK = 64 * 1024
UNSAVED_FORMULA = "a formula with no saved value: open and save the file in a spreadsheet program"


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of the CSV or XLSX file at `path` (by its name), cells as text;
    InputFileError with one clear line for a file that is empty, unreadable or mis-named."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise _whole_file(source, "an old Excel .xls file: save it as .xlsx or CSV")
    data = _read_bytes(path)
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(source, data)
    if data.startswith(ZIP_MAGIC):
        raise _whole_file(source, "a workbook or zip file, not CSV: name it .xlsx")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # what Excel's plain "CSV" gives in a Russian or Kazakh Windows (cp1251)
        where = f"byte {exc.start + 1}"
        raise _whole_file(
            source, f"not UTF-8 text ({where}): save it as CSV UTF-8 or XLSX"
        ) from exc
    if not text.strip():
        raise _whole_file(source, "empty file")
    return read_rows(source, text, delimiter=_delimiter(text))


def _delimiter(text: str) -> str:
    # Excel writes ";" between cells where the decimal mark is a comma (Russian, Kazakh)
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return ";" if ";" in header and "," not in header else ","


def _whole_file(source: str, message: str) -> InputFileError:
    return InputFileError(source, [RowError(0, "-", message)])


def _read_bytes(path: Path) -> bytes:
    # read_text words a missing, unreadable or too large file; latin-1 decodes any bytes
    return read_text(path, max_bytes=MAX_BYTES, encoding="latin-1").encode("latin-1")


def _read_workbook(source: str, data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    if not data.strip():
        raise _whole_file(source, "empty file")
    if not data.startswith(ZIP_MAGIC):
        raise _whole_file(source, "not an XLSX workbook: save it as .xlsx, or name it .csv")
    try:
        # twice: the formulas, and the values a spreadsheet program saved for them
        formulas = _first_sheet_rows(data, values=False)
        values = _first_sheet_rows(data, values=True)
    except TooManyRows:
        raise _whole_file(source, f"more than {MAX_ROWS:,} rows") from None
    except Exception as exc:  # openpyxl fails on a damaged workbook in many ways
        raise _whole_file(source, f"not a readable XLSX workbook ({type(exc).__name__})") from exc
    if not values:
        raise _whole_file(source, "empty file")
    header = [_text(cell).strip() for cell in values[0]]
    rows: list[dict[str, str]] = []
    errors: list[RowError] = []
    for number, (written, saved) in enumerate(zip(formulas[1:], values[1:], strict=True), 1):
        row = {}
        for position, cell in enumerate(saved):
            column = header[position] if position < len(header) else ""
            if cell is None and _is_formula(written[position]) and column:
                errors.append(RowError(number, column, UNSAVED_FORMULA))
            row[column] = _text(cell)
        rows.append({c: row.get(c, "") for c in header} | row)
    if errors:
        raise InputFileError(source, errors)
    return header, rows


def _first_sheet_rows(data: bytes, *, values: bool) -> list[tuple[Any, ...]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=values)
    try:
        sheet = workbook.worksheets[0]
        # read as it streams, and no further than MAX_ROWS: a small zip may unpack huge
        rows = list(islice(sheet.iter_rows(values_only=True), MAX_ROWS + 2))
    finally:
        workbook.close()
    if len(rows) > MAX_ROWS + 1:
        raise TooManyRows
    return [tuple(row) for row in rows]


class TooManyRows(Exception):
    """A sheet longer than any table of settlements could be."""


def _is_formula(cell: object) -> bool:
    return isinstance(cell, str) and cell.startswith("=")


def _text(cell: object) -> str:
    """A cell as the CSV file would hold it: 12.0 is "12", a date is ISO, empty is ""."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """A CSV file in pieces of about a hundred rows, text cells escaped against formulas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for count, row in enumerate(rows, 1):
        writer.writerow([_csv_cell(cell) for cell in row])
        if count % 100 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _csv_cell(cell: object) -> object:
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return escape_cell(cell)


def write_xlsx(
    handle: BinaryIO, sheet_name: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """An XLSX workbook of one sheet: a bold frozen header, numbers and dates as typed cells."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, name, font=bold) for name in header])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    workbook.save(handle)


def _cell(sheet: Any, value: Any, font: Font | None = None) -> object:
    # openpyxl types numbers, and dates with a date format, by itself; only text starting
    # with "=" (it would become a formula) and the bold header need a cell object
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: UTC, as the column says
    if isinstance(value, str) and (font is not None or value.startswith("=")):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell
    return value


def xlsx_chunks(
    sheet_name: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Iterator[bytes]:
    """write_xlsx into a temporary file, then that file in chunks (a zip is written whole)."""
    with tempfile.TemporaryFile() as spool:
        write_xlsx(spool, sheet_name, header, rows)
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk
