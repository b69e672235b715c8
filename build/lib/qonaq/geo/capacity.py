"""Default capacity estimates for settlements that have not yet declared their own.

These are *estimates* (capacity_source = "estimate"): an akimat's declared figures
replace them. Every parameter lives in `CapacityParameters`; DATA.md explains each one.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from types import MappingProxyType

from qonaq.geo.settlements_file import KINDS


def _default_rates() -> Mapping[str, float]:
    # megacities are protected (lowest rate); villages have the most spare housing per resident
    return MappingProxyType(
        {"republic_city": 0.003, "regional_centre": 0.01, "town": 0.02, "village": 0.03}
    )


@dataclass(frozen=True)
class CapacityParameters:
    """Shares of a settlement's population it is assumed to absorb, by kind and dimension."""

    persons_rate_by_kind: Mapping[str, float] = field(default_factory=_default_rates)
    children_share_of_persons: float = 0.25
    medical_share_of_persons: float = 0.05

    def __post_init__(self) -> None:
        missing = [k for k in KINDS if k not in self.persons_rate_by_kind]
        if missing:
            raise ValueError(f"capacity rates missing for kind(s): {', '.join(missing)}")
        shares = [*self.persons_rate_by_kind.values(), self.children_share_of_persons]
        if any(not 0 <= s <= 1 for s in [*shares, self.medical_share_of_persons]):
            raise ValueError("capacity rates and shares must lie between 0 and 1")


DEFAULT_CAPACITY = CapacityParameters()


def estimate_capacity(
    population: int, kind: str, parameters: CapacityParameters = DEFAULT_CAPACITY
) -> tuple[int, int, int]:
    """Estimated (persons, children, medical) capacity of a settlement, rounded down."""
    if population < 0:
        raise ValueError(f"population must be non-negative, got {population}")
    if kind not in parameters.persons_rate_by_kind:
        raise ValueError(f"unknown settlement kind {kind!r}; expected one of {', '.join(KINDS)}")
    persons = _share_rounded_down(population, parameters.persons_rate_by_kind[kind])
    children = _share_rounded_down(persons, parameters.children_share_of_persons)
    medical = _share_rounded_down(persons, parameters.medical_share_of_persons)
    return persons, children, medical


def _share_rounded_down(count: int, share: float) -> int:
    # decimal arithmetic: 500 × 0.03 must be exactly 15, not 14.999…
    return int((Decimal(count) * Decimal(str(share))).to_integral_value(rounding=ROUND_FLOOR))
