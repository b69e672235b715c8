"""Surge scenarios, read from TOML: entries per day and hub, households, PSCs, transport."""

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qonaq.tomlinput import parse_toml, read_toml

MAX_HOUSEHOLD_SIZE = 8
# a surge is days to months of entries; a day's entries or a PSC's throughput stay below
# ten million, so every total fits the simulation's int64 arrays
MAX_DAYS = 3650
MAX_PER_DAY = 10_000_000
# strict: `seed = true` or `stay_share = "0.2"` is a mistake to name, not a value to guess;
# arrays (lists in TOML) still become tuples through Field(strict=False)
FINITE = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class Arrivals(BaseModel):
    """Entries per day, their split across hubs, and who moves on abroad."""

    model_config = FINITE

    daily: tuple[Annotated[int, Field(ge=0, le=MAX_PER_DAY)], ...] = Field(
        min_length=1, max_length=MAX_DAYS, strict=False
    )
    stay_share: float = Field(ge=0, le=1)
    leave_after_days: tuple[int, int] = Field(default=(1, 3), strict=False)
    hubs: dict[str, Annotated[float, Field(ge=0, le=1e6)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _sane(self) -> "Arrivals":
        if any(n < 0 for n in self.daily):
            raise ValueError("daily entries must be non-negative")
        if any(share < 0 for share in self.hubs.values()) or sum(self.hubs.values()) <= 0:
            raise ValueError("hub shares must be non-negative and not all zero")
        first, last = self.leave_after_days
        if not 0 <= first <= last <= MAX_DAYS:
            raise ValueError(
                f"leave_after_days must be [first, last] with 0 <= first <= last <= {MAX_DAYS}"
            )
        return self


class Households(BaseModel):
    """How entries group into households of 1–8 and what they need."""

    model_config = FINITE

    size_weights: tuple[Annotated[float, Field(ge=0, le=1e6)], ...] = Field(
        min_length=1, max_length=MAX_HOUSEHOLD_SIZE, strict=False
    )
    child_share: float = Field(ge=0, le=1)
    medical_share: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _weights(self) -> "Households":
        if any(w < 0 for w in self.size_weights) or sum(self.size_weights) <= 0:
            raise ValueError("size_weights must be non-negative and not all zero")
        return self


class Registration(BaseModel):
    """Public Service Centres: persons each PSC city registers per day (settlement id → count)."""

    model_config = FINITE

    psc_daily: dict[str, Annotated[int, Field(le=MAX_PER_DAY)]] = Field(min_length=1)
    # the share of households that pre-registered online before reaching the PSC
    preregistered_share: float = Field(default=0.0, ge=0, le=1, strict=False)
    # desk minutes a registration takes from scratch, and those a pre-registration saves
    # (the registrar checks and completes it instead of typing it)
    desk_minutes: float = Field(default=20.0, gt=0, le=240, strict=False)
    minutes_saved: float = Field(default=12.0, ge=0, le=240, strict=False)

    @model_validator(mode="after")
    def _positive(self) -> "Registration":
        if any(n < MAX_HOUSEHOLD_SIZE for n in self.psc_daily.values()):
            raise ValueError(f"every PSC must register at least {MAX_HOUSEHOLD_SIZE} persons a day")
        if self.minutes_saved > self.desk_minutes:
            raise ValueError("minutes_saved cannot exceed desk_minutes")
        return self

    @property
    def preregistered_desk_share(self) -> float:
        """The part of a registration's desk time a pre-registered household still needs."""
        return 1.0 - self.minutes_saved / self.desk_minutes


class Transport(BaseModel):
    """Travel speed, fare and how long state transport takes to leave."""

    model_config = FINITE

    km_per_day: float = Field(default=700.0, gt=0, le=20_000)
    tenge_per_person_km: int = Field(default=15, ge=0, le=1_000_000)
    departure_delay_days: int = Field(default=1, ge=0, le=MAX_DAYS)


class FreeChoice(BaseModel):
    """The gravity model of the `free` policy: attraction = population^alpha / km^beta."""

    model_config = FINITE

    alpha: float = Field(default=1.0, ge=0, le=100)
    beta: float = Field(default=1.0, ge=0, le=100)
    hotspot_share: float = Field(default=0.65, gt=0, lt=1)


class MetricsSettings(BaseModel):
    """Which settlements count as the hot spots of the wave."""

    model_config = FINITE

    hotspots: tuple[str, ...] = Field(default=(), strict=False)


class Scenario(BaseModel):
    """One surge to simulate, with every input named; see kz-2022.toml for the reference one."""

    model_config = FINITE

    name: str = Field(min_length=1, max_length=100)
    title: str = ""
    # the title in Russian and Kazakh, for the report in those languages
    title_ru: str = ""
    title_kk: str = ""
    source: str = ""
    # a TOML date, or the same written as a string
    start_date: date = Field(strict=False)
    # numpy's generators take any seed from 0 up
    seed: int = Field(default=0, ge=0)
    settle_days: int = Field(default=21, ge=0, le=MAX_DAYS)
    arrivals: Arrivals
    households: Households
    registration: Registration
    transport: Transport = Transport()
    free: FreeChoice = FreeChoice()
    metrics: MetricsSettings = MetricsSettings()

    @property
    def days(self) -> int:
        """Days simulated: the entry days plus the days to settle."""
        return len(self.arrivals.daily) + self.settle_days

    def scaled(self, factor: float) -> "Scenario":
        """The same surge with entries and PSC throughput times `factor` (for quick runs)."""
        daily = tuple(round(n * factor) for n in self.arrivals.daily)
        psc = {
            psc_id: max(MAX_HOUSEHOLD_SIZE, round(n * factor))
            for psc_id, n in self.registration.psc_daily.items()
        }
        return self.model_copy(
            update={
                "arrivals": self.arrivals.model_copy(update={"daily": daily}),
                "registration": self.registration.model_copy(update={"psc_daily": psc}),
            }
        )


def parse_scenario(source: str, text: str) -> Scenario:
    """Parse and validate a scenario TOML text; InputFileError names every bad key."""
    return parse_toml(source, text, Scenario)


def shipped_scenarios() -> list[str]:
    """Names of the scenarios shipped inside the package."""
    folder = resources.files("qonaq.simulation") / "scenarios"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_scenario(name_or_path: str) -> Scenario:
    """A shipped scenario by name (`kz-2022`) or a user's scenario file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return read_toml(path, Scenario)
    if name_or_path not in shipped_scenarios():
        known = ", ".join(shipped_scenarios())
        raise ValueError(
            f"unknown scenario {name_or_path!r}; shipped: {known}, or give a .toml path"
        )
    shipped = resources.files("qonaq.simulation") / "scenarios" / f"{name_or_path}.toml"
    return parse_scenario(name_or_path, shipped.read_text(encoding="utf-8"))
