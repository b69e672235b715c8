"""The fast paths of a million-person plan give exactly what the plain ones give."""

import numpy as np
import pytest

from qonaq.cli.place_files import HOUSEHOLD_COLUMNS, clean_households, parse_households
from qonaq.csvinput import read_rows, validate_rows
from qonaq.placement.assign import MoveCosts, may_improve, origin_km
from qonaq.placement.costs import marginal_costs, placed_totals
from qonaq.placement.household_types import unique_rows
from qonaq.placement.model import UNPLACED, HouseholdRecord, HouseholdTable, build_problem
from qonaq.placement.policy import DEFAULT_POLICY
from tests.placement.factories import random_instance

HOUSEHOLDS = """id,size,children,medical,origin_lat,origin_lon,occupations,preferences
h1,3,1,0,51.23,51.37,it; driver,s1;s0
h2,1,0,0,51.23,51.37,it,

h3,4,2,1,51.23,51.37,teacher;;,s1;s1
"""


def test_column_wise_households_equal_the_row_by_row_records() -> None:
    ids = {"s0", "s1"}
    table = clean_households("households.csv", ids, HOUSEHOLDS)
    assert table is not None
    quoted = clean_households("households.csv", ids, HOUSEHOLDS.replace("it,", '"it",'))
    assert quoted is not None
    header, rows = read_rows("households.csv", HOUSEHOLDS)
    plain = validate_rows("households.csv", header, rows, HouseholdRecord, HOUSEHOLD_COLUMNS)
    assert list(table) == list(quoted) == list(plain)
    assert list(parse_households("households.csv", ids, HOUSEHOLDS)) == plain
    assert table[2].occupations == ("teacher",) and table[2].preferences == ("s1", "s1")
    assert table[-1] == table[2] and list(table[1:]) == list(table)[1:]


@pytest.mark.parametrize(
    "text",
    [
        HOUSEHOLDS.replace("h2,1,0,0", "h2,1,2,0"),  # more children than members
        HOUSEHOLDS.replace("s1;s0", "s1;s9"),  # unknown settlement
        HOUSEHOLDS.replace("h2,", "h1,"),  # duplicate id
        HOUSEHOLDS.replace("51.23,51.37,it,", "51.23,51.37,it,,extra"),  # ragged row
        HOUSEHOLDS.replace("h2,1,", "h2,x,"),  # not a number
        "\n" + HOUSEHOLDS,  # no header where csv expects it
    ],
)
def test_any_doubt_leaves_the_wording_to_the_row_by_row_path(text: str) -> None:
    assert clean_households("households.csv", {"s0", "s1"}, text) is None


@pytest.mark.parametrize("seed", range(5))
def test_tables_build_the_same_problem_as_records(seed: int) -> None:
    places, arrivals, jobs = random_instance(seed, households=40)
    from_records = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    from_table = build_problem(places, HouseholdTable.of(arrivals), jobs, DEFAULT_POLICY)
    for name in ("demand", "workers", "preferences", "origin_lat", "origin_lon"):
        assert np.array_equal(getattr(from_records, name), getattr(from_table, name)), name
    assert from_records.household_ids == from_table.household_ids


@pytest.mark.parametrize(
    "rows",
    [
        np.random.default_rng(3).integers(-1, 4, size=(500, 6)),
        # long tables are packed into int64 keys: one, several, and a column too wide to pack
        np.random.default_rng(4).integers(-1, 4, size=(5000, 6)),
        np.random.default_rng(5).integers(-1, 2**21, size=(5000, 7)),
        np.repeat(
            np.array([[2**62, -5, 1], [-(2**62), 3, 2], [2**62, -5, 1], [2**62, -5, 0]]),
            1200,
            axis=0,
        ),
        np.repeat(np.random.default_rng(6).uniform(size=(50, 2)), 3, axis=0),
        np.zeros((5000, 0), dtype=np.int64),
    ],
)
def test_unique_rows_is_numpy_unique_on_rows(rows: np.ndarray) -> None:
    distinct, of_row = unique_rows(rows)
    expected, inverse = np.unique(rows, axis=0, return_inverse=True)
    assert np.array_equal(distinct, expected)
    assert np.array_equal(of_row, inverse.reshape(-1))


@pytest.mark.parametrize("seed", range(8))
def test_move_costs_equal_marginal_costs(seed: int) -> None:
    places, arrivals, jobs = random_instance(seed, households=30)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    rng = np.random.default_rng(seed)
    eligible = np.flatnonzero(problem.eligible)
    assignment = np.where(
        rng.random(len(arrivals)) < 0.5,
        rng.choice(eligible, size=len(arrivals)) if len(eligible) else UNPLACED,
        UNPLACED,
    )
    added, workers = placed_totals(problem, assignment)
    load = problem.load + added
    moves = MoveCosts.of(problem)
    for h in range(len(arrivals)):
        km = origin_km(problem, {}, h)
        expected = marginal_costs(problem, load, workers, km, h).total
        assert np.allclose(moves.total(problem, load, workers, km, h), expected, rtol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_screen_and_scalar_costs_equal_move_costs(seed: int) -> None:
    places, arrivals, jobs = random_instance(seed, households=30)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    eligible = np.flatnonzero(problem.eligible)
    if not len(eligible):
        return
    rng = np.random.default_rng(seed)
    assignment = rng.choice(eligible, size=len(arrivals))
    added, workers = placed_totals(problem, assignment)
    load = problem.load + added
    moves = MoveCosts.of(problem)
    households = np.arange(len(arrivals))
    promising, target = may_improve(problem, moves, load, workers, households, assignment)
    for h in households.tolist():
        km = origin_km(problem, {}, h)
        where = int(assignment[h])
        joined = moves.total(problem, load, workers, km, h)
        for s in set(range(len(places))) - {where}:
            assert np.isclose(moves.joining(problem, load, workers, km, h, s), joined[s])
        # the screen: taken out of its home, is there a settlement cheaper than coming back?
        home_load, home_workers = load.copy(), workers.copy()
        home_load[where] -= problem.demand[h]
        home_workers[where] -= problem.workers[h]
        total = moves.total(problem, home_load, home_workers, km, h)
        staying = moves.joining(problem, home_load, home_workers, km, h, where, False)
        if np.isfinite(total[where]):
            assert np.isclose(staying, total[where])
        total[where] = np.inf
        assert bool(promising[h]) == bool(total.min() < staying - 1e-6)
        if promising[h]:
            assert np.isclose(total[target[h]], total.min())
