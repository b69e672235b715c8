"""Builders of requests for help, offers and verified volunteers, for aid tests."""

from typing import Any

from sqlalchemy import Engine, select

from qonaq.aid.models import VolunteerStatus
from qonaq.aid.schemas import OfferCreate, RequestCreate, VolunteerCreate
from qonaq.aid.service import create_offer, create_request, decide_volunteer, register_volunteer
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.db.session import transaction
from tests.registry.factories import seed_tiny_country

ROLES = ("coordinator", "registrar", "host", "volunteer")


def seed_aid_world(engine: Engine) -> None:
    """The tiny country and one user per role, without password hashing (service tests only:
    nobody signs in)."""
    seed_tiny_country(engine)
    with transaction(engine) as db_session:
        for role in ROLES:
            db_session.add(
                User(
                    username=role, password_hash="-", role=role, language="en",
                    settlement_id="small" if role == "host" else None,
                )
            )  # fmt: skip


def ask(**overrides: Any) -> RequestCreate:
    """A valid request: food for 3 in Oral."""
    values: dict[str, Any] = {
        "kind": "food", "people": 3, "settlement_id": "oral", "first_name": "Aigerim",
        "contact": "+7 701 555 0101", "consent": True,
    }  # fmt: skip
    values.update(overrides)
    return RequestCreate.model_validate(values)


def offering(**overrides: Any) -> OfferCreate:
    """A valid offer: 10 meals in Aksai, within 200 km."""
    values: dict[str, Any] = {
        "kind": "food", "quantity": 10, "unit": "meals", "settlement_id": "aksai",
        "radius_km": 200,
    }  # fmt: skip
    values.update(overrides)
    return OfferCreate.model_validate(values)


def user_named(engine: Engine, username: str) -> User:
    """The user row of `username`, detached."""
    with transaction(engine) as db_session:
        user = db_session.scalars(select(User).where(User.username == username)).one()
        db_session.expunge(user)
        return user


def verify_volunteer(engine: Engine, username: str = "volunteer", area: str = "oral") -> User:
    """Give the volunteer user a profile in `area` (200 km) and verify it."""
    user = user_named(engine, username)
    with transaction(engine) as db_session:
        register_volunteer(
            db_session=db_session, user=user, actor=Actor("test"),
            data=VolunteerCreate(full_name="Dana Volunteer", settlement_id=area, radius_km=200),
        )  # fmt: skip
        decide_volunteer(
            db_session=db_session, user_id=user.id, status=VolunteerStatus.VERIFIED,
            actor=Actor("coordinator"),
        )  # fmt: skip
    return user


def add_request(engine: Engine, **overrides: Any) -> int:
    """A request recorded as the public page would; its id."""
    with transaction(engine) as db_session:
        return create_request(db_session=db_session, data=ask(**overrides), actor=Actor("t")).id


def add_offer(engine: Engine, user: User, **overrides: Any) -> int:
    """An offer of `user`; its id."""
    with transaction(engine) as db_session:
        return create_offer(
            db_session=db_session, data=offering(**overrides), user=user, actor=Actor("t")
        ).id
