"""The database as the placement engine reads it: settlements, vacancies and households as
engine records, the pending households' problem, and a plan's load changes read back."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.model import HouseholdRecord, PlacementProblem, VacancyRecord, build_problem
from qonaq.placement.plan import PlacementPlan
from qonaq.placement.policy import Policy
from qonaq.registry.models import Household
from qonaq.registry.schemas import LoadChangeRead
from qonaq.registry.service import household_occupations, household_preferences, occupations_of
from qonaq.settlements.models import Region, Settlement, Vacancy

RECORD_FIELDS = (
    "id", "name", "name_ru", "name_kk", "region_id", "lat", "lon", "population", "kind", "open",
    "cap_persons", "cap_children", "cap_medical", "load_persons", "load_children",
    "load_medical", "capacity_source",
)  # fmt: skip


def settlement_records(*, db_session: Session) -> list[SettlementRecord]:
    """Every settlement with its current capacity and load, as the placement engine reads them."""
    rows = db_session.execute(
        select(Settlement, Region.name).join(Region).order_by(Settlement.id)
    ).all()
    return [
        SettlementRecord.model_validate(
            {**{c: getattr(s, c) for c in RECORD_FIELDS}, "region": region}
        )
        for s, region in rows
    ]


def vacancy_records(*, db_session: Session) -> list[VacancyRecord]:
    """Every settlement's open jobs per occupation group."""
    return [
        VacancyRecord(settlement_id=v.settlement_id, occupation=v.occupation, vacancies=v.vacancies)
        for v in db_session.scalars(select(Vacancy))
    ]


def household_record(
    *, db_session: Session, household: Household, occupations: tuple[str, ...] | None = None
) -> HouseholdRecord:
    """A registered household as the placement engine reads it."""
    if occupations is None:
        occupations = household_occupations(db_session=db_session, household=household)
    return HouseholdRecord(
        id=str(household.id),
        size=household.size,
        children=household.children,
        medical=household.medical,
        origin_lat=household.origin_lat,
        origin_lon=household.origin_lon,
        occupations=occupations,
        preferences=tuple(household_preferences(household)),
    )


def pending_households(*, db_session: Session, limit: int | None = None) -> list[Household]:
    """Registered households that have no placement yet, oldest first (at most `limit`)."""
    query = select(Household).where(Household.status == "pending").order_by(Household.id)
    return list(db_session.scalars(query.limit(limit)))


def pending_problem(
    *, db_session: Session, policy: Policy, limit: int | None = None
) -> tuple[PlacementProblem, list[Household]]:
    """The placement problem of the pending households against the current loads."""
    households = pending_households(db_session=db_session, limit=limit)
    # members' occupations in bulk: one query per thousand households, not one per household
    groups = occupations_of(db_session=db_session, household_ids=[h.id for h in households])
    records = [
        household_record(db_session=db_session, household=h, occupations=groups.get(h.id, ()))
        for h in households
    ]
    problem = build_problem(
        settlement_records(db_session=db_session), records,
        vacancy_records(db_session=db_session), policy,
    )  # fmt: skip
    return problem, households


def load_changes(plan: PlacementPlan, records: list[SettlementRecord]) -> list[LoadChangeRead]:
    """Settlements whose persons load the plan changes, biggest change first."""
    added: dict[int, int] = {}
    for h, where in enumerate(plan.assignment.tolist()):
        if where >= 0:
            added[where] = added.get(where, 0) + int(plan.problem.demand[h, 0])
    by_id = {r.id: r for r in records}
    changes = []
    for s, persons in added.items():
        record = by_id[plan.problem.settlement_ids[s]]
        changes.append(
            LoadChangeRead(
                settlement_id=record.id, name=record.name, region=record.region,
                capacity=record.cap_persons, before=record.load_persons,
                after=record.load_persons + persons,
            )
        )  # fmt: skip
    return sorted(changes, key=lambda c: c.after - c.before, reverse=True)
