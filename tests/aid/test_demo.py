"""`make demo`'s help data: made through the services, so every help page has something."""

from sqlalchemy import Engine, func, select

from qonaq.aid.demo import seed_demo_aid
from qonaq.aid.models import AidOffer, AidRequest
from qonaq.aid.service import overview, requests_near
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.db.session import transaction
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
