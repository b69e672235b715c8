"""Each cost term against a hand-computed example."""

import math

import numpy as np
import pytest

from qonaq.geo.distance import great_circle_km
from qonaq.placement.check import congestion_of, recompute_objective
from qonaq.placement.costs import evaluate
from qonaq.placement.model import VacancyRecord, build_problem
from qonaq.placement.policy import DEFAULT_POLICY, Policy
from tests.placement.factories import household, settlement


def assign(problem, mapping: dict[str, str]) -> np.ndarray:
    index = {sid: s for s, sid in enumerate(problem.settlement_ids)}
    return np.array([index[mapping[h]] if mapping.get(h) else -1 for h in problem.household_ids])


def test_travel_is_size_times_great_circle_times_circuity() -> None:
    places = [settlement("a", lat=51.0, lon=71.0)]
    arrivals = [household("h", size=3, lat=52.0, lon=71.0)]
    problem = build_problem(places, arrivals, [], DEFAULT_POLICY)
    parts = evaluate(problem, assign(problem, {"h": "a"}))
    # one degree of latitude is 6371 · π / 180 = 111.19 km
    assert parts.travel == pytest.approx(3 * 111.19492664455873 * 1.25)
    assert great_circle_km(52.0, 71.0, 51.0, 71.0) == pytest.approx(111.19492664455873)


def test_congestion_pays_only_the_band_slices_it_occupies() -> None:
    # C = 10: bands [0, 5) free, [5, 8) 300, [8, 10] 1200; existing load 4 fills the free band first
    places = [settlement("a", cap_persons=10, load_persons=4)]
    arrivals = [household("h", size=5)]
    problem = build_problem(places, arrivals, [], DEFAULT_POLICY)
    parts = evaluate(problem, assign(problem, {"h": "a"}))
    # persons 5..9: one free slice (4→5), three at 300 (5→8), one at 1200 (8→9)
    assert parts.congestion == pytest.approx(1 * 0 + 3 * 300 + 1 * 1200)
    assert congestion_of(DEFAULT_POLICY, 10, 9) - congestion_of(DEFAULT_POLICY, 10, 4) == 2100


def test_congestion_with_fractional_band_edges() -> None:
    # C = 7: bands end at 3.5 and 5.6; load 0 → 7 costs 2.1·300 + 1.4·1200
    assert congestion_of(DEFAULT_POLICY, 7, 7) == pytest.approx(2.1 * 300 + 1.4 * 1200)


def test_employment_rewards_matched_workers_up_to_the_vacancies() -> None:
    places = [settlement("a")]
    arrivals = [
        household("h1", size=3, occupations="it;it;driver"),
        household("h2", size=1, occupations="it"),
    ]
    jobs = [
        VacancyRecord(settlement_id="a", occupation="it", vacancies=2),
        VacancyRecord(settlement_id="a", occupation="driver", vacancies=5),
    ]
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    parts = evaluate(problem, assign(problem, {"h1": "a", "h2": "a"}))
    # it: min(2, 3) = 2, driver: min(5, 1) = 1
    assert parts.employment == -300 * 3


def test_preferences_reward_per_person_by_rank() -> None:
    places = [settlement("a"), settlement("b"), settlement("c")]
    arrivals = [
        household("h1", size=2, preferences="b;a"),
        household("h2", size=1, preferences="c;b;a"),
    ]
    problem = build_problem(places, arrivals, [], DEFAULT_POLICY)
    parts = evaluate(problem, assign(problem, {"h1": "a", "h2": "a"}))
    assert parts.preference == -(2 * 250 + 1 * 150)


def test_unplaced_costs_per_person() -> None:
    places = [settlement("a", cap_persons=0)]
    arrivals = [household("h", size=4)]
    problem = build_problem(places, arrivals, [], DEFAULT_POLICY)
    parts = evaluate(problem, assign(problem, {}))
    assert parts.unplaced == 400_000
    assert parts.objective == 400_000


def test_policy_parameters_change_the_terms() -> None:
    policy = Policy(
        circuity=1.0, employment_reward=100, preference_rewards=(10, 5, 1), unplaced_penalty=7
    )
    places = [settlement("a", lat=51.0, lon=71.0)]
    arrivals = [
        household("h", size=2, lat=52.0, lon=71.0, occupations="it", preferences="a"),
        household("u", size=3),
    ]
    jobs = [VacancyRecord(settlement_id="a", occupation="it", vacancies=1)]
    terms = recompute_objective(places, arrivals, jobs, policy, {"h": "a", "u": ""})
    assert terms["travel"] == pytest.approx(2 * 111.19492664455873)
    assert terms["employment"] == -100
    assert terms["preference"] == -20
    assert terms["unplaced"] == 21


def test_recompute_agrees_with_the_solver_bookkeeping_on_a_mixed_plan() -> None:
    places = [
        settlement("a", cap_persons=9, load_persons=3),
        settlement("b", lat=45, lon=60, cap_persons=4),
    ]
    arrivals = [
        household("h1", size=4, occupations="it"),
        household("h2", size=2, preferences="b"),
        household("h3", size=5),
    ]
    jobs = [VacancyRecord(settlement_id="a", occupation="it", vacancies=1)]
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    mapping = {"h1": "a", "h2": "b", "h3": ""}
    parts = evaluate(problem, assign(problem, mapping))
    terms = recompute_objective(places, arrivals, jobs, DEFAULT_POLICY, mapping)
    assert math.isclose(parts.objective, terms["objective"], rel_tol=1e-9)
