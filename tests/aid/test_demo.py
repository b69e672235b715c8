"""`make demo`'s help data: made through the services, so every help page has something."""

from sqlalchemy import Engine, func, select

from qonaq.aid.demo import seed_demo_aid
from qonaq.aid.models import AidOffer, AidRequest
from qonaq.aid.service import overview, requests_near
from qonaq.arrivals.demo import DEMO_PREREGISTRATIONS, seed_demo_preregistrations
from qonaq.arrivals.models import Preregistration
from qonaq.arrivals.service import find_preregistrations
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.db.session import transaction
from qonaq.demo import first_wave
from qonaq.registry.models import Person
from qonaq.registry.schemas import HouseholdCreate
from qonaq.settlements.seed import seed_kz


def test_the_demo_seeds_a_verified_volunteer_offers_and_requests(sqlite_engine: Engine) -> None:
    with transaction(sqlite_engine) as db_session:
        seed_kz(db_session=db_session)
        volunteer = User(username="volunteer-oral", password_hash="-", role="volunteer")
        db_session.add(volunteer)
        db_session.flush()
        assert seed_demo_aid(db_session=db_session, volunteer=volunteer, actor=Actor("demo")) == 5
        assert seed_demo_aid(db_session=db_session, volunteer=volunteer, actor=Actor("demo")) == 0
        assert db_session.scalar(select(func.count()).select_from(AidOffer)) == 5
        statuses = db_session.scalars(select(AidRequest.status).order_by(AidRequest.id)).all()
        assert statuses == ["open", "open", "fulfilled", "open", "open"]
        assert len(requests_near(db_session=db_session, user=volunteer)) == 4
        figures = overview(db_session=db_session)
        assert figures.fulfilled == 1 and figures.hours_to_fulfil_median is not None
        assert 5.9 < figures.hours_to_fulfil_median < 6.1
        # waiting over QONAQ_AID_UNMATCHED_HOURS (6) with nobody on them
        assert len(figures.unmatched) == 2


def test_the_demo_leaves_waiting_preregistrations_findable_by_their_codes(
    sqlite_engine: Engine,
) -> None:
    with transaction(sqlite_engine) as db_session:
        seed_kz(db_session=db_session)
        registered = first_wave(db_session, 30)
        codes = seed_demo_preregistrations(db_session=db_session, after=30)
        assert len(codes) == DEMO_PREREGISTRATIONS == 5 and len(set(codes)) == 5
        # once: the codes are stored as digests and cannot be shown again
        assert seed_demo_preregistrations(db_session=db_session, after=30) == []
    assert registered == 30
    with transaction(sqlite_engine, writes=False) as db_session:
        for code in codes:
            found = find_preregistrations(db_session=db_session, terms=code.lower())
            assert [(m.status, m.household_id) for m in found] == [("waiting", None)]
        # drawn after the registered wave: no document a desk would refuse as a duplicate
        declared = [
            HouseholdCreate.model_validate_json(row.declared)
            for row in db_session.scalars(select(Preregistration))
        ]
        numbers = {m.document_number for h in declared for m in h.members}
        taken = set(db_session.scalars(select(Person.document_number)))
        assert numbers and not numbers & taken
