"""Demo pre-registrations: synthetic households waiting for a desk, made through the same
service the public page calls, so a demo user can find them by code at the desk."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qonaq.arrivals.models import Preregistration
from qonaq.arrivals.service import preregister
from qonaq.registry.synthetic import synthetic_households
from qonaq.settlements.models import Hub, Settlement

DEMO_PREREGISTRATIONS = 5


def seed_demo_preregistrations(
    *, db_session: Session, after: int, count: int = DEMO_PREREGISTRATIONS
) -> list[str]:
    """`count` waiting pre-registrations, once; their codes (only stored as digests, so they
    can be shown only now). `after`: how many synthetic households the demo registers, so
    these are the ones drawn after them, with documents nobody registered yet."""
    waiting = db_session.scalar(
        select(func.count()).select_from(Preregistration).where(Preregistration.status == "waiting")
    )
    if waiting:
        return []
    hubs = list(db_session.scalars(select(Hub.id).order_by(Hub.id)))
    big_cities = list(
        db_session.scalars(select(Settlement.id).where(Settlement.kind == "republic_city"))
    )
    households = synthetic_households(after + count, hubs, big_cities)[after:]
    return [preregister(db_session=db_session, data=data)[1] for data in households]
