"""Errors a user can cause with a bad input file: every bad row, by number and column."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an input file (row 1 is the first data row after the header)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.message}"


class InputFileError(ValueError):
    """An input file that cannot be used; carries every problem found, not just the first."""

    def __init__(self, source: str, errors: list[RowError]) -> None:
        self.source = source
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        super().__init__(f"{source}: {len(errors)} bad row(s): {shown}{more}")
