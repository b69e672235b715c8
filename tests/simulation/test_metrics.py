"""Metrics: percentiles by person, and the kz-2022 comparison telling the policies apart."""

import numpy as np
import pytest

from qonaq.geo.gazetteer import load_hubs, load_regions, load_settlements
from qonaq.simulation.compare import compare, parse_policies
from qonaq.simulation.metrics import METRICS, PolicyMetrics, weighted_percentile
from qonaq.simulation.scenario import load_scenario


def test_weighted_percentile_counts_persons() -> None:
    values = np.array([10.0, 1000.0])
    assert weighted_percentile(values, np.array([99, 1]), 0.95) == 10.0
    assert weighted_percentile(values, np.array([1, 99]), 0.95) == 1000.0
    assert weighted_percentile(values[:0], np.array([], dtype=np.int64), 0.95) == 0.0


def test_every_metric_has_a_row() -> None:
    fields = set(PolicyMetrics.__dataclass_fields__) - {"policy"}
    assert {m.key for m in METRICS} == fields


def test_policy_names() -> None:
    assert parse_policies("free, qonaq,free") == ("free", "qonaq")
    with pytest.raises(ValueError, match="unknown policy"):
        parse_policies("free,easy")


@pytest.mark.slow
def test_kz_2022_all_policies_within_a_minute() -> None:
    comparison = compare(
        load_scenario("kz-2022"), ("free", "quota", "qonaq"),
        load_settlements(), load_hubs(), load_regions(),
    )  # fmt: skip
    by_policy = {m.policy: m for m in comparison.metrics}
    free, quota, qonaq = by_policy["free"], by_policy["quota"], by_policy["qonaq"]
    assert sum(m.seconds for m in comparison.metrics) <= 60
    assert 85_000 <= qonaq.stayers <= 115_000
    # free choice crowds the 2022 hot spots; the engine never overfills
    assert free.hotspot_share > 0.5 and free.settlements_over_capacity > 0
    assert qonaq.settlements_over_capacity == 0 and qonaq.person_days_over_capacity == 0
    assert qonaq.peak_fill_max <= 1.0 and qonaq.unplaced_households == 0
    assert qonaq.person_days_over_capacity < quota.person_days_over_capacity
    assert qonaq.travel_km_mean < quota.travel_km_mean
