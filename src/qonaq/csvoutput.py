"""Writing CSV files people open in spreadsheets: text cells can never run as formulas.

A text cell starting with `=`, `+`, `-`, `@`, tab or carriage return is a formula (or becomes
one) in Excel, LibreOffice and Google Sheets; it gets a leading `'`, as OWASP recommends.
Numbers stay numbers: int and float cells, and text that is just a decimal number such as
`-3.5`, are written as they are. A text cell that starts with `'` before such a character
gets one more `'`, so `unescape_cell` gives back exactly what was escaped.
"""

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# the first characters of every text that may need a quote: one set lookup for most cells
_MAY_NEED_QUOTE = frozenset(FORMULA_STARTS) | {"'"}


class _Writable(Protocol):
    def write(self, text: str, /) -> object: ...


def _needs_quote(text: str) -> bool:
    # quotes already in front count through: escaping must stay reversible
    rest = text.lstrip("'")
    return rest.startswith(FORMULA_STARTS) and _NUMBER.fullmatch(rest) is None


def escape_cell(value: object) -> object:
    """`value` safe for a spreadsheet: text that would start a formula gets a leading `'`."""
    if isinstance(value, str) and value[:1] in _MAY_NEED_QUOTE and _needs_quote(value):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """The text `escape_cell` was given, from what it wrote."""
    if text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text


def write_csv(handle: _Writable, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write `header` and `rows` to `handle` as CSV, every cell through escape_cell."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(map(escape_cell, row) for row in rows)


def write_dict_csv(
    handle: _Writable, header: Sequence[str], rows: Iterable[Mapping[str, object]]
) -> None:
    """write_csv for rows keyed by column name (missing keys are empty cells)."""
    write_csv(handle, header, ([row.get(column, "") for column in header] for row in rows))
