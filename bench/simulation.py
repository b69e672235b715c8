"""Surge simulator benchmark: kz-2022 under free, quota and qonaq; target ≤ 60 s on 2 cores.

Run alone with `python -m bench.simulation`, or call `main()` from `bench/__main__.py`.
"""

import time
from dataclasses import dataclass

from qonaq.geo.gazetteer import load_hubs, load_regions, load_settlements
from qonaq.simulation.compare import compare
from qonaq.simulation.metrics import PolicyMetrics
from qonaq.simulation.scenario import load_scenario

SCENARIO = "kz-2022"
POLICIES: tuple[str, ...] = ("free", "quota", "qonaq")
TARGET_SECONDS = 60.0


@dataclass(frozen=True)
class SimulationBenchmark:
    """Wall time of the whole comparison and each policy's metrics (with its own seconds)."""

    seconds: float
    metrics: tuple[PolicyMetrics, ...]


def run_benchmark(scenario: str = SCENARIO) -> SimulationBenchmark:
    """Simulate `scenario` under every policy once, timing everything from loading on."""
    started = time.perf_counter()
    comparison = compare(
        load_scenario(scenario), POLICIES, load_settlements(), load_hubs(), load_regions()
    )
    return SimulationBenchmark(time.perf_counter() - started, comparison.metrics)


def main() -> None:
    """Print the benchmark: seconds per policy, the total against the target."""
    result = run_benchmark()
    print(f"simulation {SCENARIO}: {', '.join(POLICIES)}")
    for metrics in result.metrics:
        print(
            f"  {metrics.policy:>6}: {metrics.seconds:6.1f} s  "
            f"over capacity {metrics.settlements_over_capacity:>3} settlements, "
            f"hot-spot share {metrics.hotspot_share:.1%}"
        )
    verdict = "within" if result.seconds <= TARGET_SECONDS else "OVER"
    print(f"  total: {result.seconds:.1f} s ({verdict} the {TARGET_SECONDS:.0f} s target)")


if __name__ == "__main__":
    main()
