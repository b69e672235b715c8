"""Shapes of registration input and output, validated before anything touches the database."""

import re
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qonaq.i18n import N_
from qonaq.plaintext import UserInput
from qonaq.registry.iin import InvalidIIN, parse_iin

DocumentType = Literal["passport", "id_card", "birth_certificate", "residence_permit", "other"]
Sex = Literal["F", "M", "X"]
Language = Literal["kk", "ru", "en"]
ADULT_AGE = 18
# working age for matching vacancies, as in Kazakh labour statistics
WORKING_AGES = range(18, 64)
OCCUPATION_GROUPS: tuple[str, ...] = (
    N_("it"), N_("engineering"), N_("medicine"), N_("education"), N_("construction"),
    N_("driver"), N_("trade"), N_("agriculture"), N_("services"), N_("manufacturing"),
    N_("finance"), N_("other"),
)  # fmt: skip


class PersonCreate(UserInput):
    """A member of a household as the registrar enters it: only what placement and letters need."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    full_name: str = Field(min_length=1, max_length=200)
    birth_date: date
    sex: Sex
    citizenship: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166 alpha-3, e.g. RUS")
    document_type: DocumentType
    document_number: str = Field(min_length=3, max_length=40)
    iin: str | None = Field(default=None, max_length=12)
    phone: str | None = Field(default=None, max_length=20, pattern=r"^\+?[0-9][0-9 ()-]{5,18}$")
    languages: list[Language] = Field(default_factory=list, max_length=3)
    occupation: Literal[OCCUPATION_GROUPS] | None = None  # type: ignore[valid-type]
    needs_medical: bool = False
    disability: bool = False

    @field_validator("iin", "phone", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("birth_date")
    @classmethod
    def _born_in_the_past(cls, value: date) -> date:
        if value > datetime.now(UTC).date():
            raise ValueError(N_("birth date is in the future"))
        if value.year < 1900:
            raise ValueError(N_("birth date before 1900"))
        return value

    @model_validator(mode="after")
    def _document_as_issued(self) -> "PersonCreate":
        expected = document_format_error(self.citizenship, self.document_type, self.document_number)
        if expected is not None:
            raise ValueError(expected)
        return self

    @model_validator(mode="after")
    def _iin_matches(self) -> "PersonCreate":
        if self.iin is None:
            return self
        try:
            facts = parse_iin(self.iin)
        except InvalidIIN as exc:
            raise ValueError(str(exc)) from exc
        if facts.birth_date != self.birth_date:
            raise ValueError(N_("the birth date in the IIN differs from the birth date given"))
        return self

    def document_key(self) -> str:
        """The deduplication key: citizenship, document type and the number without spaces."""
        return document_key_of(self.citizenship, self.document_type, self.document_number)

    def age_on(self, day: date) -> int:
        """Age in whole years on `day`."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


# the characters of any document number: Latin and Cyrillic letters, digits, space, -, №
DOCUMENT_CHARACTERS = re.compile(r"^[0-9A-Za-zА-Яа-яЁёІі№ -]+$")
# documents whose format is known, written as issued; every other kind is free
DOCUMENT_FORMATS: dict[tuple[str, str], tuple[re.Pattern[str], str]] = {
    # internal passport: series of 4 digits and number of 6; foreign passport: 2 and 7
    ("RUS", "passport"): (
        re.compile(r"^([0-9]{2} ?[0-9]{2} ?[0-9]{6}|[0-9]{2} ?[0-9]{7})$"),
        N_("a Russian passport is written 45 06 123456 (internal) or 75 1234567 (foreign)"),
    ),
    # Roman numerals, two Cyrillic letters (Latin look-alikes typed too), six digits
    ("RUS", "birth_certificate"): (
        re.compile(r"^[IVXLCІХС]{1,6} ?-? ?([А-ЯЁ]{2}|[A-Z]{2}) ?[0-9]{6}$", re.IGNORECASE),
        N_("a Russian birth certificate is written III-МЮ 123456"),
    ),
    ("KAZ", "id_card"): (
        re.compile(r"^[0-9]{3} ?[0-9]{3} ?[0-9]{3}$"),
        N_("a Kazakh identity card number has 9 digits, e.g. 012345678"),
    ),
}


