"""Tables of departures: the vehicle, its stops and the households on board or waiting."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from qonaq.db.base import Base, UtcDateTime, utc_now


class DepartureStatus(StrEnum):
    """planned → approved → boarded → arrived; planned or approved → cancelled."""

    PLANNED = "planned"
    APPROVED = "approved"
    BOARDED = "boarded"
    ARRIVED = "arrived"
    CANCELLED = "cancelled"


class SeatStatus(StrEnum):
    """A confirmed placement's journey: on a departure, waiting for one, or no longer needed."""

    ASSIGNED = "assigned"
    WAITING = "waiting"
    RELEASED = "released"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({','.join(repr(v.value) for v in values)})"


ACTIVE_SEAT = "status IN ('assigned','waiting')"


class Departure(Base):
    """One vehicle leaving one boarding point at one time, its seats never over-filled."""

    __tablename__ = "departures"
    __table_args__ = (
        CheckConstraint(_in("status", DepartureStatus), name="status"),
        CheckConstraint("seats >= 1 AND seats_taken >= 0 AND seats_taken <= seats", name="seats"),
        CheckConstraint("cost >= 0 AND km >= 0", name="cost"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # a hub id or a settlement id: where the households board
    boarding_point: Mapped[str] = mapped_column(String(64), index=True)
    vehicle: Mapped[str] = mapped_column(String(32))
    seats: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    departs_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    km: Mapped[float] = mapped_column(Float)
    cost: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=DepartureStatus.PLANNED, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class DepartureStop(Base):
    """Where a departure lets households off, in driving order."""

    __tablename__ = "departure_stops"

    departure_id: Mapped[int] = mapped_column(
        ForeignKey("departures.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    settlement_id: Mapped[str] = mapped_column(ForeignKey("settlements.id"), index=True)
    km: Mapped[float] = mapped_column(Float)
    arrives_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class DepartureHousehold(Base):
    """A confirmed placement's seat on a departure, or its place in the waiting list (with why)."""

    __tablename__ = "departure_households"
    __table_args__ = (
        CheckConstraint(_in("status", SeatStatus), name="status"),
        CheckConstraint(
            "(status = 'assigned' AND departure_id IS NOT NULL)"
            " OR (status = 'waiting' AND departure_id IS NULL AND reason IS NOT NULL)"
            " OR status = 'released'",
            name="assigned_or_waiting",
        ),
        # one placement, one journey: the database refuses a second active seat
        Index(
            "uq_departure_households_active_placement", "placement_id", unique=True,
            sqlite_where=text(ACTIVE_SEAT), postgresql_where=text(ACTIVE_SEAT),
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    departure_id: Mapped[int | None] = mapped_column(
        ForeignKey("departures.id"), nullable=True, index=True
    )
    settlement_id: Mapped[str] = mapped_column(ForeignKey("settlements.id"))
    persons: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=SeatStatus.ASSIGNED, index=True)
    # why a household waits (a catalog msgid)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
