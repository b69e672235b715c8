"""What goes to ministries and akimats: placements, loads and arrivals, as counts and references.

No names, birth dates, documents or phones: a placement is its household's public reference
(the one on the letter, which reveals nothing about the people), its settlement and its counts.
Column names are stable English identifiers; rows stream from the database in batches.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.registry.models import Household, Placement
from qonaq.settlements.models import Region, Settlement

What = Literal["placements", "loads", "arrivals"]
WHATS: tuple[What, ...] = ("placements", "loads", "arrivals")
BATCH = 1000


@dataclass(frozen=True)
class Export:
    """One export: its columns, the query of its rows and how a result row becomes cells."""

    columns: tuple[str, ...]
    query: Callable[[], Select[*tuple[Any, ...]]]
    cells: Callable[[Any], tuple[object, ...]]


def _placements() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Placement.id,
            Household.reference,
            Placement.settlement_id,
            Settlement.name,
            Region.name,
            Placement.status,
            Placement.persons,
            Placement.children,
            Placement.medical,
            Placement.created_at,
            Placement.expected_arrival,
        )
        .join(Household, Household.id == Placement.household_id)
        .join(Settlement, Settlement.id == Placement.settlement_id)
        .join(Region, Region.id == Settlement.region_id)
        .order_by(Placement.id)
    )


def _loads() -> Select[*tuple[Any, ...]]:
    return (
        select(Settlement, Region.name)
        .join(Region, Region.id == Settlement.region_id)
        .order_by(Settlement.id)
    )


def _load_cells(row: Any) -> tuple[object, ...]:
    s, region = row
    return (
        s.id, s.name, region, s.kind, s.open, s.capacity_source,
        s.cap_persons, s.cap_children, s.cap_medical,
        s.load_persons, s.load_children, s.load_medical,
        s.cap_persons - s.load_persons, s.cap_children - s.load_children,
        s.cap_medical - s.load_medical,
    )  # fmt: skip


def _counted(status: str, column: Any) -> Any:
    return func.sum(case((Placement.status == status, column), else_=0))


def _arrivals() -> Select[*tuple[Any, ...]]:
    one = 1
    return (
        select(
            Placement.expected_arrival,
            Placement.settlement_id,
            Settlement.name,
            Region.name,
            func.count(),
            func.sum(Placement.persons),
            func.sum(Placement.children),
            func.sum(Placement.medical),
            _counted("arrived", one),
            _counted("arrived", Placement.persons),
            _counted("reserved", one),
            _counted("reserved", Placement.persons),
            _counted("no_show", one),
            _counted("no_show", Placement.persons),
        )
        .join(Settlement, Settlement.id == Placement.settlement_id)
        .join(Region, Region.id == Settlement.region_id)
        # a cancelled placement was never going to arrive there
        .where(Placement.status != "cancelled")
        .group_by(Placement.expected_arrival, Placement.settlement_id, Settlement.name, Region.name)
        .order_by(Placement.expected_arrival.asc().nulls_last(), Placement.settlement_id)
    )


def _plain(row: Any) -> tuple[object, ...]:
    # PostgreSQL may sum into NUMERIC: counts are whole numbers in every database
    return tuple(int(v) if isinstance(v, Decimal) else v for v in row)


EXPORTS: dict[str, Export] = {
    "placements": Export(
        columns=(
            "placement_id", "reference", "settlement_id", "settlement_name", "region", "status",
            "persons", "children", "medical", "placed_at_utc", "expected_arrival",
        ),
        query=_placements,
        cells=tuple,
    ),
    "loads": Export(
        columns=(
            "settlement_id", "settlement_name", "region", "kind", "open", "capacity_source",
            "cap_persons", "cap_children", "cap_medical",
            "load_persons", "load_children", "load_medical",
            "free_persons", "free_children", "free_medical",
        ),
        query=_loads,
        cells=_load_cells,
    ),
    "arrivals": Export(
        columns=(
            "day", "settlement_id", "settlement_name", "region",
            "households", "persons", "children", "medical",
            "arrived_households", "arrived_persons", "expected_households", "expected_persons",
            "no_show_households", "no_show_persons",
        ),
        query=_arrivals,
        cells=_plain,
    ),
}  # fmt: skip


def export_rows(db_session: Session, what: str) -> Iterator[tuple[object, ...]]:
    """The rows of export `what`, fetched from the database a batch at a time."""
    export = EXPORTS[what]
    result = db_session.execute(export.query().execution_options(yield_per=BATCH))
    for row in result:
        yield export.cells(row)


def record_export(*, db_session: Session, what: str, file_format: str, actor: Actor) -> None:
    """Who took which export, when: in the audit log."""
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="data.export", object_type="export", object_id=what,
        after={"format": file_format},
    )  # fmt: skip