def document_format_error(citizenship: str, document_type: str, number: str) -> str | None:
    """Which format was expected, as a catalog msgid, when `number` is not written as issued."""
    if not DOCUMENT_CHARACTERS.match(number):
        return N_("a document number has letters, digits, spaces, hyphens and № only")
    known = DOCUMENT_FORMATS.get((citizenship, document_type))
    if known is not None and not known[0].match(" ".join(number.split())):
        return known[1]
    return None


def document_key_of(citizenship: str, document_type: str, document_number: str) -> str:
    """One document however it was typed: citizenship, type, the number without spaces."""
    number = "".join(document_number.split()).replace("-", "").upper()
    return f"{citizenship}:{document_type}:{number}"


class HouseholdCreate(UserInput):
    """A household to register: its members, where it is now, and up to three wishes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    members: list[PersonCreate] = Field(min_length=1, max_length=20)
    origin_hub_id: str | None = Field(default=None, max_length=64)
    origin_settlement_id: str | None = Field(default=None, max_length=64)
    preferences: list[str] = Field(default_factory=list, max_length=3)
    language: Language = "ru"

    @field_validator("origin_hub_id", "origin_settlement_id", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("preferences", mode="before")
    @classmethod
    def _drop_empty(cls, value: object) -> object:
        if isinstance(value, list):
            return [v for v in value if v not in ("", None)]
        return value

    @model_validator(mode="after")
    def _one_origin(self) -> "HouseholdCreate":
        if (self.origin_hub_id is None) == (self.origin_settlement_id is None):
            raise ValueError(N_("give exactly one origin: an entry hub or a PSC settlement"))
        if len(set(self.preferences)) != len(self.preferences):
            raise ValueError(N_("preferences repeat a settlement"))
        keys = [m.document_key() for m in self.members]
        if len(set(keys)) != len(keys):
            raise ValueError(N_("two members have the same document"))
        return self


class HouseholdRead(BaseModel):
    """A household as the API returns it to a registrar."""

    id: int
    reference: str
    status: str
    size: int
    children: int
    medical: int
    origin_hub_id: str | None
    origin_settlement_id: str | None
    preferences: list[str]
    language: str


class PlacementConfirm(UserInput):
    """The registrar's choice: one settlement, and a reason when it is not a recommended one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    settlement_id: str = Field(min_length=1, max_length=64)
    override_reason: str | None = Field(default=None, max_length=1000)
    # `shown` of the recommendations read: the options shown count as recommended
    shown: str | None = Field(default=None, max_length=1000)


class PlacementRead(BaseModel):
    """A placement as the API returns it."""

    id: int
    household_id: int
    household_reference: str
    settlement_id: str
    settlement_name: str
    region_name: str
    status: str
    persons: int
    children: int
    medical: int
    recommendation_rank: int | None
    override_reason: str | None
    expected_arrival: date | None


class LoadChangeRead(BaseModel):
    """A settlement's persons load before and after a re-plan."""

    settlement_id: str
    name: str
    region: str
    capacity: int
    before: int
    after: int


class ReplanRead(BaseModel):
    """What a batch re-plan does: households placed, its objective and gap, load changes."""

    plan_id: int
    policy: str
    placed_households: int
    unplaced_households: int
    objective: float
    lower_bound: float
    gap: float
    changes: list[LoadChangeRead]


class ReasonRead(BaseModel):
    """One reason for an option: a code, its values, and the words in the reader's language."""

    code: str
    params: dict[str, float | int | str]
    text: str


class OptionRead(BaseModel):
    """One recommended settlement with every term of its marginal cost and its reasons."""

    rank: int
    settlement_id: str
    settlement_name: str
    region_name: str
    total: float
    travel: float
    congestion: float
    employment: float
    preference: float
    fill_before: float
    fill_after: float
    reasons: list[ReasonRead]
    # the batch plan whose prices ranked the options (none before the first plan is applied)
    priced_by_plan: int | None = None
    # the options shown, signed: send it back with the confirmation (`PlacementConfirm.shown`)
    shown: str
