"""Vacancies from the labour exchange and capacities from akimats, as CSV or XLSX files.

The settlements importer's rule: every row is validated (against the database too) before
anything is written, every bad row is reported by number and column, and the caller's one
transaction writes all of it or nothing.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.csvinput import validate_rows
from qonaq.errors import InputFileError, RowError
from qonaq.exchange.sheets import read_table
from qonaq.geo.settlements_file import DIMENSIONS, MAX_COUNT
from qonaq.registry.schemas import OCCUPATION_GROUPS
from qonaq.settlements.models import Settlement, Vacancy
from qonaq.settlements.service import declare_capacity

CAPACITY_COLUMNS: tuple[str, ...] = ("settlement_id", "cap_persons", "cap_children", "cap_medical")
VACANCY_COLUMNS: tuple[str, ...] = ("settlement_id", "occupation", "vacancies")
PLACES = {"persons": "persons", "children": "children", "medical": "medical places"}


class CapacityRow(BaseModel):
    """One row of a capacities file; other columns (a loads export's) are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    settlement_id: str = Field(min_length=1, max_length=64)
    cap_persons: int = Field(ge=0, le=MAX_COUNT)
    cap_children: int = Field(ge=0, le=MAX_COUNT)
    cap_medical: int = Field(ge=0, le=MAX_COUNT)

    def capacity(self) -> tuple[int, int, int]:
        """Persons, children, medical."""
        return self.cap_persons, self.cap_children, self.cap_medical


class VacancyRow(BaseModel):
    """One row of a vacancies file: open jobs of one occupation group in one settlement."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    settlement_id: str = Field(min_length=1, max_length=64)
    occupation: str = Field(min_length=1, max_length=64)
    vacancies: int = Field(ge=0, le=MAX_COUNT)

    @field_validator("occupation", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        # the labour exchange may write "IT" or "Medicine"; the groups are lower case
        return value.lower() if isinstance(value, str) else value


@dataclass(frozen=True)
class CapacityImport:
    """What a capacities import did."""

    declared: int
    unchanged: int


@dataclass(frozen=True)
class VacancyImport:
    """What a vacancies import did: rows and jobs written, for how many settlements."""

    settlements: int
    rows: int
    jobs: int
    jobs_before: int


def _unique(
    key: Callable[[BaseModel], tuple[str, ...]], column: str
) -> Callable[[int, BaseModel], list[RowError]]:
    """A row check that refuses a key already seen in an earlier row."""
    seen: dict[tuple[str, ...], int] = {}

    def check(number: int, record: BaseModel) -> list[RowError]:
        first = seen.setdefault(key(record), number)
        if first != number:
            return [RowError(number, column, f"repeats row {first}")]
        return []

    return check


def _named_ids(rows: Sequence[dict[str, str]]) -> set[str]:
    return {str(row.get("settlement_id") or "").strip() for row in rows} - {""}


def _no_rows(source: str) -> InputFileError:
    return InputFileError(source, [RowError(0, "-", "no data rows under the header")])


def import_capacities(
    *, db_session: Session, path: Path, actor: Actor, below_load: bool = False
) -> CapacityImport:
    """Declare the capacities of the file at `path`, in the caller's transaction.

    A row whose capacities equal the current ones is left alone; every other row is a
    declaration, as on the host page (audited each); one below what is already placed
    there is refused unless `below_load`.
    """
    source = str(path)
    header, rows = read_table(path)
    # the named settlements, locked: a desk may not fill one past the new capacity meanwhile
    found = db_session.scalars(
        select(Settlement)
        .where(Settlement.id.in_(_named_ids(rows)))
        .order_by(Settlement.id)
        .with_for_update()
    )
    settlements = {s.id: s for s in found}
    unique = _unique(lambda r: (r.settlement_id,), "settlement_id")  # type: ignore[attr-defined]

    def check(number: int, record: CapacityRow) -> list[RowError]:
        settlement = settlements.get(record.settlement_id)
        if settlement is None:
            return [
                RowError(number, "settlement_id", f"unknown settlement {record.settlement_id!r}")
            ]
        if below_load or record.capacity() == _capacity(settlement):
            return unique(number, record)
        return unique(number, record) + _below_load(number, record, settlement)

    records = validate_rows(
        source, header, rows, CapacityRow, CAPACITY_COLUMNS, check, skip_empty=True
    )
    if not records:
        raise _no_rows(source)
    declared = 0
    for record in records:
        if record.capacity() == _capacity(settlements[record.settlement_id]):
            continue
        persons, children, medical = record.capacity()
        declare_capacity(
            db_session=db_session, settlement_id=record.settlement_id, persons=persons,
            children=children, medical=medical, actor=actor, below_load=True,
        )  # fmt: skip
        declared += 1
    result = CapacityImport(declared=declared, unchanged=len(records) - declared)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="capacities.import", object_type="settlement", object_id="*",
        after={"source": path.name, "declared": result.declared, "unchanged": result.unchanged},
    )  # fmt: skip
    return result


def _capacity(settlement: Settlement) -> tuple[int, int, int]:
    return settlement.cap_persons, settlement.cap_children, settlement.cap_medical


def _below_load(number: int, record: CapacityRow, settlement: Settlement) -> list[RowError]:
    errors = []
    for dimension in DIMENSIONS:
        cap = getattr(record, f"cap_{dimension}")
        load = getattr(settlement, f"load_{dimension}")
        if cap < load:
            words = f"{cap} is below the {load} {PLACES[dimension]} already placed there"
            errors.append(RowError(number, f"cap_{dimension}", f"{words} (--below-load allows it)"))
    return errors


def import_vacancies(
    *, db_session: Session, path: Path, actor: Actor, replace_all: bool = False
) -> VacancyImport:
    """The open jobs of the file at `path` replace those of the settlements it names (of
    every settlement with `replace_all`), in the caller's transaction; audited."""
    source = str(path)
    header, rows = read_table(path)
    known = set(
        db_session.scalars(select(Settlement.id).where(Settlement.id.in_(_named_ids(rows))))
    )
    unique = _unique(lambda r: (r.settlement_id, r.occupation), "occupation")  # type: ignore[attr-defined]

    def check(number: int, record: VacancyRow) -> list[RowError]:
        errors = unique(number, record)
        if record.settlement_id not in known:
            errors.append(
                RowError(number, "settlement_id", f"unknown settlement {record.settlement_id!r}")
            )
        if record.occupation not in OCCUPATION_GROUPS:
            groups = ", ".join(OCCUPATION_GROUPS)
            errors.append(
                RowError(number, "occupation", f"unknown group {record.occupation!r}: {groups}")
            )
        return errors

    records = validate_rows(
        source, header, rows, VacancyRow, VACANCY_COLUMNS, check, skip_empty=True
    )
    if not records:
        raise _no_rows(source)
    named = {r.settlement_id for r in records}
    jobs = select(func.coalesce(func.sum(Vacancy.vacancies), 0))
    wipe = delete(Vacancy)
    if not replace_all:
        jobs = jobs.where(Vacancy.settlement_id.in_(named))
        wipe = wipe.where(Vacancy.settlement_id.in_(named))
    jobs_before = db_session.scalar(jobs)
    db_session.execute(wipe.execution_options(synchronize_session=False))
    db_session.add_all(
        Vacancy(settlement_id=r.settlement_id, occupation=r.occupation, vacancies=r.vacancies)
        for r in records
    )
    db_session.flush()
    result = VacancyImport(
        settlements=len(named), rows=len(records), jobs=sum(r.vacancies for r in records),
        jobs_before=int(jobs_before or 0),
    )  # fmt: skip
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="vacancies.import", object_type="settlement", object_id="*",
        before={"jobs": result.jobs_before},
        after={"source": path.name, "settlements": result.settlements, "rows": result.rows,
               "jobs": result.jobs, "replace_all": replace_all},
    )  # fmt: skip
    return result
