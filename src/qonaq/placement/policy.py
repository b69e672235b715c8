"""Placement policies: every parameter of the model by name, read from TOML and validated."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qonaq.errors import InputFileError, Invalid, NotFound
from qonaq.geo.settlements_file import MAX_COUNT, SettlementKind
from qonaq.i18n import N_
from qonaq.tomlinput import parse_toml, read_toml
from qonaq.transport.vehicles import TransportPolicy

# km-equivalents per person: a hundred times the unplaced penalty still leaves the solver's
# numbers well inside double precision; beyond it a cost reads as "infinite" to HiGHS
MAX_WEIGHT = 1e7
MAX_BANDS = 20
# strict: `circuity = true` or `"1.5"` is a mistake to name, not a number to guess; arrays
# (lists in TOML) still become the tuples below through Field(strict=False)
FINITE = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


# a reward or cost per person, in km-equivalents
Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT, allow_inf_nan=False)]


class Congestion(BaseModel):
    """Convex piecewise-linear congestion: fill-ratio breakpoints, cost per person of each band."""

    model_config = FINITE

    breaks: tuple[float, ...] = Field(default=(0.5, 0.8, 1.0), max_length=MAX_BANDS, strict=False)
    costs: tuple[Weight, ...] = Field(
        default=(0.0, 300.0, 1200.0), max_length=MAX_BANDS, strict=False
    )

    @model_validator(mode="after")
    def _convex_bands(self) -> "Congestion":
        if len(self.breaks) != len(self.costs) or not self.breaks:
            raise ValueError("breaks and costs must have the same, non-zero length")
        if any(b <= a for a, b in zip((0.0, *self.breaks), self.breaks, strict=False)):
            raise ValueError("breaks must increase strictly from above 0")
        if abs(self.breaks[-1] - 1.0) > 1e-12:
            raise ValueError("the last break must be 1.0 (full capacity)")
        if any(c < 0 for c in self.costs) or any(
            b < a for a, b in zip(self.costs, self.costs[1:], strict=False)
        ):
            raise ValueError("costs must be non-negative and non-decreasing (convex)")
        return self


class Eligibility(BaseModel):
    """Which open settlements may receive households at all."""

    model_config = FINITE

    min_population: int = Field(default=0, ge=0, le=MAX_COUNT)
    excluded_kinds: tuple[SettlementKind, ...] = Field(default=(), strict=False)
    closed_ids: tuple[Annotated[str, Field(max_length=64)], ...] = Field(default=(), strict=False)
    # per kind, e.g. {village = 2000}: smaller settlements of that kind are not eligible
    min_population_by_kind: dict[SettlementKind, Annotated[int, Field(ge=0, le=MAX_COUNT)]] = Field(
        default_factory=dict
    )


class Policy(BaseModel):
    """Every default of the placement model; a policy file may change any of them by name."""

    model_config = FINITE

    name: str = Field(default="default", max_length=100)
    circuity: float = Field(default=1.25, ge=1.0, le=5.0)
    congestion: Congestion = Congestion()
    employment_reward: float = Field(default=300.0, ge=0, le=MAX_WEIGHT)
    preference_rewards: tuple[Weight, Weight, Weight] = Field(
        default=(400.0, 250.0, 150.0), strict=False
    )
    unplaced_penalty: float = Field(default=100000.0, gt=0, le=MAX_WEIGHT)
    # kind -> share of population that caps persons capacity, e.g. {republic_city = 0.002}
    max_share_of_population: dict[SettlementKind, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=dict
    )
    eligibility: Eligibility = Eligibility()
    # the departures that carry placed households: fleet, detour bound, driving days
    transport: TransportPolicy = TransportPolicy()


DEFAULT_POLICY = Policy()


def parse_policy(source: str, text: str) -> Policy:
    """Parse and validate a policy TOML text; InputFileError names every bad key."""
    return parse_toml(source, text, Policy)


def load_policy(path: Path | None) -> Policy:
    """The policy in the TOML file at `path`, or the defaults when `path` is None;
    InputFileError for a file that is missing, a directory, not UTF-8 or not a policy."""
    if path is None:
        return DEFAULT_POLICY
    return read_toml(path, Policy)


POLICY_DIR = Path(__file__).parent / "policies"


def policy_names() -> list[str]:
    """The shipped policies a coordinator can choose, 'default' first."""
    return sorted((p.stem for p in POLICY_DIR.glob("*.toml")), key=lambda n: (n != "default", n))


@lru_cache(maxsize=16)
def policy_named(name: str) -> Policy:
    """A shipped policy by name, read once per process; NotFound for an unknown name."""
    if name not in policy_names():
        raise NotFound(
            N_("unknown policy %(name)s; known: %(known)s"),
            name=name,
            known=", ".join(policy_names()),
        )
    try:
        return load_policy(POLICY_DIR / f"{name}.toml")
    except InputFileError as exc:
        # a shipped file edited by hand: the re-plan says which key, it does not fail with a 500
        raise Invalid(
            N_("policy %(name)s cannot be used: %(reason)s"),
            name=name,
            reason="; ".join(map(str, exc.errors[:20])),
        ) from exc
