"""Tables of registered households, their members and their placements."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from qonaq.db.base import Base, UtcDateTime, utc_now
from qonaq.db.crypto import Sealed


class Household(Base):
    """People placed together: a family or people travelling together who must not be split."""

    __tablename__ = "households"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending','placed','arrived','no_show','withdrawn')", name="status"
        ),
        CheckConstraint("size >= 1 AND children >= 0 AND medical >= 0", name="counts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the public reference printed on the placement letter; reveals nothing about the people
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    size: Mapped[int] = mapped_column(Integer)
    children: Mapped[int] = mapped_column(Integer, default=0)
    medical: Mapped[int] = mapped_column(Integer, default=0)
    origin_hub_id: Mapped[str | None] = mapped_column(ForeignKey("hubs.id"), nullable=True)
    origin_settlement_id: Mapped[str | None] = mapped_column(
        ForeignKey("settlements.id"), nullable=True
    )
    origin_lat: Mapped[float] = mapped_column(Float)
    origin_lon: Mapped[float] = mapped_column(Float)
    preference_1: Mapped[str | None] = mapped_column(ForeignKey("settlements.id"), nullable=True)
    preference_2: Mapped[str | None] = mapped_column(ForeignKey("settlements.id"), nullable=True)
    preference_3: Mapped[str | None] = mapped_column(ForeignKey("settlements.id"), nullable=True)
    language: Mapped[str] = mapped_column(String(2), default="ru")
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Person(Base):
    """A member of a household: the minimum a placement and a letter need."""

    __tablename__ = "persons"
    __table_args__ = (
        CheckConstraint("sex IN ('F','M','X')", name="sex"),
        # a member is identified by a document until erased
        CheckConstraint(
            "erased_at IS NOT NULL OR (document_key IS NOT NULL AND document_number IS NOT NULL)",
            name="identified",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    full_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    citizenship: Mapped[str] = mapped_column(String(3))
    document_type: Mapped[str] = mapped_column(String(20))
    # keyed digests of the document (per citizenship and type) and of the IIN: unique, since
    # one person must never count twice, and they reveal neither number
    document_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    iin_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    # encrypted at rest; NULL once erased
    document_number: Mapped[str | None] = mapped_column(Sealed(), nullable=True)
    iin: Mapped[str | None] = mapped_column(Sealed(), nullable=True)
    phone: Mapped[str | None] = mapped_column(Sealed(), nullable=True)
    # what the desk's search compares: the phone's keyed digest (a family may share one) and
    # the name case-folded (`identity.folded_name`); NULL once erased
    phone_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    name_folded: Mapped[str | None] = mapped_column(String(200), nullable=True)
    languages: Mapped[str] = mapped_column(String(40), default="")
    occupation: Mapped[str | None] = mapped_column(String(64), nullable=True)
    needs_medical: Mapped[bool] = mapped_column(default=False)
    disability: Mapped[bool] = mapped_column(default=False)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


# placements that hold their settlement's capacity
ACTIVE_STATUSES = ("reserved", "arrived")
ACTIVE_PLACEMENT = "status IN ('reserved','arrived')"


class Placement(Base):
    """A household's place in a settlement, holding that settlement's capacity while active."""

    __tablename__ = "placements"
    __table_args__ = (
        CheckConstraint("status IN ('reserved','arrived','no_show','cancelled')", name="status"),
        # one household, one place: the database refuses a second active placement
        Index(
            "uq_placements_active_household", "household_id", unique=True,
            sqlite_where=text(ACTIVE_PLACEMENT), postgresql_where=text(ACTIVE_PLACEMENT),
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    settlement_id: Mapped[str] = mapped_column(ForeignKey("settlements.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="reserved", index=True)
    persons: Mapped[int] = mapped_column(Integer)
    children: Mapped[int] = mapped_column(Integer)
    medical: Mapped[int] = mapped_column(Integer)
    recommendation_rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    expected_arrival: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Plan(Base):
    """A batch plan of the pending households as previewed, then applied exactly as it was.

    Applying re-checks each household (still pending?) and each settlement (still room?),
    so a plan previewed before desks confirmed some of its households never places them twice.
    """

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("status IN ('previewed','applied','superseded')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="previewed", index=True)
    households: Mapped[int] = mapped_column(Integer)
    placed_households: Mapped[int] = mapped_column(Integer)
    objective: Mapped[float] = mapped_column(Float)
    lower_bound: Mapped[float] = mapped_column(Float)
    gap: Mapped[float] = mapped_column(Float)
    # the objective's terms and the plan's prices per settlement, as JSON
    parts: Mapped[str] = mapped_column(Text)
    prices: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    applied_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    applied_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # what applying did: households placed, and those skipped (placed meanwhile, or no room)
    applied_households: Mapped[int | None] = mapped_column(Integer, nullable=True)
    skipped_households: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PlanAssignment(Base):
    """One household's settlement in a plan."""

    __tablename__ = "plan_assignments"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    settlement_id: Mapped[str] = mapped_column(ForeignKey("settlements.id"))
