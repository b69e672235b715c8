"""Desk recommendations: the best three by marginal cost, exact terms, reasons, capacity, speed."""

import time

import numpy as np
import pytest

from qonaq.placement.costs import evaluate
from qonaq.placement.desk import confirm, desk_index, morning_prices, recommend
from qonaq.placement.model import UNPLACED, VacancyRecord, build_problem
from qonaq.placement.plan import plan_placement
from qonaq.placement.policy import DEFAULT_POLICY
from qonaq.placement.pricing import Prices
from qonaq.placement.reasons import Reason, render_all
from tests.placement.factories import household, random_instance, settlement


def test_recommends_three_by_marginal_cost_with_every_term_exact() -> None:
    places, arrivals, jobs = random_instance(3, settlements=8, households=1, tight=False)
    desk = desk_index(places, jobs, DEFAULT_POLICY)
    guest = arrivals[0]
    options = recommend(desk, guest)
    assert len(options) == 3
    costs = [o.marginal_cost for o in options]
    assert costs == sorted(costs)
    problem = build_problem(places, [guest], jobs, DEFAULT_POLICY)
    everywhere = []
    for s in range(len(places)):
        parts = evaluate(problem, np.array([s]))
        everywhere.append(parts.objective if problem.eligible[s] else np.inf)
    fits = [
        problem.eligible[s] and np.all(problem.load[s] + problem.demand[0] <= problem.capacity[s])
        for s in range(len(places))
    ]
    expected = sorted(c for c, ok in zip(everywhere, fits, strict=True) if ok)[:3]
    assert costs == pytest.approx(expected)
    for option in options:
        parts = evaluate(problem, np.array([problem.settlement_ids.index(option.settlement_id)]))
        assert option.travel == pytest.approx(parts.travel)
        assert option.congestion == pytest.approx(parts.congestion)
        assert option.employment == pytest.approx(parts.employment)
        assert option.preference == pytest.approx(parts.preference)


def test_reasons_name_distance_fill_jobs_and_wish() -> None:
    places = [
        settlement("oral", lat=51.23, lon=51.37, name="Oral"),
        settlement("aktobe", lat=50.28, lon=57.21, cap_persons=100, load_persons=31),
    ]
    jobs = [VacancyRecord(settlement_id="aktobe", occupation="driver", vacancies=2)]
    desk = desk_index(places, jobs, DEFAULT_POLICY)
    guest = household(
        "h", size=3, lat=51.23, lon=51.37, occupations="driver", preferences="oral;aktobe"
    )
    aktobe = next(o for o in recommend(desk, guest) if o.settlement_id == "aktobe")
    codes = {r.code: r.params for r in aktobe.reasons}
    assert codes["distance"]["origin"] == "Oral"
    assert codes["housing_fill"] == {"kind": "town", "percent": 34}
    assert codes["vacancies"] == {"count": 2, "occupation": "driver"}
    assert codes["preference"] == {"rank": 2}
    words = render_all(aktobe.reasons, "en")
    assert f"{codes['distance']['km']} km from Oral · town at 34 % of its housing capacity" in words
    assert "2 vacancies for driver · your 2nd choice" in words


def test_confirm_reserves_and_refuses_when_full() -> None:
    places = [settlement("a", cap_persons=4), settlement("b", lat=45, cap_persons=10)]
    desk = desk_index(places, [], DEFAULT_POLICY)
    guest = household("h", size=3)
    assert recommend(desk, guest)[0].settlement_id == "a"
    confirm(desk, guest, "a")
    assert [o.settlement_id for o in recommend(desk, guest)] == ["b"]
    with pytest.raises(ValueError, match="no room"):
        confirm(desk, guest, "a")


def test_no_room_anywhere_gives_no_options() -> None:
    desk = desk_index([settlement("a", cap_persons=1)], [], DEFAULT_POLICY)
    assert recommend(desk, household("h", size=2)) == []


