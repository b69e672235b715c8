"""A row read as columns into a detached instance holds what the ORM would have loaded,
personal data decrypted, and stays out of the session."""

from sqlalchemy import Engine, inspect, select

from qonaq.auth.actor import Actor
from qonaq.db.reads import read_detached
from qonaq.db.session import transaction
from qonaq.registry.models import Person
from qonaq.registry.service import register_household
from tests.registry.factories import household, seed_tiny_country


def _columns(person: Person) -> dict[str, object]:
    return {prop.key: getattr(person, prop.key) for prop in inspect(Person).column_attrs}


def test_a_row_read_detached_equals_the_orm_load(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    with transaction(migrated_engine) as db_session:
        registered = register_household(
            db_session=db_session, data=household(2), actor=Actor("desk")
        )
    with transaction(migrated_engine, writes=False) as db_session:
        person_id = db_session.scalars(
            select(Person.id).where(Person.household_id == registered.id).limit(1)
        ).one()
        loaded = db_session.get(Person, person_id)
        assert loaded is not None
        expected = _columns(loaded)
        db_session.expunge_all()
        read = read_detached(db_session, Person, person_id)
        assert read is not None
        assert _columns(read) == expected
        assert read.document_number == expected["document_number"]  # decrypted, not sealed
        assert inspect(read).detached
        assert read not in db_session
        assert read_detached(db_session, Person, 2_000_000_000) is None
