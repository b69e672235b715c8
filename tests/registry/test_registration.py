"""Registering households: validation, deduplication, placement and arrival, on both databases."""

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, func, select

from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.errors import Conflict, Forbidden, Invalid, NotFound
from qonaq.registry.models import Household, Person, Placement
from qonaq.registry.service import (
    CapacityExhausted,
    DuplicateRegistration,
    confirm_placement,
    record_arrival,
    register_household,
)
from qonaq.settlements.models import Settlement
from tests.registry.factories import household, person, seed_tiny_country

DESK = Actor(label="desk-1", role="registrar")


@pytest.fixture
def country(migrated_engine: Engine) -> Engine:
    seed_tiny_country(migrated_engine)
    return migrated_engine


def _register(engine: Engine, **kwargs: object) -> Household:
    with transaction(engine) as db_session:
        return register_household(db_session=db_session, data=household(**kwargs), actor=DESK)  # type: ignore[arg-type]


def test_register_counts_children_and_medical_and_audits(country: Engine) -> None:
    child = person(birth_date=date.today() - timedelta(days=365 * 7), full_name="Masha")
    ill = person(needs_medical=True)
    with transaction(country) as db_session:
        created = register_household(
            db_session=db_session,
            data=household(members=[person(), child, ill], preferences=["aksai"]),
            actor=DESK,
        )
        assert (created.size, created.children, created.medical) == (3, 1, 1)
        event = db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "household.register")
        ).one()
        assert event.actor_label == "desk-1"
        # the audit log keeps counts, never names or documents
        assert "Masha" not in str(event.after) and "75 " not in str(event.after)


def test_same_document_is_refused_with_the_existing_household(country: Engine) -> None:
    first = person()
    with transaction(country) as db_session:
        existing = register_household(
            db_session=db_session, data=household(members=[first]), actor=DESK
        )
    again = person(document_number=first.document_number.replace(" ", ""), full_name="Other Name")
    with pytest.raises(DuplicateRegistration) as caught, transaction(country) as db_session:
        register_household(db_session=db_session, data=household(members=[again]), actor=DESK)
    assert caught.value.reference == existing.reference
    with transaction(country) as db_session:
        assert db_session.scalar(select(func.count()).select_from(Person)) == 1


def test_same_iin_is_refused(country: Engine) -> None:
    _register(country, members=[person(iin="900517300019")])
    with pytest.raises(DuplicateRegistration):
        _register(country, members=[person(iin="900517300019")])


@pytest.mark.parametrize(
    "bad",
    [
        {"members": []},
        {"members": [{"full_name": "X"}]},
        {"origin_hub_id": None},
        {"preferences": ["a", "a"]},
        {"preferences": ["a", "b", "c", "d"]},
    ],
)
def test_invalid_households_are_refused_before_the_database(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        household(**bad)


@pytest.mark.parametrize(
    "bad",
    [
        # two days ahead (UTC, as the check): still the future if the run crosses midnight
        {"birth_date": datetime.now(UTC).date() + timedelta(days=2)},
        {"iin": "900517300018"},
        {"iin": "900517300019", "birth_date": date(1991, 5, 17)},
        {"citizenship": "Russia"},
        {"full_name": "x" * 1_000_000},
        {"sex": "Q"},
    ],
)
def test_invalid_members_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        person(**bad)


def test_unknown_hub_and_unknown_preference(country: Engine) -> None:
    with pytest.raises(NotFound):
        _register(country, origin_hub_id="nowhere")
    with pytest.raises(NotFound):
        _register(country, preferences=["atlantis"])


def test_confirm_reserves_every_dimension_and_refuses_when_full(country: Engine) -> None:
    family = _register(
        country, size=4, members=[person(), person(), person(needs_medical=True), person()]
    )
    with transaction(country) as db_session:
        placement = confirm_placement(
            db_session=db_session, household_id=family.id, settlement_id="small",
            actor=DESK, recommended=["small"], override_reason=None,
        )  # fmt: skip
        assert placement.recommendation_rank == 1 and placement.expected_arrival is not None
    with transaction(country) as db_session:
        small = db_session.get(Settlement, "small")
        assert small is not None and (small.load_persons, small.load_medical) == (4, 1)
    with pytest.raises(Conflict), transaction(country) as db_session:
        confirm_placement(
            db_session=db_session, household_id=family.id, settlement_id="small",
            actor=DESK, recommended=["small"], override_reason=None,
        )  # fmt: skip
    big = _register(country, size=7)
    with pytest.raises(CapacityExhausted), transaction(country) as db_session:
        confirm_placement(
            db_session=db_session, household_id=big.id, settlement_id="small",
            actor=DESK, recommended=["small"], override_reason=None,
        )  # fmt: skip
    with transaction(country) as db_session:
        refreshed = db_session.get(Household, big.id)
        assert refreshed is not None and refreshed.status == "pending"


def test_override_needs_a_reason_and_records_it(country: Engine) -> None:
    family = _register(country)
    with pytest.raises(Invalid, match="reason"), transaction(country) as db_session:
        confirm_placement(
            db_session=db_session, household_id=family.id, settlement_id="aksai",
            actor=DESK, recommended=["oral"], override_reason="",
        )  # fmt: skip
    with transaction(country) as db_session:
        placement = confirm_placement(
            db_session=db_session, household_id=family.id, settlement_id="aksai",
            actor=DESK, recommended=["oral"], override_reason="relatives live in Aksai",
        )  # fmt: skip
        event = db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "placement.override")
        ).one()
        assert event.reason == "relatives live in Aksai" and placement.recommendation_rank is None


def test_host_confirms_arrival_or_no_show_frees_capacity(country: Engine) -> None:
    family = _register(country, size=2)
    with transaction(country) as db_session:
        placement = confirm_placement(
            db_session=db_session, household_id=family.id, settlement_id="aksai",
            actor=DESK, recommended=["aksai"], override_reason=None,
        )  # fmt: skip
    other_host = Actor(label="host-oral", role="host", settlement_id="oral")
    with pytest.raises(Forbidden), transaction(country) as db_session:
        record_arrival(
            db_session=db_session, placement_id=placement.id, arrived=True, actor=other_host
        )
    host = Actor(label="host-aksai", role="host", settlement_id="aksai")
    with transaction(country) as db_session:
        record_arrival(db_session=db_session, placement_id=placement.id, arrived=False, actor=host)
        aksai = db_session.get(Settlement, "aksai")
        assert aksai is not None and aksai.load_persons == 0
        stored = db_session.get(Placement, placement.id)
        assert stored is not None and stored.status == "no_show"
