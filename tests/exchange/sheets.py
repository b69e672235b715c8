"""The files users bring: CSV text, and XLSX workbooks as a spreadsheet program saves them."""

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook


def write_csv(path: Path, header: Sequence[str], *rows: Sequence[object]) -> Path:
    lines = [",".join(header), *(",".join(str(c) for c in row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_workbook(path: Path, header: Sequence[str | None], *rows: Sequence[object]) -> Path:
    """A normal (not write-only) workbook, as users' tools make them; None is an empty cell."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def save_formula_values(path: Path, values: dict[str, str]) -> None:
    """What Excel does on saving: store the value each formula computed (cell -> value)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for cell, value in values.items():
        sheet, count = re.subn(
            rf'(<c r="{cell}"[^>]*>\s*<f>[^<]*</f>)\s*(<v\s*/>|<v></v>)?',
            rf"\1<v>{value}</v>",
            sheet,
        )
        assert count == 1, (cell, sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def workbook_rows(data: bytes) -> list[tuple[object, ...]]:
    """The cells of the first sheet of an XLSX file, as openpyxl reads them."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]
