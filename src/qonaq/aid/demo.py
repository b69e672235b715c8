"""Demo help around Oral: a verified volunteer of an organisation, offers and requests, made
through the same service functions the pages and the API call."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qonaq.aid.models import AidOffer, VolunteerStatus
from qonaq.aid.schemas import OfferCreate, RequestCreate, VolunteerCreate
from qonaq.aid.service import (
    commit,
    create_offer,
    create_request,
    decide_volunteer,
    fulfil,
    register_volunteer,
)
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import actor_of
from qonaq.db.base import utc_now

ORAL, AKSAI, SYRYM = "608668", "610613", "syrym"
OFFERS = (
    {"kind": "shelter", "quantity": 6, "unit": "beds", "settlement_id": ORAL, "radius_km": 30,
     "conditions": "women and children only"},
    {"kind": "food", "quantity": 40, "unit": "meals a day", "settlement_id": ORAL,
     "radius_km": 60},
    {"kind": "sim_card", "quantity": 25, "unit": "SIM cards", "settlement_id": ORAL,
     "radius_km": 150},
    {"kind": "transport", "quantity": 8, "unit": "seats", "settlement_id": AKSAI,
     "radius_km": 200, "conditions": "Aksai to Oral, mornings"},
    {"kind": "legal", "quantity": 10, "unit": "consultations", "settlement_id": ORAL,
     "radius_km": 500},
)  # fmt: skip
REQUESTS = (
    {"kind": "shelter", "urgency": "today", "people": 3, "hub_id": SYRYM, "first_name": "Анна",
     "contact": "+7 705 000 0001"},
    {"kind": "food", "urgency": "today", "people": 5, "settlement_id": ORAL,
     "first_name": "Дмитрий", "contact": "@dmitry_demo"},
    {"kind": "sim_card", "urgency": "days", "people": 2, "settlement_id": ORAL,
     "first_name": "Олег", "contact": "+7 705 000 0003"},
    {"kind": "legal", "urgency": "week", "people": 1, "settlement_id": AKSAI,
     "first_name": "Мария", "contact": "maria@example.org", "details": "residence permit"},
    {"kind": "medical", "urgency": "days", "people": 1, "settlement_id": ORAL,
     "first_name": "Игорь", "contact": "+7 705 000 0005"},
)  # fmt: skip


def seed_demo_aid(*, db_session: Session, volunteer: User, actor: Actor) -> int:
    """Verify `volunteer` in Oral, post their offers and some requests; one request is met.

    Returns how many requests were made (none when the volunteer has offers already).
    """
    if db_session.scalars(select(AidOffer.id).where(AidOffer.user_id == volunteer.id)).first():
        return 0
    register_volunteer(
        db_session=db_session, user=volunteer, actor=actor_of(volunteer),
        data=VolunteerCreate.model_validate({
            "full_name": "Demo Volunteer", "settlement_id": ORAL, "radius_km": 300,
            "skills": ["shelter", "food", "sim_card", "transport"],
        }),
    )  # fmt: skip
    decide_volunteer(
        db_session=db_session, user_id=volunteer.id, status=VolunteerStatus.VERIFIED, actor=actor
    )
    volunteer_actor = actor_of(volunteer)
    offers = [
        create_offer(
            db_session=db_session,
            data=OfferCreate.model_validate(values),
            user=volunteer,
            actor=volunteer_actor,
        )
        for values in OFFERS
    ]
    requests = [
        create_request(
            db_session=db_session,
            actor=Actor("public", role="public"),
            data=RequestCreate.model_validate({**values, "consent": True, "language": "ru"}),
            now=utc_now() - timedelta(hours=8 - n),
        )
        for n, values in enumerate(REQUESTS)
    ]
    # the SIM cards were handed out: a fulfilled request, so the overview shows a time
    promise = commit(
        db_session=db_session, request_id=requests[2].id, offer_id=offers[2].id, quantity=2,
        user=volunteer, actor=volunteer_actor,
    )  # fmt: skip
    fulfil(
        db_session=db_session, commitment_id=promise.id, delivered=None, user=volunteer,
        actor=volunteer_actor,
    )  # fmt: skip
    return len(requests)
