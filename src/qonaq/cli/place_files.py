"""The files of `qonaq place`: households and vacancies in, assignments and summary out."""

import csv
import io
import json
from collections.abc import Callable, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from qonaq.csvinput import read_rows, validate_rows
from qonaq.csvoutput import unescape_cell, write_csv
from qonaq.errors import InputFileError, RowError
from qonaq.geo.settlements_file import SettlementRecord, read_settlements
from qonaq.placement.model import HouseholdRecord, HouseholdTable, VacancyRecord
from qonaq.placement.plan import PlacementPlan
from qonaq.textfile import has_control_characters

HOUSEHOLD_COLUMNS: tuple[str, ...] = (
    "id",
    "size",
    "children",
    "medical",
    "origin_lat",
    "origin_lon",
    "occupations",
    "preferences",
)
VACANCY_COLUMNS: tuple[str, ...] = ("settlement_id", "occupation", "vacancies")


def _known_settlements(
    ids: set[str], column: str, names: Callable[[HouseholdRecord | VacancyRecord], tuple[str, ...]]
) -> Callable[[int, HouseholdRecord | VacancyRecord], list[RowError]]:
    """A row check that refuses settlement ids not in the settlements file."""

    def check(number: int, record: HouseholdRecord | VacancyRecord) -> list[RowError]:
        return [
            RowError(number, column, f"unknown settlement {sid!r}")
            for sid in names(record)
            if sid not in ids
        ]

    return check


def _unique_households() -> Callable[[int, HouseholdRecord], list[RowError]]:
    """A row check that refuses a household id already seen."""
    seen: dict[str, int] = {}

    def check(number: int, record: HouseholdRecord) -> list[RowError]:
        first = seen.setdefault(record.id, number)
        if first != number:
            return [RowError(number, "id", f"duplicate id {record.id!r} (first in row {first})")]
        return []

    return check


def parse_households(
    source: str, settlement_ids: set[str], text: str | None = None
) -> Sequence[HouseholdRecord]:
    """Read and validate households.csv; InputFileError lists every bad row."""
    quick = clean_households(source, settlement_ids, text)
    if quick is not None:
        return quick
    # something is wrong: the row-by-row path words every error with its row and column
    header, rows = read_rows(source, text)
    unique = _unique_households()
    known = _known_settlements(
        settlement_ids, "preferences", lambda r: getattr(r, "preferences", ())
    )

    def check(number: int, record: HouseholdRecord) -> list[RowError]:
        return unique(number, record) + known(number, record)

    return validate_rows(source, header, rows, HouseholdRecord, HOUSEHOLD_COLUMNS, check)


def clean_households(
    source: str, settlement_ids: set[str], text: str | None = None
) -> HouseholdTable | None:
    """The households of a file with no problem at all, checked column-wise (a million rows
    in about a second); None at the first doubt, so that validate_rows words every error."""
    try:
        if text is None:
            text = Path(source).read_text(encoding="utf-8-sig")
        if has_control_characters(text):
            return None
        header, columns = read_columns(text)
        if len(set(header)) != len(header) or any(c not in header for c in HOUSEHOLD_COLUMNS):
            return None
        column = {name: columns[header.index(name)] for name in HOUSEHOLD_COLUMNS}
        ids = [cell.strip() for cell in column["id"]]
        numbers = np.array(
            [column["size"], column["children"], column["medical"]], dtype=np.int64
        ).T.reshape(-1, 3)
        origins = np.array([column["origin_lat"], column["origin_lon"]], dtype=np.float64)
    except (OSError, UnicodeDecodeError, ValueError, TypeError, OverflowError, csv.Error):
        return None
    occupations = split_cells(column["occupations"])
    wishes = split_cells(column["preferences"])
    workers = np.fromiter(map(len, occupations), dtype=np.int64, count=len(occupations))
    wished = np.fromiter(map(len, wishes), dtype=np.int64, count=len(wishes))
    size, children, medical = numbers[:, 0], numbers[:, 1], numbers[:, 2]
    valid = (
        all(0 < len(i) <= 64 for i in ids)
        and len(set(ids)) == len(ids)
        and bool(np.all((size >= 1) & (size <= 100) & (children >= 0) & (medical >= 0)))
        and bool(np.all((children <= size) & (medical <= size) & (workers <= size)))
        and bool(np.all((np.abs(origins[0]) <= 90) & (np.abs(origins[1]) <= 180)))
        and bool(np.all(wished <= 3))
        and set(chain.from_iterable(wishes)) <= settlement_ids
    )
    if not valid:
        return None
    return HouseholdTable(
        ids=tuple(ids), demand=numbers, origin_lat=origins[0], origin_lon=origins[1],
        occupations=occupations, preferences=wishes,
    )  # fmt: skip


