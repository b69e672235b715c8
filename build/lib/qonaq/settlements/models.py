"""Tables of the places households come from and go to."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qonaq.db.base import Base, UtcDateTime

DIMENSIONS: tuple[str, ...] = ("persons", "children", "medical")


class Region(Base):
    """A first-level region (oblys) or a city of republican status."""

    __tablename__ = "regions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200), default="")
    name_kk: Mapped[str] = mapped_column(String(200), default="")


class Settlement(Base):
    """A city, town or village with its declared (or estimated) capacity and its current load."""

    __tablename__ = "settlements"
    __table_args__ = (
        CheckConstraint(
            "cap_persons >= 0 AND cap_children >= 0 AND cap_medical >= 0", name="capacity_nonneg"
        ),
        CheckConstraint(
            "load_persons >= 0 AND load_children >= 0 AND load_medical >= 0", name="load_nonneg"
        ),
        CheckConstraint(
            "kind IN ('republic_city','regional_centre','town','village')", name="kind"
        ),
        CheckConstraint("capacity_source IN ('estimate','declared')", name="capacity_source"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_ru: Mapped[str] = mapped_column(String(200), default="")
    name_kk: Mapped[str] = mapped_column(String(200), default="")
    region_id: Mapped[str] = mapped_column(ForeignKey("regions.id"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    population: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    open: Mapped[bool] = mapped_column(default=True)
    cap_persons: Mapped[int] = mapped_column(Integer)
    cap_children: Mapped[int] = mapped_column(Integer)
    cap_medical: Mapped[int] = mapped_column(Integer)
    load_persons: Mapped[int] = mapped_column(Integer, default=0)
    load_children: Mapped[int] = mapped_column(Integer, default=0)
    load_medical: Mapped[int] = mapped_column(Integer, default=0)
    capacity_source: Mapped[str] = mapped_column(String(10), default="estimate")
    capacity_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Hub(Base):
    """An entry point (road border crossing, airport) where households start their journey."""

    __tablename__ = "hubs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200), default="")
    name_kk: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[str] = mapped_column(ForeignKey("regions.id"))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Vacancy(Base):
    """Open jobs of one occupation group in one settlement."""

    __tablename__ = "vacancies"
    __table_args__ = (CheckConstraint("vacancies >= 0", name="vacancies_nonneg"),)

    settlement_id: Mapped[str] = mapped_column(ForeignKey("settlements.id"), primary_key=True)
    occupation: Mapped[str] = mapped_column(String(64), primary_key=True)
    vacancies: Mapped[int] = mapped_column(Integer)
