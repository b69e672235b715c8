"""Pre-registration in the simulator: a pre-registered household needs less desk time, so the
PSC queues shorten and people wait fewer days; the wave itself does not change."""

import numpy as np
import pytest
from typer.testing import CliRunner

from qonaq.cli import app
from qonaq.cli.simulate import with_preregistered
from qonaq.geo.gazetteer import load_hubs, load_regions, load_settlements
from qonaq.simulation.compare import compare
from qonaq.simulation.run import desk_persons, serve_queues
from qonaq.simulation.scenario import Scenario
from qonaq.simulation.wave import Wave
from tests.simulation.factories import small_scenario


def _wave_of(sizes: list[int]) -> Wave:
    class Sized:  # desk_persons reads only the sizes and the count
        size = np.array(sizes)

        def __len__(self) -> int:
            return len(sizes)

    return Sized()  # type: ignore[return-value]


def test_a_preregistered_household_counts_for_less_at_the_desk() -> None:
    surge = small_scenario()
    sizes = [1, 2, 3, 4] * 250
    none = desk_persons(with_preregistered(surge, 0.0), _wave_of(sizes))
    everyone = desk_persons(with_preregistered(surge, 1.0), _wave_of(sizes))
    some = desk_persons(with_preregistered(surge, 0.3), _wave_of(sizes))
    assert np.array_equal(none, np.array(sizes, dtype=float))
    # 12 of 20 desk minutes saved: 40 % of the time left
    assert np.allclose(everyone, np.array(sizes) * 0.4)
    assert 0.25 < np.mean(some < np.array(sizes)) < 0.35
    assert np.array_equal(some, desk_persons(with_preregistered(surge, 0.3), _wave_of(sizes)))


def test_a_desk_serves_more_households_that_pre_registered() -> None:
    queued, psc, joined = np.arange(4), np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64)
    daily = np.array([6])
    assert len(serve_queues(queued, psc, joined, np.array([3, 3, 3, 3]), daily)) == 2
    assert len(serve_queues(queued, psc, joined, np.array([1.2, 1.2, 1.2, 1.2]), daily)) == 4


def test_the_psc_queue_and_the_wait_shrink_as_more_pre_register() -> None:
    surge: Scenario = small_scenario()
    runs = [
        compare(
            with_preregistered(surge, share),
            ("quota",),
            load_settlements(),
            load_hubs(),
            load_regions(),
        )
        for share in (0.0, 0.6)
    ]
    before, after = (run.metrics[0] for run in runs)
    assert after.psc_queue_peak < before.psc_queue_peak
    assert after.days_waited_mean < before.days_waited_mean
    # the same people came: only the desks went faster
    assert np.array_equal(runs[0].wave.size, runs[1].wave.size)


def test_bad_shares_are_one_line_and_exit_2() -> None:
    result = CliRunner().invoke(app, ["simulate", "--preregistered", "0,lots"])
    assert result.exit_code == 2 and "'lots' is not a share" in result.stderr
    result = CliRunner().invoke(app, ["simulate", "--preregistered", "150%"])
    assert result.exit_code == 2 and "between 0 and 1" in result.stderr


@pytest.mark.parametrize("bad", [{"minutes_saved": 30.0}, {"preregistered_share": 1.5}])
def test_the_scenario_refuses_impossible_savings(bad: dict[str, float]) -> None:
    surge = small_scenario()
    values = {**surge.registration.model_dump(), **bad}
    with pytest.raises(ValueError):
        type(surge.registration).model_validate(values)
