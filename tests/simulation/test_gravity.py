"""The free-choice gravity model and the calibration recorded in kz-2022.toml."""

import numpy as np

from qonaq.geo.gazetteer import load_hubs, load_regions, load_settlements
from qonaq.simulation.country import build_country
from qonaq.simulation.gravity import calibrate_alpha, choice_probabilities, hotspot_share
from qonaq.simulation.scenario import load_scenario


def test_probabilities_favour_big_and_near() -> None:
    population = np.array([1000, 1000, 100_000])
    km = np.array([[50.0, 500.0, 500.0]])
    open_ = np.array([True, True, True])
    p = choice_probabilities(population, km, open_, alpha=1.0, beta=1.0)
    assert abs(p.sum() - 1) < 1e-12 and p[0, 0] > p[0, 1] and p[0, 2] > p[0, 0]
    closed = choice_probabilities(population, km, np.array([True, True, False]), 1.0, 1.0)
    assert closed[0, 2] == 0


def test_kz_2022_alpha_is_the_calibrated_one() -> None:
    scenario = load_scenario("kz-2022")
    country = build_country(scenario, load_settlements(), load_hubs(), load_regions())
    open_ = np.array([r.open for r in country.settlements])
    free = scenario.free
    alpha = calibrate_alpha(
        country.population, country.hub_km, open_, country.hub_share, country.hotspots,
        beta=free.beta, target=free.hotspot_share,
    )  # fmt: skip
    assert abs(alpha - free.alpha) < 0.01
    probabilities = choice_probabilities(
        country.population, country.hub_km, open_, alpha, free.beta
    )
    share = hotspot_share(probabilities, country.hub_share, country.hotspots)
    # "most" stayers in the four hot spots, as in 2022
    assert abs(share - free.hotspot_share) < 0.01 and share > 0.5
