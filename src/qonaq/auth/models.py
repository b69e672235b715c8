"""The users table: who may do what, and where."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qonaq.db.base import Base, UtcDateTime, utc_now

ROLES: tuple[str, ...] = ("admin", "coordinator", "registrar", "host", "volunteer")


class Organisation(Base):
    """A named group of volunteers (an NGO, a church, a chat group): its offers carry its name."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


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
    # a volunteer may belong to one organisation
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True
    )
    language: Mapped[str] = mapped_column(String(2), default="ru")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class AuthToken(Base):
    """A sign-in: a browser session (with its CSRF secret) or a machine's bearer API token.

    Only a hash of the token is stored, so a copy of the database signs nobody in.
    """

    __tablename__ = "auth_tokens"
    __table_args__ = (CheckConstraint("kind IN ('session','api')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SignInThrottle(Base):
    """Recent failed sign-ins of one account name or one client address, and its lock.

    Keyed by the name typed, known or not, so a lock tells nothing about which accounts exist.
    """

    __tablename__ = "sign_in_throttles"
    __table_args__ = (CheckConstraint("scope IN ('account','client')", name="scope"),)

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class PublicFormCount(Base):
    """Posts of one public form from one client in one window, counted across processes."""

    __tablename__ = "public_form_counts"

    form: Mapped[str] = mapped_column(String(32), primary_key=True)
    # keyed digest of the client address: the table does not keep addresses
    client_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    posts: Mapped[int] = mapped_column(Integer, default=0)


class SpentChallenge(Base):
    """A solved public-form challenge, kept until it expires so it is accepted once."""

    __tablename__ = "spent_challenges"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
