"""Waves over many settlements with per-household origins (placement/wide.py)."""

import numpy as np
import pytest

from qonaq.placement.check import violations
from qonaq.placement.costs import evaluate, placed_totals
from qonaq.placement.flow import SPREAD_EFFORT, WIDE_SPREAD_EFFORT, effort_of
from qonaq.placement.household_types import household_types
from qonaq.placement.lp import solve_lp_relaxation
from qonaq.placement.model import PlacementProblem, build_problem
from qonaq.placement.options import PlanOptions
from qonaq.placement.origins import pricing_origin_budget, pricing_problem, snap_origins
from qonaq.placement.plan import finer_pricing, plan_placement
from qonaq.placement.policy import DEFAULT_POLICY
from qonaq.placement.wide import (
    ASCENT_MAX_PAIRS,
    WIDE_ASCENT_MAX_PAIRS,
    WIDE_PRICING_ORIGINS,
    WIDE_SETTLEMENTS,
    ascent_pair_limit,
    finer_pricing_origins,
    own_origin_trades,
)
from tests.placement.factories import household, settlement
from tests.placement.test_origins import scattered


def lp_optimum(problem: PlacementProblem) -> float:
    """The exact LP relaxation at the households' own origins, columns until none is missing."""
    return solve_lp_relaxation(problem, household_types(problem), rounds=50).lower_bound


def test_a_wide_wave_of_few_types_is_planned_at_its_own_origins_by_the_exact_lp() -> None:
    places, arrivals, jobs = scattered(21, settlements=WIDE_SETTLEMENTS, households=120)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    plan = plan_placement(problem)
    assert plan.method == "lp"
    mapping = {h: plan.settlement_of(i) for i, h in enumerate(problem.household_ids)}
    assert violations(places, arrivals, DEFAULT_POLICY, mapping) == []
    # its bound and plan bracket the LP optimum of the households at their own origins
    optimum = lp_optimum(problem)
    assert plan.lower_bound <= optimum + 1e-6 * abs(optimum) <= plan.objective


def test_a_pricing_origin_budget_in_the_options_still_snaps_a_wide_wave() -> None:
    places, arrivals, jobs = scattered(22, settlements=WIDE_SETTLEMENTS, households=60)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    own = plan_placement(problem)
    snapped = plan_placement(problem, options=PlanOptions(pricing_origins=2))
    # two snapped points hide tens of km per household: the bound drops far below
    assert snapped.lower_bound < own.lower_bound


def test_two_households_seated_at_each_other_s_origin_trade_their_seats() -> None:
    places = [settlement("a", lat=50.0, lon=50.0), settlement("b", lat=50.0, lon=60.0)]
    arrivals = [household("near_b", lat=50.0, lon=60.0), household("near_a", lat=50.0, lon=50.0)]
    problem = build_problem(places, arrivals, [], DEFAULT_POLICY)
    crossed = np.array([0, 1])
    traded = own_origin_trades(problem, crossed)
    assert traded.tolist() == [1, 0]
    assert evaluate(problem, traded).travel < evaluate(problem, crossed).travel


@pytest.mark.parametrize("seed", [41, 42])
def test_own_origin_trades_keep_every_load_and_never_raise_the_objective(seed: int) -> None:
    places, arrivals, jobs = scattered(seed, settlements=30, households=300)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    plan = plan_placement(problem, options=PlanOptions(pricing_origins=2))
    traded = own_origin_trades(problem, plan.assignment)
    # persons, children and medical places in every settlement, exactly as before
    assert np.array_equal(
        placed_totals(problem, plan.assignment)[0], placed_totals(problem, traded)[0]
    )
    assert (
        evaluate(problem, traded).objective <= evaluate(problem, plan.assignment).objective + 1e-6
    )
    mapping = {
        h: problem.settlement_ids[s] if s >= 0 else ""
        for h, s in zip(problem.household_ids, traded.tolist(), strict=True)
    }
    assert violations(places, arrivals, DEFAULT_POLICY, mapping) == []