def read_columns(text: str) -> tuple[list[str], list[Sequence[str]]]:
    """Header and columns of a CSV text; ValueError when a row is not as wide as the header."""
    text = text.replace("\r\n", "\n")
    if '"' in text or "\r" in text or text.startswith("\n"):
        return read_quoted_columns(text)
    # no quoting: a cell never holds a comma or a line break, so plain splits parse it
    lines = [line for line in text.split("\n") if line]
    if not lines:
        return [], []
    header = [name.strip() for name in lines[0].split(",")]
    rows = lines[1:]
    if any(line.count(",") != len(header) - 1 for line in rows):
        raise ValueError("ragged rows")
    cells = ",".join(rows).split(",") if rows else []
    return header, [cells[i :: len(header)] for i in range(len(header))]


def read_quoted_columns(text: str) -> tuple[list[str], list[Sequence[str]]]:
    """read_columns for a text with quotes or bare carriage returns: the csv module parses it."""
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader, [])]
    # blank lines are skipped, as csv.DictReader does
    rows = [row for row in reader if row]
    if any(len(row) != len(header) for row in rows):
        raise ValueError("ragged rows")
    if any("\n" in cell or "\r" in cell for row in rows for cell in row):
        raise ValueError("a line break inside a cell")
    if not rows:
        return header, [() for _ in header]
    return header, list(zip(*rows, strict=True))


def split_cells(cells: Sequence[str]) -> list[tuple[str, ...]]:
    """split_list of every cell of a column, each distinct cell split once (they repeat)."""
    parts = {cell: split_list(cell) for cell in set(cells)}
    return [parts[cell] for cell in cells]


def split_list(value: str | None) -> tuple[str, ...]:
    """A `;`-separated cell as a tuple of its non-empty parts."""
    if not value:
        return ()
    return tuple(filter(None, map(str.strip, value.split(";"))))


def parse_vacancies(
    source: str, settlement_ids: set[str], text: str | None = None
) -> list[VacancyRecord]:
    """Read and validate vacancies.csv; InputFileError lists every bad row."""
    header, rows = read_rows(source, text)
    known = _known_settlements(
        settlement_ids, "settlement_id", lambda r: (getattr(r, "settlement_id", ""),)
    )
    return validate_rows(source, header, rows, VacancyRecord, VACANCY_COLUMNS, known)


def read_inputs(
    settlements: Path, households: Path, vacancies: Path | None
) -> tuple[list[SettlementRecord], Sequence[HouseholdRecord], list[VacancyRecord]]:
    """The three input files of `qonaq place`, validated against each other."""
    places = read_settlements(settlements)
    ids = {s.id for s in places}
    arrivals = parse_households(str(households), ids)
    jobs = parse_vacancies(str(vacancies), ids) if vacancies is not None else []
    if not places:
        raise InputFileError(str(settlements), [RowError(0, "-", "no settlements")])
    return places, arrivals, jobs


def summary(plan: PlacementPlan, seconds: float) -> dict[str, Any]:
    """summary.json: the objective, its five parts, bound, gap, counts and wall seconds."""
    parts = plan.parts
    return {
        "objective": plan.objective,
        "travel": parts.travel,
        "congestion": parts.congestion,
        "employment": parts.employment,
        "preference": parts.preference,
        "unplaced": parts.unplaced,
        "lower_bound": plan.lower_bound,
        "gap": plan.gap,
        "placed_households": plan.placed_households,
        "unplaced_households": plan.unplaced_households,
        "placed_persons": int(plan.problem.demand[plan.assignment >= 0, 0].sum()),
        "unplaced_persons": int(plan.problem.demand[plan.assignment < 0, 0].sum()),
        "policy": plan.problem.policy.name,
        "solve_seconds": plan.seconds,
        "seconds": seconds,
        "method": plan.method,
        "options": plan.options.record(),
    }


def write_plan(plan: PlacementPlan, out: Path, seconds: float) -> None:
    """Write assignments.csv (one row per household, input order) and summary.json into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    ids = plan.problem.settlement_ids
    with (out / "assignments.csv").open("w", encoding="utf-8", newline="") as handle:
        write_csv(
            handle,
            ("household_id", "settlement_id"),
            (
                (household, ids[where] if where >= 0 else "")
                for household, where in zip(
                    plan.problem.household_ids, plan.assignment.tolist(), strict=True
                )
            ),
        )
    (out / "summary.json").write_text(
        json.dumps(summary(plan, seconds), indent=2) + "\n", encoding="utf-8"
    )


def read_assignments(path: Path) -> dict[str, str]:
    """assignments.csv as household id → settlement id ('' when unplaced), ids unescaped."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            unescape_cell(row["household_id"]): unescape_cell(row["settlement_id"])
            for row in csv.DictReader(handle)
        }
