"""Waves whose households each start at their own address, with wishes over every
settlement: priced at snapped origins, planned and bounded at their own."""

import json
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bench.files import write_instance
from bench.instances import Instance
from qonaq.placement.check import is_close, recompute_objective, violations
from qonaq.placement.costs import evaluate, placed_totals
from qonaq.placement.household_types import household_types
from qonaq.placement.model import build_problem
from qonaq.placement.options import PlanOptions
from qonaq.placement.origins import (
    exact_bound,
    pricing_problem,
    reassign_within_types,
    snap_origins,
)
from qonaq.placement.plan import plan_placement
from qonaq.placement.policy import DEFAULT_POLICY
from qonaq.placement.pricing import dual_bound, pricing_context
from tests.placement.factories import household, random_instance
from tests.placement.milp import optimal_objective
from tests.placement.test_cli import app

# so few pricing origins that every one of these small waves is priced snapped
SNAPPED = PlanOptions(pricing_origins=3)


def scattered(seed: int, settlements: int, households: int) -> tuple[list, list, list]:
    """A random instance whose households each have their own origin around two entry
    areas and up to three wishes drawn from every settlement."""
    places, _, jobs = random_instance(seed, settlements=settlements, households=0, tight=True)
    rng = random.Random(seed)
    arrivals = []
    for h in range(households):
        size = rng.randint(1, 4)
        children = rng.randint(0, size - 1)
        centre = rng.choice([(51.2, 51.4), (43.3, 77.0)])
        wishes = rng.sample([p.id for p in places], k=rng.randint(0, 3))
        arrivals.append(
            household(
                f"h{h}",
                size=size,
                lat=centre[0] + rng.gauss(0, 1.0),
                lon=centre[1] + rng.gauss(0, 1.0),
                children=children,
                medical=int(rng.random() < 0.2),
                occupations=";".join(rng.choice(("it", "driver")) for _ in range(size - children)),
                preferences=";".join(wishes),
            )
        )
    return places, arrivals, jobs


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_a_snapped_plan_keeps_every_rule_and_brackets_the_exact_optimum(seed: int) -> None:
    places, arrivals, jobs = scattered(seed, settlements=6, households=12)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    plan = plan_placement(problem, options=SNAPPED)
    mapping = {h: plan.settlement_of(i) for i, h in enumerate(problem.household_ids)}
    assert violations(places, arrivals, DEFAULT_POLICY, mapping) == []
    recomputed = recompute_objective(places, arrivals, jobs, DEFAULT_POLICY, mapping)
    assert is_close(plan.objective, recomputed["objective"])
    best = optimal_objective(places, arrivals, jobs, DEFAULT_POLICY)
    # the bound is a bound of the real problem (own origins), not of the snapped one
    assert plan.lower_bound <= best + 1e-6 * abs(best)
    assert plan.objective >= best - 1e-6 * abs(best)
    # and the plan is near the optimum on these small waves
    assert plan.objective - best <= 0.05 * abs(best) + 1e-6


@pytest.mark.parametrize("options", [SNAPPED, PlanOptions()], ids=["snapped", "own origins"])
def test_the_flows_plan_a_wave_of_own_origins_and_spread_wishes_near_its_exact_optimum(
    options: PlanOptions,
) -> None:
    # the large-wave strategy (ascent, rounded soft plan, moves, trades) on waves small
    # enough for the MILP with one binary per household and settlement
    excess = []
    for seed in range(1, 9):
        places, arrivals, jobs = scattered(seed, settlements=8, households=40)
        problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
        plan = plan_placement(problem, method="flow", options=options)
        best = optimal_objective(places, arrivals, jobs, DEFAULT_POLICY)
        mapping = {h: plan.settlement_of(i) for i, h in enumerate(problem.household_ids)}
        assert violations(places, arrivals, DEFAULT_POLICY, mapping) == []
        assert plan.lower_bound <= best + 1e-6 * abs(best)
        # the bound of the ascent's prices is all but the optimum on these waves
        assert plan.lower_bound >= best - 0.002 * abs(best)
        assert plan.objective >= best - 1e-6 * abs(best)
        # forty households in eight tight settlements leave the rounding little slack: a
        # plan may be a few per cent above the optimum, the waves on average within one
        assert plan.objective <= best + 0.05 * abs(best)
        excess.append(plan.objective / best - 1)
    assert float(np.mean(excess)) <= 0.01


