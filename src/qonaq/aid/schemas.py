"""Shapes of requests for help, offers, commitments and volunteers in the API and forms."""

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qonaq.aid.models import AidKind, Urgency
from qonaq.i18n import N_
from qonaq.plaintext import UserInput

MAX_PEOPLE = 500
MAX_QUANTITY = 100_000
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class RequestCreate(UserInput):
    """What someone asks for: kind, urgency, where, for how many, how to reach them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: AidKind
    urgency: Urgency = Urgency.DAYS
    people: int = Field(ge=1, le=MAX_PEOPLE)
    # how many of the kind are needed (beds, meals, SIM cards); by default one per person
    quantity: int | None = Field(default=None, ge=1, le=MAX_QUANTITY)
    settlement_id: str | None = Field(default=None, max_length=64)
    hub_id: str | None = Field(default=None, max_length=64)
    first_name: str = Field(min_length=1, max_length=100)
    contact: str = Field(min_length=3, max_length=200)
    details: str = Field(default="", max_length=1000)
    # the reference printed on the household's letter or given at pre-registration
    household_code: str = Field(default="", max_length=16)
    language: Literal["kk", "ru", "en"] = "ru"
    # the requester agrees that whoever helps sees the first name and the contact
    consent: Literal[True]

    @model_validator(mode="after")
    def _one_place(self) -> "RequestCreate":
        if (self.settlement_id is None) == (self.hub_id is None):
            raise ValueError(N_("choose one place: a settlement or an entry point"))
        return self


class RequestRead(BaseModel):
    """A request as volunteers see it in lists: no name, no contact."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    urgency: str
    status: str
    people: int
    quantity: int
    committed: int
    fulfilled: int
    settlement_id: str | None
    hub_id: str | None
    place: str = ""
    distance_km: float | None = None
    created_at: datetime
    expires_at: datetime


class RequestContact(BaseModel):
    """What only the people helping see, each time recorded in the audit log."""

    first_name: str
    contact: str
    details: str


class MatchRead(BaseModel):
    """A suggested offer for a request, with why it ranks where it does."""

    offer_id: int
    kind: str
    remaining: int
    unit: str
    place: str
    distance_km: float
    organisation: str
    reasons: list[str]


class RequestDetail(RequestRead):
    """One request with its suggested offers (its contact is a separate, audited call)."""

    matches: list[MatchRead] = Field(default_factory=list)


class OfferCreate(UserInput):
    """What a volunteer, an organisation or a host offers."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: AidKind
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    unit: str = Field(default="", max_length=40)
    settlement_id: str = Field(min_length=1, max_length=64)
    radius_km: float = Field(default=30.0, ge=0, le=2000)
    available_from: datetime | None = None
    available_until: datetime | None = None
    conditions: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _window(self) -> "OfferCreate":
        for moment in (self.available_from, self.available_until):
            if moment is not None and moment.tzinfo is None:
                raise ValueError(N_("give times with their time zone (e.g. Z for UTC)"))
            if moment is not None and not EARLIEST <= moment <= LATEST:
                raise ValueError(N_("give a time between 2000 and 2100"))
        if (
            self.available_from is not None
            and self.available_until is not None
            and self.available_until <= self.available_from
        ):
            raise ValueError(N_("an offer must end after it starts"))
        return self


class OfferRead(BaseModel):
    """An offer with what is left of it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    quantity: int
    remaining: int
    unit: str
    settlement_id: str
    place: str = ""
    organisation: str = ""
    radius_km: float
    available_from: datetime
    available_until: datetime | None
    conditions: str


class CommitmentCreate(BaseModel):
    """Promise `quantity` of an offer to a request."""

    model_config = ConfigDict(extra="forbid")

    request_id: int = Field(ge=1, le=2_147_483_647)
    offer_id: int = Field(ge=1, le=2_147_483_647)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class Delivered(BaseModel):
    """How much of a commitment was delivered (all of it when not said)."""

    model_config = ConfigDict(extra="forbid")

    quantity: int | None = Field(default=None, ge=0, le=MAX_QUANTITY)


class CommitmentRead(BaseModel):
    """A commitment of an offer's quantity to a request."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    request_id: int
    offer_id: int
    status: str
    quantity: int
    fulfilled: int
    created_at: datetime
    closed_at: datetime | None


class HouseholdRequest(BaseModel):
    """A household's own request as its status page shows it: no volunteer's data."""

    id: int
    kind: str
    status: str
    quantity: int
    committed: int
    fulfilled: int
    created_at: datetime


class VolunteerCreate(UserInput):
    """A volunteer's profile: who, where, what they can do."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    full_name: str = Field(min_length=1, max_length=200)
    phone: str = Field(default="", max_length=40)
    settlement_id: str = Field(min_length=1, max_length=64)
    radius_km: float = Field(default=50.0, ge=0, le=2000)
    skills: list[AidKind] = Field(default_factory=list)


class VolunteerRead(BaseModel):
    """A volunteer as a coordinator sees them to verify."""

    user_id: int
    username: str
    full_name: str
    phone: str
    organisation: str
    settlement_id: str
    place: str
    radius_km: float
    skills: list[str]
    status: str
    created_at: datetime


class VolunteerDecision(BaseModel):
    """A coordinator's decision on a volunteer."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["verified", "suspended"]