def test_a_wide_wave_whose_own_origin_lp_runs_out_of_time_is_planned_snapped_by_the_flows() -> None:
    # more distinct origins than the budget over this many settlements, so it would be snapped
    households = pricing_origin_budget(WIDE_SETTLEMENTS) + 60
    places, arrivals, jobs = scattered(23, settlements=WIDE_SETTLEMENTS, households=households)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    plan = plan_placement(problem, options=PlanOptions(lp_seconds=1e-9))
    assert plan.method == "flow"
    # the budget it was snapped with is recorded with the options
    assert plan.options.pricing_origins == pricing_origin_budget(WIDE_SETTLEMENTS)
    assert plan.placed_households == len(arrivals)
    assert plan.lower_bound <= plan.objective


def test_the_ascent_runs_on_more_pairs_over_many_settlements_unless_the_options_say() -> None:
    few = build_problem(*scattered(24, settlements=30, households=10), DEFAULT_POLICY)
    many = build_problem(
        *scattered(24, settlements=WIDE_SETTLEMENTS, households=10), DEFAULT_POLICY
    )
    assert ascent_pair_limit(few, PlanOptions()) == ASCENT_MAX_PAIRS
    assert ascent_pair_limit(many, PlanOptions()) == WIDE_ASCENT_MAX_PAIRS > ASCENT_MAX_PAIRS
    assert ascent_pair_limit(many, PlanOptions(ascent_max_pairs=7)) == 7


def test_a_wide_wave_the_ascent_takes_is_priced_at_finer_origins_unless_too_many_pairs() -> None:
    # more distinct origins than the default budget over this many settlements
    budget = pricing_origin_budget(WIDE_SETTLEMENTS)
    places, arrivals, jobs = scattered(25, settlements=WIDE_SETTLEMENTS, households=4 * budget)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    origins = snap_origins(problem, budget)
    priced = pricing_problem(problem, origins)
    coarse = (origins, priced, household_types(priced))
    assert finer_pricing_origins(problem, coarse[2], PlanOptions()) == WIDE_PRICING_ORIGINS
    finer = finer_pricing(problem, "flow", PlanOptions(), coarse)
    assert finer[0].points > origins.points
    assert float(finer[0].shift.mean()) < float(origins.shift.mean())
    # types the ascent cannot take keep the coarse pricing, and the rounds with it
    pairs = len(coarse[2].count) * WIDE_SETTLEMENTS
    tight = PlanOptions(ascent_max_pairs=pairs)
    assert finer_pricing(problem, "flow", tight, coarse) is coarse
    # and so do fewer pairs allowed, a budget in the options, and the exact LP
    fewer = PlanOptions(ascent_max_pairs=pairs - 1)
    assert finer_pricing_origins(problem, coarse[2], fewer) is None
    assert finer_pricing_origins(problem, coarse[2], PlanOptions(pricing_origins=budget)) is None
    assert finer_pricing(problem, "lp", PlanOptions(), coarse) is coarse
    # and the plan priced finer is whole and valid
    plan = plan_placement(problem, method="flow")
    assert plan.placed_households == len(arrivals)
    assert plan.lower_bound <= plan.objective
    mapping = {h: plan.settlement_of(i) for i, h in enumerate(problem.household_ids)}
    assert violations(places, arrivals, DEFAULT_POLICY, mapping) == []


def test_a_wide_wave_of_one_household_types_climbs_with_its_job_discounts_headroom() -> None:
    wide = build_problem(
        *scattered(26, settlements=WIDE_SETTLEMENTS, households=40), DEFAULT_POLICY
    )
    narrow = build_problem(*scattered(26, settlements=30, households=40), DEFAULT_POLICY)
    wide_effort = effort_of(wide, household_types(wide), PlanOptions())
    narrow_effort = effort_of(narrow, household_types(narrow), PlanOptions())
    assert wide_effort is WIDE_SPREAD_EFFORT and wide_effort.job_headroom
    assert narrow_effort is SPREAD_EFFORT and not narrow_effort.job_headroom
    # longer low-temperature stages over many settlements
    assert wide_effort.ascent_stages[-1].iterations > narrow_effort.ascent_stages[-1].iterations