def test_snapping_leaves_a_wave_of_few_origins_as_it_is() -> None:
    places, arrivals, jobs = random_instance(8, settlements=6, households=14)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    # three origin latitudes × three longitudes: at most nine distinct origins
    assert (
        plan_placement(problem).objective
        == plan_placement(problem, options=PlanOptions(pricing_origins=9)).objective
    )


def test_the_exact_bound_equals_the_dual_bound_of_the_households_at_their_own_origins() -> None:
    places, arrivals, jobs = scattered(11, settlements=8, households=60)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    origins = snap_origins(problem, 4)
    assert origins.points <= 4 and float(origins.shift.max()) > 10.0
    priced = pricing_problem(problem, origins)
    snapped_types = household_types(priced)
    plan = plan_placement(priced)
    exact = exact_bound(pricing_context(priced, snapped_types), problem, origins, plan.prices)
    # the same prices, every household priced at every settlement from its own origin
    own = pricing_context(problem, household_types(problem))
    direct, _, _ = dual_bound(own, plan.prices)
    assert exact == pytest.approx(direct, rel=1e-9, abs=1e-6)


def test_a_type_s_places_go_to_its_households_by_their_own_travel() -> None:
    places, _, _ = random_instance(5, settlements=6, households=0, tight=False)
    # two alike households snapped to one point: each was given the other's settlement
    west, east = places[0], places[1]
    arrivals = [
        household("a", size=2, lat=west.lat + 0.1, lon=west.lon),
        household("b", size=2, lat=east.lat + 0.1, lon=east.lon),
    ]
    problem = build_problem(places, arrivals, [], DEFAULT_POLICY)
    origins = snap_origins(problem, 1)
    types = household_types(pricing_problem(problem, origins))
    crossed = np.array([1, 0])
    fixed = reassign_within_types(problem, types, crossed)
    assert fixed.tolist() == [0, 1]
    assert np.array_equal(placed_totals(problem, fixed)[0], placed_totals(problem, crossed)[0])
    assert evaluate(problem, fixed).travel < evaluate(problem, crossed).travel


def test_the_same_wave_and_options_give_the_same_plan() -> None:
    places, arrivals, jobs = scattered(21, settlements=30, households=900)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    first = plan_placement(problem, options=SNAPPED)
    second = plan_placement(problem, options=SNAPPED)
    assert np.array_equal(first.assignment, second.assignment)
    assert first.lower_bound == second.lower_bound
    assert first.options == SNAPPED


def test_a_wave_too_large_for_the_memory_limit_is_one_line_and_exit_code_2(
    tmp_path: Path,
) -> None:
    places, arrivals, jobs = scattered(3, settlements=6, households=40)
    paths = write_instance(Instance(places, arrivals, jobs), tmp_path)
    result = CliRunner().invoke(
        app(),
        [
            "place",
            "--settlements", str(paths["settlements"]),
            "--households", str(paths["households"]),
            "--vacancies", str(paths["vacancies"]),
            "--out", str(tmp_path / "out"),
            "--memory-limit-gb", "0.1",
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "needs about" in lines[0] and "0.1 GB allowed" in lines[0]
    assert not (tmp_path / "out" / "assignments.csv").exists()


def test_summary_json_records_the_options_and_the_method(tmp_path: Path) -> None:
    places, arrivals, jobs = scattered(3, settlements=6, households=20)
    paths = write_instance(Instance(places, arrivals, jobs), tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app(),
        [
            "place",
            "--settlements", str(paths["settlements"]),
            "--households", str(paths["households"]),
            "--vacancies", str(paths["vacancies"]),
            "--out", str(out), "--quiet",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["options"]["seconds"] is None
    assert summary["options"]["improve_passes"] == 2
    assert summary["method"] == "mip"


def test_a_wall_clock_limit_is_an_option_that_the_plan_keeps() -> None:
    places, arrivals, jobs = scattered(22, settlements=30, households=900)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    timed = PlanOptions(pricing_origins=3, seconds=2.0)
    plan = plan_placement(problem, method="flow", options=timed)
    mapping = {h: plan.settlement_of(i) for i, h in enumerate(problem.household_ids)}
    assert violations(places, arrivals, DEFAULT_POLICY, mapping) == []
    assert plan.options.seconds == 2.0
    assert plan.lower_bound <= plan.objective
