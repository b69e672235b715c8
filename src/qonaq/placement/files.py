"""The files of `qonaq place`: households and vacancies in, assignments and summary out."""

import csv
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from qonaq.csvinput import read_rows, validate_rows
from qonaq.errors import InputFileError, RowError
from qonaq.geo.settlements_file import SettlementRecord, read_settlements
from qonaq.placement.model import HouseholdRecord, VacancyRecord
from qonaq.placement.plan import PlacementPlan

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
) -> list[HouseholdRecord]:
    """Read and validate households.csv; InputFileError lists every bad row."""
    header, rows = read_rows(source, text)
    unique = _unique_households()
    known = _known_settlements(
        settlement_ids, "preferences", lambda r: getattr(r, "preferences", ())
    )

    def check(number: int, record: HouseholdRecord) -> list[RowError]:
        return unique(number, record) + known(number, record)

    quick = clean_households(header, rows, settlement_ids)
    if quick is not None:
        return quick
    return validate_rows(source, header, rows, HouseholdRecord, HOUSEHOLD_COLUMNS, check)


def clean_households(
    header: list[str], rows: list[dict[str, str]], settlement_ids: set[str]
) -> list[HouseholdRecord] | None:
    """The households of a file with no problem at all, checked column-wise (a million rows
    in seconds); None at the first doubt, so that validate_rows words every error."""
    if any(column not in header for column in HOUSEHOLD_COLUMNS):
        return None
    try:
        ids = [row["id"].strip() for row in rows]
        numbers = np.array(
            [(row["size"], row["children"], row["medical"]) for row in rows], dtype=np.int64
        ).reshape(-1, 3)
        origins = np.array(
            [(row["origin_lat"], row["origin_lon"]) for row in rows], dtype=np.float64
        ).reshape(-1, 2)
    except (ValueError, TypeError, AttributeError):
        return None
    occupations = [split_list(row["occupations"]) for row in rows]
    wishes = [split_list(row["preferences"]) for row in rows]
    size, children, medical = numbers[:, 0], numbers[:, 1], numbers[:, 2]
    valid = (
        all(0 < len(i) <= 64 for i in ids)
        and len(set(ids)) == len(ids)
        and bool(np.all((size >= 1) & (size <= 100) & (children >= 0) & (medical >= 0)))
        and bool(np.all((children <= size) & (medical <= size)))
        and bool(np.all(np.abs(origins[:, 0]) <= 90) and np.all(np.abs(origins[:, 1]) <= 180))
        and all(len(o) <= n for o, n in zip(occupations, size.tolist(), strict=True))
        and all(len(w) <= 3 and all(sid in settlement_ids for sid in w) for w in wishes)
        and all(None not in row for row in rows)
    )
    if not valid:
        return None
    return [
        HouseholdRecord.model_construct(
            id=ids[h], size=int(size[h]), children=int(children[h]), medical=int(medical[h]),
            origin_lat=float(origins[h, 0]), origin_lon=float(origins[h, 1]),
            occupations=occupations[h], preferences=wishes[h],
        )
        for h in range(len(rows))
    ]  # fmt: skip


def split_list(value: str | None) -> tuple[str, ...]:
    """A `;`-separated cell as a tuple of its non-empty parts."""
    return tuple(part.strip() for part in (value or "").split(";") if part.strip())


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
) -> tuple[list[SettlementRecord], list[HouseholdRecord], list[VacancyRecord]]:
    """The three input files of `qonaq place`, validated against each other."""
    places = read_settlements(settlements)
    ids = {s.id for s in places}
    arrivals = parse_households(str(households), ids)
    jobs = parse_vacancies(str(vacancies), ids) if vacancies is not None else []
    if not places:
        raise InputFileError(str(settlements), [RowError(0, "-", "no settlements")])
    return places, arrivals, jobs


def summary(plan: PlacementPlan, seconds: float) -> dict[str, float | int | str]:
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
    }


def write_plan(plan: PlacementPlan, out: Path, seconds: float) -> None:
    """Write assignments.csv (one row per household, input order) and summary.json into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    ids = plan.problem.settlement_ids
    with (out / "assignments.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("household_id", "settlement_id"))
        writer.writerows(
            (household, ids[where] if where >= 0 else "")
            for household, where in zip(
                plan.problem.household_ids, plan.assignment.tolist(), strict=True
            )
        )
    (out / "summary.json").write_text(
        json.dumps(summary(plan, seconds), indent=2) + "\n", encoding="utf-8"
    )


def read_assignments(path: Path) -> dict[str, str]:
    """assignments.csv as household id → settlement id ('' when unplaced)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["household_id"]: row["settlement_id"] for row in csv.DictReader(handle)}
