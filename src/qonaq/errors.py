"""Errors a user can cause with a bad input file: every bad row, by number and column."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an input file (row 1 is the first data row after the header);
    row 0 is the header of a CSV file, a key of a TOML file, or with column '-' the whole file."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row > 0 else []
        if self.column != "-":
            where.append(f"column {self.column!r}" if self.row > 0 else repr(self.column))
        return ", ".join(where) + ": " + self.message if where else self.message


class InputFileError(ValueError):
    """An input file that cannot be used; carries every problem found, not just the first."""

    def __init__(self, source: str, errors: list[RowError]) -> None:
        self.source = source
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        count = "" if len(errors) == 1 else f"{len(errors)} problems: "
        super().__init__(f"{source}: {count}{shown}{more}")
