"""Tables of requests for help, offers of help, the commitments between them, and volunteers."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qonaq.db.base import Base, UtcDateTime, utc_now
from qonaq.db.crypto import Sealed


class AidKind(StrEnum):
    """What is needed or offered."""

    SHELTER = "shelter"
    FOOD = "food"
    CLOTHES = "clothes"
    SIM_CARD = "sim_card"
    MONEY_TRANSFER = "money_transfer"
    LEGAL = "legal"
    MEDICAL = "medical"
    CHILDCARE = "childcare"
    TRANSLATION = "translation"
    TRANSPORT = "transport"
    OTHER = "other"


class Urgency(StrEnum):
    """How soon a request must be met, most urgent first."""

    TODAY = "today"
    DAYS = "days"
    WEEK = "week"


class RequestStatus(StrEnum):
    """open (quantity left to cover) → committed (all covered) → fulfilled; or closed unmet."""

    OPEN = "open"
    COMMITTED = "committed"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class OfferStatus(StrEnum):
    """An offer takes commitments while active."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class CommitmentStatus(StrEnum):
    """A quantity of one offer promised to one request, until delivered or called off."""

    COMMITTED = "committed"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class VolunteerStatus(StrEnum):
    """Only a verified volunteer sees requests; a coordinator verifies or suspends."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    SUSPENDED = "suspended"


def one_of(column: str, values: type[StrEnum]) -> str:
    """The CHECK clause admitting exactly the values of `values`."""
    return f"{column} IN ({','.join(repr(str(v)) for v in values)})"


class AidRequest(Base):
    """Someone needs help: what, for how many, where, how urgently, and how to reach them.

    `committed` is the quantity promised and not yet delivered, `fulfilled` what was
    delivered; the database keeps their sum within the quantity asked for.
    """

    __tablename__ = "aid_requests"
    __table_args__ = (
        CheckConstraint(one_of("kind", AidKind), name="kind"),
        CheckConstraint(one_of("urgency", Urgency), name="urgency"),
        CheckConstraint(one_of("status", RequestStatus), name="status"),
        CheckConstraint("people >= 1 AND quantity >= 1", name="counts"),
        CheckConstraint(
            "committed >= 0 AND fulfilled >= 0 AND committed + fulfilled <= quantity",
            name="covered",
        ),
        CheckConstraint("(settlement_id IS NULL) <> (hub_id IS NULL)", name="one_place"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    urgency: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    people: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    committed: Mapped[int] = mapped_column(Integer, default=0)
    fulfilled: Mapped[int] = mapped_column(Integer, default=0)
    settlement_id: Mapped[str | None] = mapped_column(
        ForeignKey("settlements.id"), nullable=True, index=True
    )
    hub_id: Mapped[str | None] = mapped_column(ForeignKey("hubs.id"), nullable=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # personal data, encrypted at rest; shown only to whoever helps, and every view audited
    first_name: Mapped[str] = mapped_column(Sealed())
    contact: Mapped[str] = mapped_column(Sealed())
    details: Mapped[str | None] = mapped_column(Sealed(), nullable=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id"), nullable=True, index=True
    )
    language: Mapped[str] = mapped_column(String(2), default="ru")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # when the retention erased the name, contact and details of this closed request
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AidOffer(Base):
    """What a volunteer, an organisation or a host can give: so much, there, for that long.

    `remaining` is what is not yet promised; the database never lets it go below zero.
    """

    __tablename__ = "aid_offers"
    __table_args__ = (
        CheckConstraint(one_of("kind", AidKind), name="kind"),
        CheckConstraint(one_of("status", OfferStatus), name="status"),
        CheckConstraint("quantity >= 1", name="quantity"),
        CheckConstraint("remaining >= 0 AND remaining <= quantity", name="remaining"),
        CheckConstraint("radius_km >= 0", name="radius"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    # what one of the quantity is: "beds", "meals a day", "SIM cards"
    unit: Mapped[str] = mapped_column(String(40), default="")
    settlement_id: Mapped[str] = mapped_column(ForeignKey("settlements.id"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_km: Mapped[float] = mapped_column(Float)
    available_from: Mapped[datetime] = mapped_column(UtcDateTime())
    available_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    conditions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class AidCommitment(Base):
    """A quantity of one offer promised to one request by one user, who marks it delivered."""

    __tablename__ = "aid_commitments"
    __table_args__ = (
        CheckConstraint(one_of("status", CommitmentStatus), name="status"),
        CheckConstraint(
            "quantity >= 1 AND fulfilled >= 0 AND fulfilled <= quantity", name="counts"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("aid_requests.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("aid_offers.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="committed", index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    fulfilled: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Volunteer(Base):
    """A volunteer's profile: area, skills, phone, and whether a coordinator verified them."""

    __tablename__ = "volunteers"
    __table_args__ = (
        CheckConstraint(one_of("status", VolunteerStatus), name="status"),
        CheckConstraint("radius_km >= 0", name="radius"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    full_name: Mapped[str] = mapped_column(Sealed())
    phone: Mapped[str | None] = mapped_column(Sealed(), nullable=True)
    settlement_id: Mapped[str] = mapped_column(ForeignKey("settlements.id"))
    radius_km: Mapped[float] = mapped_column(Float, default=50.0)
    # kinds of help they can give, comma-separated AidKind values
    skills: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="unverified", index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class AskThrottle(Base):
    """How many requests for help one client address sent in its current window."""

    __tablename__ = "aid_ask_throttles"

    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    asks: Mapped[int] = mapped_column(Integer, default=0)