def test_batch_prices_steer_away_from_scarce_places() -> None:
    places, arrivals, jobs = random_instance(5, settlements=6, households=14, tight=True)
    plan = plan_placement(build_problem(places, arrivals, jobs, DEFAULT_POLICY), method="lp")
    desk = desk_index(places, jobs, DEFAULT_POLICY, prices=plan.prices)
    assert desk.rent.min() >= 0
    assert all(o.marginal_cost < np.inf for o in recommend(desk, arrivals[0]))
    assert (plan.assignment != UNPLACED).any()


def job_prices(near: float, far: float) -> Prices:
    zero = np.zeros(2)
    return Prices(zero, zero, zero, np.array([[near], [far]]))


def test_worker_price_ranks_jobs_the_plan_expects_filled_lower() -> None:
    places = [settlement("near"), settlement("far", lat=50.5)]
    jobs = [
        VacancyRecord(settlement_id="near", occupation="driver", vacancies=1),
        VacancyRecord(settlement_id="far", occupation="driver", vacancies=1),
    ]
    guest = household("h", occupations="driver")
    assert recommend(desk_index(places, jobs, DEFAULT_POLICY), guest)[0].settlement_id == "near"
    # the plan fills the near job anyway (μ = 50): the far one is worth its full reward
    priced = desk_index(places, jobs, DEFAULT_POLICY, prices=job_prices(50.0, 300.0))
    best = recommend(priced, guest)[0]
    assert best.settlement_id == "far"
    # the costs shown stay the true marginal costs
    assert best.employment == -300
    assert best.marginal_cost == pytest.approx(best.travel - 300)
    # a zero price means no such vacancy in the plan's own list: the full reward counts
    unknown = desk_index(places, jobs, DEFAULT_POLICY, prices=job_prices(0.0, 0.0))
    assert recommend(unknown, guest)[0].settlement_id == "near"


def test_morning_prices_refer_to_todays_vacancies() -> None:
    places, arrivals, jobs = random_instance(5, settlements=6, households=14, tight=True)
    prices = morning_prices(places, jobs, DEFAULT_POLICY, arrivals)
    hiring = {j.occupation for j in jobs if j.vacancies > 0}
    assert prices.persons.shape == (6,)
    assert prices.workers.shape == (6, len(hiring))
    desk = desk_index(places, jobs, DEFAULT_POLICY, prices=prices)
    assert np.all((desk.job_value >= 0) & (desk.job_value <= DEFAULT_POLICY.employment_reward))


def test_one_recommendation_is_fast() -> None:
    rng = np.random.default_rng(1)
    places = [
        settlement(
            f"s{i}",
            lat=float(rng.uniform(42, 54)),
            lon=float(rng.uniform(50, 85)),
            cap_persons=int(rng.integers(10, 500)),
        )
        for i in range(3000)
    ]
    jobs = [
        VacancyRecord(settlement_id=f"s{i}", occupation="it", vacancies=3)
        for i in range(0, 3000, 3)
    ]
    desk = desk_index(places, jobs, DEFAULT_POLICY)
    guest = household("h", size=4, children=2, occupations="it;driver", preferences="s1;s2")
    recommend(desk, guest)
    times = []
    for _ in range(300):
        started = time.perf_counter()
        recommend(desk, guest)
        times.append(time.perf_counter() - started)
    # the 1 ms target is measured by the benchmark; a shared CI machine gets slack here
    assert float(np.percentile(times, 50)) < 0.005


def test_reason_words_in_three_languages() -> None:
    reasons = (
        Reason("distance", {"km": 412, "origin": "Oral"}),
        Reason("housing_fill", {"kind": "town", "percent": 34}),
        Reason("vacancies", {"count": 2, "occupation": "driver"}),
        Reason("preference", {"rank": 2}),
    )
    assert render_all(reasons, "en") == (
        "412 km from Oral · town at 34 % of its housing capacity"
        " · 2 vacancies for driver · your 2nd choice"
    )
    assert render_all(reasons, "ru").startswith("412 км от Oral · город, жильё заполнено на 34 %")
    assert "2-ші таңдауыңыз" in render_all(reasons, "kk")
    with pytest.raises(ValueError):
        render_all(reasons, "de")
