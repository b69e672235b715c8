"""The users table: who may do what, and where."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qonaq.db.base import Base, UtcDateTime, utc_now

ROLES: tuple[str, ...] = ("admin", "coordinator", "registrar", "host", "volunteer")


class User(Base):
    """A person who signs in: a registrar, an akimat host, a coordinator, a volunteer, an admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin','coordinator','registrar','host','volunteer')", name="role"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12))
    # a host acts for one settlement's akimat
    settlement_id: Mapped[str | None] = mapped_column(ForeignKey("settlements.id"), nullable=True)
    language: Mapped[str] = mapped_column(String(2), default="ru")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
