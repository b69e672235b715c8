"""Batch plans: hard constraints on random instances, optimality against a MILP, the bound."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qonaq.placement import lp
from qonaq.placement.check import is_close, recompute_objective, violations
from qonaq.placement.costs import marginal_costs, road_km
from qonaq.placement.flow import solve_relaxation
from qonaq.placement.lp import SolverTimeLimit, solve_lp_relaxation
from qonaq.placement.model import UNPLACED, build_problem
from qonaq.placement.plan import MIP_MAX_PAIRS, plan_placement
from qonaq.placement.policy import DEFAULT_POLICY, Policy
from qonaq.placement.solve import (
    DualLayout,
    ascend_dual,
    dual_bound,
    price_free_costs,
    pricing_context,
    smoothed_dual,
)
from qonaq.placement.types import household_types
from tests.placement.factories import household, random_instance, settlement
from tests.placement.milp import optimal_objective

PROTECT = Policy(
    max_share_of_population={"republic_city": 0.000004},
    eligibility={"min_population_by_kind": {"village": 1000}},
)


def check_plan(seed: int, method: str, policy: Policy, tight: bool, **size: int) -> None:
    places, arrivals, jobs = random_instance(seed, tight=tight, **size)
    problem = build_problem(places, arrivals, jobs, policy)
    plan = plan_placement(problem, method=method)
    mapping = {h: plan.settlement_of(i) for i, h in enumerate(problem.household_ids)}
    # capacity in every dimension, eligibility; one settlement per household by construction
    assert violations(places, arrivals, policy, mapping) == []
    assert len(mapping) == len(arrivals)
    # unplaced only when no eligible settlement has room for it
    load = problem.load.copy()
    placed = plan.assignment != UNPLACED
    np.add.at(load, plan.assignment[placed], problem.demand[placed])
    workers = np.zeros_like(problem.vacancies)
    for h in np.flatnonzero(~placed):
        km = road_km(
            policy, problem.origin_lat[[h]], problem.origin_lon[[h]], problem.lat, problem.lon
        )[0]
        assert not marginal_costs(problem, load, workers, km, int(h)).fits.any()
    terms = recompute_objective(places, arrivals, jobs, policy, mapping)
    assert is_close(plan.objective, terms["objective"])
    assert plan.lower_bound <= plan.objective + 1e-6 * abs(plan.objective)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    method=st.sampled_from(["mip", "lp", "flow"]),
    tight=st.booleans(),
    protect=st.booleans(),
)
def test_hard_constraints_hold_on_random_instances(
    seed: int, method: str, tight: bool, protect: bool
) -> None:
    check_plan(seed, method, PROTECT if protect else DEFAULT_POLICY, tight)


@pytest.mark.parametrize("seed", range(12))
def test_plan_within_half_a_percent_of_the_milp_optimum(seed: int) -> None:
    places, arrivals, jobs = random_instance(
        seed, settlements=5, households=12, tight=seed % 2 == 0
    )
    optimum = optimal_objective(places, arrivals, jobs, DEFAULT_POLICY)
    plan = plan_placement(build_problem(places, arrivals, jobs, DEFAULT_POLICY))
    assert plan.lower_bound <= optimum + 1e-6 * abs(optimum)
    assert plan.objective <= optimum + 0.005 * abs(optimum)


@pytest.mark.parametrize("method", ["mip", "lp", "flow"])
def test_nothing_to_place_or_nowhere_to_go(method: str) -> None:
    places, _, _ = random_instance(1)
    plan = plan_placement(build_problem(places, [], [], DEFAULT_POLICY), method=method)
    assert plan.objective == 0 and plan.gap == 0
    guests = [household("a", size=2), household("b", size=1, children=1)]
    for nowhere in ([], [settlement("x", open=False)], [settlement("y", cap_persons=0)]):
        plan = plan_placement(build_problem(nowhere, guests, [], DEFAULT_POLICY), method=method)
        assert plan.unplaced_households == 2
        assert plan.objective == plan.lower_bound == 300_000


@pytest.mark.parametrize("method", ["lp", "flow"])
def test_a_medium_wave_keeps_every_rule_and_reports_a_true_bound(method: str) -> None:
    places, arrivals, jobs = random_instance(42, settlements=40, households=3200, tight=True)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    plan = plan_placement(problem, method=method)
    mapping = {h: plan.settlement_of(i) for i, h in enumerate(problem.household_ids)}
    assert violations(places, arrivals, DEFAULT_POLICY, mapping) == []
    assert is_close(
        plan.objective,
        recompute_objective(places, arrivals, jobs, DEFAULT_POLICY, mapping)["objective"],
    )
    assert plan.lower_bound <= plan.objective
    assert 0 <= plan.gap < 0.2


def test_the_smoothed_dual_is_a_lower_bound_and_the_ascent_raises_it_toward_the_lp() -> None:
    places, arrivals, jobs = random_instance(7, settlements=30, households=1500, tight=True)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    types = household_types(problem)
    ctx = pricing_context(problem, types)
    start = solve_relaxation(problem, types, rounds=1, ascend=False).prices
    hiring_s, hiring_g = np.nonzero(problem.vacancies > 0)
    layout = DualLayout(len(problem.settlement_ids), hiring_s, hiring_g)
    base = price_free_costs(ctx)
    smooth, _ = smoothed_dual(ctx, layout, base, layout.flat(start), 1.0)
    before, _, _ = dual_bound(ctx, start)
    assert smooth <= before + 1e-6 * abs(before)
    after, _, _ = dual_bound(ctx, ascend_dual(ctx, start))
    lp_value = solve_lp_relaxation(problem, types, rounds=20).lower_bound
    assert before - 1e-6 * abs(before) <= after <= lp_value + 1e-6 * abs(lp_value)


def test_an_lp_out_of_time_falls_back_to_the_flows_when_the_method_is_automatic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    size = {"settlements": 60, "households": 400}
    places, arrivals, jobs = random_instance(3, tight=False, **size)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    assert len(problem.settlement_ids) * len(household_types(problem).count) > MIP_MAX_PAIRS
    monkeypatch.setattr(lp, "LP_SECONDS", 0.0)
    with pytest.raises(SolverTimeLimit):
        plan_placement(problem, method="lp")
    check_plan(3, "auto", DEFAULT_POLICY, tight=False, **size)
