"""Placement policies: every parameter of the model by name, read from TOML and validated."""

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qonaq.errors import InputFileError, RowError
from qonaq.geo.settlements_file import SettlementKind
from qonaq.tomlinput import parse_toml


class Congestion(BaseModel):
    """Convex piecewise-linear congestion: fill-ratio breakpoints, cost per person of each band."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    breaks: tuple[float, ...] = (0.5, 0.8, 1.0)
    costs: tuple[float, ...] = (0.0, 300.0, 1200.0)

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

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_population: int = Field(default=0, ge=0)
    excluded_kinds: tuple[SettlementKind, ...] = ()
    closed_ids: tuple[str, ...] = ()
    # per kind, e.g. {village = 2000}: smaller settlements of that kind are not eligible
    min_population_by_kind: dict[SettlementKind, int] = Field(default_factory=dict)


class Policy(BaseModel):
    """Every default of the placement model; a policy file may change any of them by name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "default"
    circuity: float = Field(default=1.25, ge=1.0, le=5.0)
    congestion: Congestion = Congestion()
    employment_reward: float = Field(default=300.0, ge=0)
    preference_rewards: tuple[float, float, float] = (400.0, 250.0, 150.0)
    unplaced_penalty: float = Field(default=100000.0, gt=0)
    # kind -> share of population that caps persons capacity, e.g. {republic_city = 0.002}
    max_share_of_population: dict[SettlementKind, float] = Field(default_factory=dict)
    eligibility: Eligibility = Eligibility()

    @model_validator(mode="after")
    def _sane_values(self) -> "Policy":
        if any(r < 0 for r in self.preference_rewards):
            raise ValueError("preference_rewards must be non-negative")
        for kind, share in self.max_share_of_population.items():
            if not 0 <= share <= 1:
                raise ValueError(f"max_share_of_population.{kind} must be between 0 and 1")
        return self


DEFAULT_POLICY = Policy()


def parse_policy(source: str, text: str) -> Policy:
    """Parse and validate a policy TOML text; InputFileError names every bad key."""
    return parse_toml(source, text, Policy)


def load_policy(path: Path | None) -> Policy:
    """The policy in the TOML file at `path`, or the defaults when `path` is None."""
    if path is None:
        return DEFAULT_POLICY
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputFileError(str(path), [RowError(0, "-", "file not found")]) from exc
    return parse_policy(str(path), text)
