"""The simulation's road km, and so its travel, are at the circuity of the placement policy."""

import numpy as np

from qonaq.geo.gazetteer import load_hubs, load_regions, load_settlements
from qonaq.placement.policy import DEFAULT_POLICY, Policy
from qonaq.simulation.compare import compare
from qonaq.simulation.country import build_country
from qonaq.simulation.policies import QonaqPlacement, make_rule
from qonaq.simulation.wave import generate_wave
from tests.simulation.factories import small_scenario

LONGER = Policy(circuity=2.0)


def test_road_km_scale_with_the_policy_circuity() -> None:
    scenario = small_scenario()
    places = (load_settlements(), load_hubs(), load_regions())
    default = build_country(scenario, *places)
    longer = build_country(scenario, *places, LONGER)
    assert default.circuity == DEFAULT_POLICY.circuity and longer.circuity == 2.0
    np.testing.assert_allclose(longer.psc_km, default.psc_km * 2.0 / DEFAULT_POLICY.circuity)
    np.testing.assert_allclose(longer.hub_km, default.hub_km * 2.0 / DEFAULT_POLICY.circuity)


def test_travel_in_the_simulation_uses_the_policy_circuity() -> None:
    scenario = small_scenario()
    places = (load_settlements(), load_hubs(), load_regions())
    default = compare(scenario, ("free",), *places).runs[0]
    longer = compare(scenario, ("free",), *places, placement_policy=LONGER).runs[0]
    went = (default.travel_km > 0) & (longer.travel_km > 0)
    assert went.sum() > 100
    np.testing.assert_allclose(
        longer.travel_km[went], default.travel_km[went] * 2.0 / DEFAULT_POLICY.circuity
    )


def test_the_qonaq_rule_places_under_the_given_policy() -> None:
    scenario = small_scenario()
    country = build_country(scenario, load_settlements(), load_hubs(), load_regions(), LONGER)
    rule = make_rule("qonaq", scenario, country, generate_wave(scenario, country.hub_share), LONGER)
    assert isinstance(rule, QonaqPlacement)
    assert rule._desk.policy.circuity == 2.0
