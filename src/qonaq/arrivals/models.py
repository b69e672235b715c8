"""Pre-registrations: a household's self-declared data, waiting for a registrar to check it."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qonaq.db.base import Base, UtcDateTime, utc_now
from qonaq.db.crypto import Sealed


class Preregistration(Base):
    """What a household declared online; nothing is placed until a desk completes it."""

    __tablename__ = "preregistrations"
    __table_args__ = (CheckConstraint("status IN ('waiting','completed')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # keyed digest of the code the household holds: the stored row does not reveal it
    code_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="waiting", index=True)
    # the declared household (HouseholdCreate as JSON), encrypted; NULL once completed
    declared: Mapped[str | None] = mapped_column(Sealed(), nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id"), unique=True, nullable=True
    )
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class PreregistrationDocument(Base):
    """A declared member's document as the desk's search finds it: its keyed digest only."""

    __tablename__ = "preregistration_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    preregistration_id: Mapped[int] = mapped_column(
        ForeignKey("preregistrations.id", ondelete="CASCADE"), index=True
    )
    citizenship: Mapped[str] = mapped_column(String(3))
    document_type: Mapped[str] = mapped_column(String(20))
    # not unique: a household may pre-register twice before it comes; the desk deduplicates
    document_key: Mapped[str] = mapped_column(String(64), index=True)
