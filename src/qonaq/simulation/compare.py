"""Run one surge under several policies on the same households and measure each."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qonaq.geo.gazetteer import Hub, Region
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.policy import DEFAULT_POLICY, Policy
from qonaq.simulation.country import Country, build_country
from qonaq.simulation.metrics import PolicyMetrics, measure
from qonaq.simulation.policies import POLICY_NAMES, make_rule
from qonaq.simulation.run import PolicyRun, simulate
from qonaq.simulation.scenario import Scenario
from qonaq.simulation.wave import Wave, generate_wave

# (policy, day done, days)
PolicyProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Comparison:
    """A scenario run under each policy: the shared country and wave, each run and its metrics."""

    scenario: Scenario
    country: Country
    wave: Wave
    runs: tuple[PolicyRun, ...]
    metrics: tuple[PolicyMetrics, ...]
    # the entry hubs, to name them in the report
    hubs: tuple[Hub, ...] = ()


def parse_policies(text: str) -> tuple[str, ...]:
    """`free,quota,qonaq` as names; ValueError for an unknown or missing one."""
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [name for name in names if name not in POLICY_NAMES]
    if unknown or not names:
        named = ", ".join(unknown) or "(none)"
        raise ValueError(f"unknown policy {named}; choose from {', '.join(POLICY_NAMES)}")
    return tuple(dict.fromkeys(names))


def compare(
    scenario: Scenario,
    policies: Sequence[str],
    settlements: Sequence[SettlementRecord],
    hubs: Sequence[Hub],
    regions: Sequence[Region],
    progress: PolicyProgress | None = None,
    placement_policy: Policy = DEFAULT_POLICY,
) -> Comparison:
    """Simulate `scenario` under each of `policies`; every policy meets the very same households,
    and every road km is at the circuity of `placement_policy` (the one `qonaq` places under)."""
    country = build_country(scenario, settlements, hubs, regions, placement_policy)
    wave = generate_wave(scenario, country.hub_share)
    runs = []
    for name in policies:
        rule = make_rule(name, scenario, country, wave, placement_policy)
        on_day = None if progress is None else _for_policy(progress, name)
        runs.append(simulate(scenario, country, wave, rule, on_day))
    return Comparison(
        scenario=scenario,
        country=country,
        wave=wave,
        runs=tuple(runs),
        metrics=tuple(measure(scenario, country, wave, run) for run in runs),
        hubs=tuple(hubs),
    )


def _for_policy(progress: PolicyProgress, name: str) -> Callable[[int, int], None]:
    return lambda day, days: progress(name, day, days)
