"""Scenarios: shipped kz-2022 matches docs/kz-2022.md in magnitude; bad files fail clearly."""

from pathlib import Path

import numpy as np
import pytest

from qonaq.errors import InputFileError
from qonaq.geo.gazetteer import load_hubs, load_settlements
from qonaq.simulation.scenario import load_scenario, parse_scenario, shipped_scenarios


def test_kz_2022_is_shipped_and_matches_the_facts() -> None:
    scenario = load_scenario("kz-2022")
    daily = np.array(scenario.arrivals.daily)
    assert "kz-2022" in shipped_scenarios()
    # over 400k in about four weeks, peak about 30k a day some 5–10 days after 21 Sept
    assert 380_000 <= daily.sum() <= 450_000 and 21 <= len(daily) <= 35
    assert 27_000 <= daily.max() <= 33_000 and 4 <= int(daily.argmax()) <= 10
    # about 100k stayed
    assert 85_000 <= daily.sum() * scenario.arrivals.stay_share <= 115_000
    assert abs(sum(scenario.arrivals.hubs.values()) - 1.0) < 1e-9


def test_kz_2022_names_only_known_hubs_and_settlements() -> None:
    scenario = load_scenario("kz-2022")
    hubs = {hub.id for hub in load_hubs()}
    settlements = {record.id: record.name for record in load_settlements()}
    assert set(scenario.arrivals.hubs) <= hubs
    assert {"syrym", "karauzek", "kairak", "sharbakty", "zhaisan", "ala", "nqz"} <= set(
        scenario.arrivals.hubs
    )
    assert {settlements[s] for s in scenario.metrics.hotspots} == {
        "Almaty", "Astana", "Oral", "Petropavl",
    }  # fmt: skip
    assert set(scenario.registration.psc_daily) <= set(settlements)


def test_a_user_scenario_file_loads_by_path(tmp_path: Path) -> None:
    shipped = load_scenario("kz-2022")
    path = tmp_path / "mine.toml"
    text = (Path(__file__).parents[2] / "src/qonaq/simulation/scenarios/kz-2022.toml").read_text()
    path.write_text(text.replace('name = "kz-2022"', 'name = "mine"'))
    mine = load_scenario(str(path))
    assert mine.name == "mine" and mine.arrivals == shipped.arrivals


def test_bad_scenarios_name_every_problem() -> None:
    with pytest.raises(InputFileError) as caught:
        parse_scenario(
            "bad.toml", 'name = "x"\nstart_date = 2022-09-21\n[arrivals]\ndaily = [-1]\n'
        )
    columns = {error.column for error in caught.value.errors}
    assert "households" in columns and "registration" in columns
    with pytest.raises(InputFileError):
        parse_scenario("broken.toml", "name = ")
    with pytest.raises(ValueError, match="unknown scenario"):
        load_scenario("no-such-scenario")


def test_scaling_keeps_shape() -> None:
    scenario = load_scenario("kz-2022")
    small = scenario.scaled(0.1)
    assert small.days == scenario.days
    assert abs(sum(small.arrivals.daily) - 0.1 * sum(scenario.arrivals.daily)) < len(
        small.arrivals.daily
    )
