"""Batch plans: hard constraints on random instances, optimality against a MILP, the bound."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qonaq.placement.ascent import (
    NEGLIGIBLE_EXPONENT,
    SOFT_PLAN_MIN,
    Discounts,
    DualLayout,
    alike_types,
    ascend_dual,
    class_rows,
    dual_layout,
    near_discounts,
    reach_of,
    smoothed_dual,
    soft_plan,
)
from qonaq.placement.check import is_close, recompute_objective, violations
from qonaq.placement.costs import marginal_costs, road_km
from qonaq.placement.flow import (
    SPREAD_EFFORT,
    coarse_to_fine_ascent,
    solve_relaxation,
    travel_prices,
)
from qonaq.placement.household_types import household_types
from qonaq.placement.lp import SolverTimeLimit, solve_lp_relaxation
from qonaq.placement.model import UNPLACED, build_problem
from qonaq.placement.options import PlanOptions
from qonaq.placement.plan import MIP_MAX_PAIRS, plan_placement
from qonaq.placement.policy import DEFAULT_POLICY, Policy
from qonaq.placement.pricing import Prices, PricingContext, dual_bound, pricing_context
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


@pytest.mark.parametrize(
    ("method", "size"), [("lp", ""), ("flow", ""), ("flow", "huge"), ("flow", "no ascent")]
)
def test_a_medium_wave_keeps_every_rule_and_reports_a_true_bound(method: str, size: str) -> None:
    options = PlanOptions()
    if size == "huge":
        # planned as a huge wave is: lean flows, the ascent from travel prices alone
        options = PlanOptions(huge_wave_types=0)
    if size == "no ascent":
        # as a country of very many settlements is: Lagrangian rounds, a longer search
        options = PlanOptions(ascent_max_pairs=0)
    places, arrivals, jobs = random_instance(42, settlements=40, households=3200, tight=True)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    plan = plan_placement(problem, method=method, options=options)
    mapping = {h: plan.settlement_of(i) for i, h in enumerate(problem.household_ids)}
    assert violations(places, arrivals, DEFAULT_POLICY, mapping) == []
    assert is_close(
        plan.objective,
        recompute_objective(places, arrivals, jobs, DEFAULT_POLICY, mapping)["objective"],
    )
    assert plan.lower_bound <= plan.objective
    assert 0 <= plan.gap < 0.2


def dense_smoothed_dual(ctx: PricingContext, prices: Prices, tau: float) -> float:
    """The smoothed dual written out pair by pair, for a small problem."""
    problem, types = ctx.problem, ctx.types
    policy = problem.policy
    value = 0.0
    for t in range(len(types.count)):
        n = types.size[t]
        options = [policy.unplaced_penalty]
        for s in range(len(problem.settlement_ids)):
            demand = types.demand[t]
            if not problem.eligible[s] or np.any(demand > problem.remaining[s]):
                continue
            cost = ctx.km[types.origin[t], s] + prices.persons[s]
            cost += (demand[1] * prices.children[s] + demand[2] * prices.medical[s]) / n
            cost -= types.workers[t] @ prices.workers[s] / n
            for rank, wish in enumerate(types.preferences[t]):
                cost -= policy.preference_rewards[rank] * (wish == s)
            options.append(cost)
        soft_min = -tau * np.logaddexp.reduce(-np.asarray(options) / tau)
        value += types.count[t] * n * soft_min
    rent = (prices.persons[:, None] - np.asarray(policy.congestion.costs)[None, :]) / tau
    value -= float(np.sum(ctx.widths * tau * np.logaddexp(0.0, rent)))
    value -= float(prices.children @ problem.remaining[:, 1])
    value -= float(prices.medical @ problem.remaining[:, 2])
    value -= float(np.sum((policy.employment_reward - prices.workers) * problem.vacancies))
    return value


def random_dual_point(rng: np.random.Generator, layout: DualLayout) -> np.ndarray:
    """Persons prices (some negative), side prices (most zero) and job prices at random."""
    n = layout.settlements
    return np.concatenate(
        [
            rng.uniform(-50, 1500, n),
            rng.uniform(0, 80, 2 * n) * (rng.random(2 * n) < 0.4),
            rng.uniform(0, 300, len(layout.hiring_s)),
        ]
    )


def test_the_smoothed_dual_by_class_rows_and_discounts_is_the_dual_written_out_pair_by_pair() -> (
    None
):
    places, arrivals, jobs = random_instance(11, settlements=25, households=300, tight=True)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    ctx = pricing_context(problem, household_types(problem))
    layout, rows = dual_layout(ctx), class_rows(ctx)
    rng = np.random.default_rng(5)
    for tau in (2.0, 0.3):
        x = random_dual_point(rng, layout)
        prices = layout.prices(x, problem.vacancies.shape[1])
        every = near_discounts(ctx, rows, layout, prices, np.inf)
        value, gradient = smoothed_dual(ctx, layout, rows, every, x, tau)
        assert is_close(value, dense_smoothed_dual(ctx, prices, tau))
        # the gradient is the dual's: compare with central differences on a few prices
        for j in rng.choice(len(x), size=8, replace=False).tolist():
            step = np.zeros_like(x)
            step[j] = 1e-4
            ahead, _ = smoothed_dual(ctx, layout, rows, every, x + step, tau)
            behind, _ = smoothed_dual(ctx, layout, rows, every, x - step, tau)
            assert abs((ahead - behind) / 2e-4 - gradient[j]) <= 1e-3 * (1 + abs(gradient[j]))


def test_types_merged_by_their_discounts_give_the_same_smoothed_dual() -> None:
    places, arrivals, jobs = random_instance(19, settlements=40, households=600, tight=True)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    ctx = pricing_context(problem, household_types(problem))
    layout, rows = dual_layout(ctx), class_rows(ctx)
    x = random_dual_point(np.random.default_rng(8), layout)
    prices = layout.prices(x, problem.vacancies.shape[1])
    for margin in (5.0, 60.0):
        near = near_discounts(ctx, rows, layout, prices, margin)
        merged_rows, merged = alike_types(rows, near)
        # types whose wishes and workers the margin leaves out are one type
        assert len(merged_rows.supply) < len(rows.supply)
        assert merged_rows.supply.sum() == rows.supply.sum()
        for tau in (2.0, 0.3):
            value, gradient = smoothed_dual(ctx, layout, rows, near, x, tau)
            merged_value, merged_gradient = smoothed_dual(ctx, layout, merged_rows, merged, x, tau)
            assert is_close(merged_value, value)
            np.testing.assert_allclose(merged_gradient, gradient, rtol=1e-9, atol=1e-9)


def discount_pairs(ctx: PricingContext, near: Discounts) -> set[tuple[int, int]]:
    """The (type, settlement) pairs a discount structure holds."""
    pair_t = np.repeat(np.arange(len(ctx.types.count)), np.diff(near.type_start))
    return set(zip(pair_t.tolist(), near.settlement.tolist(), strict=True))


def test_discounts_with_headroom_keep_the_job_pairs_the_job_prices_may_reach() -> None:
    places, arrivals, jobs = random_instance(17, settlements=40, households=400, tight=True)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    ctx = pricing_context(problem, household_types(problem))
    layout, rows = dual_layout(ctx), class_rows(ctx)
    groups = problem.vacancies.shape[1]
    start = travel_prices(problem, ctx.types, cost_scale=100.0)
    plain = discount_pairs(ctx, near_discounts(ctx, rows, layout, start, 20.0))
    roomy = discount_pairs(ctx, near_discounts(ctx, rows, layout, start, 20.0, headroom=True))
    # job prices at 0 may still climb to the reward: far hiring settlements come in
    assert plain < roomy
    # at the reward they can climb no further: the same pairs
    top = layout.flat(start)
    top[3 * layout.settlements :] = problem.policy.employment_reward
    highest = layout.prices(top, groups)
    assert discount_pairs(ctx, near_discounts(ctx, rows, layout, highest, 20.0)) == discount_pairs(
        ctx, near_discounts(ctx, rows, layout, highest, 20.0, headroom=True)
    )


def test_class_rows_summed_within_reach_give_the_smoothed_dual_of_every_settlement() -> None:
    places, arrivals, jobs = random_instance(13, settlements=40, households=400, tight=True)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    ctx = pricing_context(problem, household_types(problem))
    layout, rows = dual_layout(ctx), class_rows(ctx)
    x = layout.flat(travel_prices(problem, ctx.types, cost_scale=100.0))
    unplaced = float(problem.policy.unplaced_penalty)
    for tau in (4.0, 0.25):
        near = near_discounts(ctx, rows, layout, layout.prices(x, problem.vacancies.shape[1]), 30.0)
        reach = reach_of(rows, near, x, layout.settlements, NEGLIGIBLE_EXPONENT * tau, unplaced)
        # the reach leaves settlements out, yet the value and gradient are the full ones
        assert len(reach.settlement) < rows.fits.sum()
        value, gradient = smoothed_dual(ctx, layout, rows, near, x, tau, reach)
        full, full_gradient = smoothed_dual(ctx, layout, rows, near, x, tau)
        assert is_close(value, full)
        assert np.allclose(gradient, full_gradient, rtol=1e-9, atol=1e-9)


def test_a_coarse_start_on_fewer_origins_ends_at_a_valid_bound_near_the_lp() -> None:
    places, arrivals, jobs = random_instance(7, settlements=30, households=1500, tight=True)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    types = household_types(problem)
    ctx = pricing_context(problem, types)
    start = travel_prices(problem, types, cost_scale=100.0)
    effort = replace(SPREAD_EFFORT, coarse_origins=6)
    ascended = coarse_to_fine_ascent(ctx, start, None, None, effort)
    before, _, _ = dual_bound(ctx, start)
    after, _, _ = dual_bound(ctx, ascended.prices)
    lp_value = solve_lp_relaxation(problem, types, rounds=20).lower_bound
    assert ascended.tau == SPREAD_EFFORT.ascent_stages[-1].tau
    # a valid bound: below a plan's objective; and climbed to within 1 % of the LP's
    assert before < after <= plan_placement(problem).objective
    assert after >= lp_value - 0.01 * abs(lp_value)


@pytest.mark.parametrize("start_from", ["flow", "travel"])
def test_the_smoothed_dual_is_a_lower_bound_and_the_ascent_raises_it_toward_the_lp(
    start_from: str,
) -> None:
    places, arrivals, jobs = random_instance(7, settlements=30, households=1500, tight=True)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    types = household_types(problem)
    ctx = pricing_context(problem, types)
    start = (
        solve_relaxation(problem, types, rounds=1, ascend=False).prices
        if start_from == "flow"
        else travel_prices(problem, types, cost_scale=100.0)
    )
    layout, rows = dual_layout(ctx), class_rows(ctx)
    every = near_discounts(ctx, rows, layout, start, np.inf)
    smooth, _ = smoothed_dual(ctx, layout, rows, every, layout.flat(start), 1.0)
    before, _, _ = dual_bound(ctx, start)
    assert smooth <= before + 1e-6 * abs(before)
    after, _, _ = dual_bound(ctx, ascend_dual(ctx, start).prices)
    lp_value = solve_lp_relaxation(problem, types, rounds=20).lower_bound
    assert before - 1e-6 * abs(before) <= after <= lp_value + 1e-6 * abs(lp_value)
    # the ascent ends within 1 % of the LP optimum on this tight instance
    assert after >= lp_value - 0.01 * abs(lp_value)


def test_the_soft_plan_spreads_each_type_over_its_cheapest_options() -> None:
    places, arrivals, jobs = random_instance(9, settlements=30, households=800, tight=False)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    types = household_types(problem)
    ctx = pricing_context(problem, types)
    prices = solve_relaxation(problem, types, rounds=1, ascend=False).prices
    soft = soft_plan(ctx, prices, 0.5)
    t, s, households = soft.pair_type, soft.settlement, soft.households
    _, cheapest_cost, cheapest = dual_bound(ctx, prices)
    # types with a settlement well below the unplaced cost keep all their households but
    # the pairs under the threshold; the others stay (mostly) unplaced
    placeable = cheapest_cost < problem.policy.unplaced_penalty - 20
    assert 0 < placeable.sum() < len(types.count)
    kept = np.bincount(t, weights=households, minlength=len(types.count))
    assert np.all(kept <= types.count + 1e-9)
    lost = (types.count - kept)[placeable]
    assert np.all(lost <= SOFT_PLAN_MIN * len(problem.settlement_ids) + 1e-6)
    assert np.all(kept[~placeable] < types.count[~placeable])
    # every type's heaviest pair is its cheapest settlement
    heaviest = np.full(len(types.count), -1)
    order = np.lexsort((households, t))
    heaviest[t[order]] = s[order]
    assert np.array_equal(heaviest[placeable], cheapest[placeable])


def test_an_lp_out_of_time_falls_back_to_the_flows_when_the_method_is_automatic() -> None:
    size = {"settlements": 60, "households": 400}
    places, arrivals, jobs = random_instance(3, tight=False, **size)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    assert len(problem.settlement_ids) * len(household_types(problem).count) > MIP_MAX_PAIRS
    out_of_time = PlanOptions(lp_seconds=0.0)
    with pytest.raises(SolverTimeLimit):
        plan_placement(problem, method="lp", options=out_of_time)
    assert plan_placement(problem, options=out_of_time).method == "flow"
    check_plan(3, "auto", DEFAULT_POLICY, tight=False, **size)
