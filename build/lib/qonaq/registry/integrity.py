"""The invariants of the registry, checked against the database as it is (`qonaq db check`)."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qonaq.registry.models import ACTIVE_STATUSES, Household, Person, Placement
from qonaq.settlements.models import Settlement

DIMENSIONS = (
    ("persons", "load_persons"),
    ("children", "load_children"),
    ("medical", "load_medical"),
)


def integrity_problems(*, db_session: Session) -> list[str]:
    """Every broken invariant, one line each; empty when the database is consistent."""
    return [
        *_loads_not_summing(db_session),
        *_households_placed_twice(db_session),
        *_households_without_members(db_session),
        *_statuses_disagreeing(db_session),
    ]


def _loads_not_summing(db_session: Session) -> list[str]:
    # every settlement's load is the sum of what its active placements hold
    held = {
        row.settlement_id: row
        for row in db_session.execute(
            select(
                Placement.settlement_id,
                func.sum(Placement.persons).label("persons"),
                func.sum(Placement.children).label("children"),
                func.sum(Placement.medical).label("medical"),
            )
            .where(Placement.status.in_(ACTIVE_STATUSES))
            .group_by(Placement.settlement_id)
        )
    }
    problems = []
    for settlement in db_session.scalars(select(Settlement).order_by(Settlement.id)):
        row = held.get(settlement.id)
        for dimension, column in DIMENSIONS:
            load = getattr(settlement, column)
            placed = int(getattr(row, dimension) or 0) if row is not None else 0
            if load != placed:
                problems.append(
                    f"settlement {settlement.id}: {dimension} load {load} but its active "
                    f"placements hold {placed}"
                )
    return problems


def _households_placed_twice(db_session: Session) -> list[str]:
    twice = db_session.execute(
        select(Placement.household_id, func.count())
        .where(Placement.status.in_(ACTIVE_STATUSES))
        .group_by(Placement.household_id)
        .having(func.count() > 1)
    ).all()
    return [f"household {h}: {n} active placements" for h, n in twice]


def _households_without_members(db_session: Session) -> list[str]:
    members = select(Person.id).where(Person.household_id == Household.id).exists()
    empty = db_session.scalars(select(Household.id).where(~members)).all()
    return [f"household {h}: no members" for h in empty]


def _statuses_disagreeing(db_session: Session) -> list[str]:
    # a placed or arrived household holds exactly one active placement, a pending one none
    active = (
        select(Placement.id)
        .where(Placement.household_id == Household.id, Placement.status.in_(ACTIVE_STATUSES))
        .exists()
    )
    placed_without = db_session.scalars(
        select(Household.id).where(Household.status.in_(("placed", "arrived")), ~active)
    ).all()
    pending_with = db_session.scalars(
        select(Household.id).where(Household.status == "pending", active)
    ).all()
    return [f"household {h}: placed but no active placement" for h in placed_without] + [
        f"household {h}: pending but holds a placement" for h in pending_with
    ]
