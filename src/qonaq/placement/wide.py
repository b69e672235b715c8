"""Waves over many settlements with per-household origins (thousands of villages).

There the pricing origins are few (their budget is origin-settlement pairs: 16 over 7,000
settlements) and a snapped origin is tens of km from a household's own, while the nearest
village is a few km: the relaxation of the snapped wave prices the wrong villages, and its
prices give a bound far below the plan (10,000 persons over 7,000 settlements: the bound
144 % below the LP optimum, the plan 20 % above; docs/placement-model.md §5).

Two remedies, both at the households' own origins:
- a wave whose households make few enough types is not snapped at all: the exact LP
  relaxation over sparse candidates (column generation) prices every household at its own
  origin (`unsnapped`);
- a larger one keeps the snapped relaxation, and its plan's seats are traded among the
  households of one demand class by their own travel, wishes and jobs
  (`own_origin_trades`): the snapped relaxation decides how many households of each
  demand sit in each settlement, their own origins decide which.
"""

import numpy as np
from scipy.spatial import cKDTree

from qonaq.geo.distance import great_circle_pairs_km
from qonaq.placement.costs import evaluate
from qonaq.placement.exchange import solve_trades, take_workers, trade_network, worker_group
from qonaq.placement.household_types import HouseholdTypes, household_types
from qonaq.placement.model import PERSONS, UNPLACED, FloatArray, IntArray, PlacementProblem
from qonaq.placement.options import PlanOptions
from qonaq.placement.origins import distinct_origins

# from this many settlements on, a wave is "wide": villages a few km apart
WIDE_SETTLEMENTS = 2000
# a wide wave whose own-origin types are at most this many gets the exact LP unsnapped
# (far closer than the snapped flows: docs/placement-model.md §8)
UNSNAPPED_LP_MAX_TYPES = 8000
# the nearest settlements, by its own origin, among those its demand class holds, that a
# household may be re-seated in (besides its wishes and its own seat)
SEAT_NEIGHBOURS = 12
# the dual ascent runs up to this many type × settlement pairs, Lagrangian rounds beyond
ASCENT_MAX_PAIRS = 150_000_000
# but over many settlements up to this many: there the rounds' bound is far weaker and a
# wave's class rows are summed only within reach (100,000 own-origin persons over 7,000
# settlements, 260 million pairs: gap 21 % by the rounds, 8 % by the ascent; §5 of the doc)
WIDE_ASCENT_MAX_PAIRS = 400_000_000
# a snapped wide wave the ascent can take is priced at up to this many origins, not at the
# budget of origin-settlement pairs (50 points over 7,000 settlements, 50 km off)
WIDE_PRICING_ORIGINS = 1024


def is_wide(problem: PlacementProblem) -> bool:
    """Whether the wave is over many settlements."""
    return len(problem.settlement_ids) >= WIDE_SETTLEMENTS


def ascent_pair_limit(problem: PlacementProblem, options: PlanOptions) -> int:
    """The most type × settlement pairs the dual ascent runs on: the options', else by the
    wave's number of settlements."""
    if options.ascent_max_pairs is not None:
        return options.ascent_max_pairs
    return WIDE_ASCENT_MAX_PAIRS if is_wide(problem) else ASCENT_MAX_PAIRS


def finer_pricing_origins(
    problem: PlacementProblem, types: HouseholdTypes, options: PlanOptions
) -> int | None:
    """The finer budget of pricing origins for a wide wave snapped by the default budget
    whose types (`types`, at that budget) the ascent takes; None where there is none."""
    if not is_wide(problem) or options.pricing_origins is not None:
        return None
    if len(types.count) * len(problem.settlement_ids) > ascent_pair_limit(problem, options):
        return None
    return WIDE_PRICING_ORIGINS


def unsnapped(problem: PlacementProblem, options: PlanOptions) -> bool:
    """Whether a wide wave is planned at its own origins by the exact LP: few enough types
    at its own origins (the options' pricing-origin budget still wins when set)."""
    if not is_wide(problem) or options.pricing_origins is not None:
        return False
    # types are at least the distinct origins: most waves are told apart without typing them
    if distinct_origins(problem) > UNSNAPPED_LP_MAX_TYPES:
        return False
    return len(household_types(problem).count) <= UNSNAPPED_LP_MAX_TYPES


def own_origin_trades(problem: PlacementProblem, assignment: IntArray) -> IntArray:
    """Households of one demand class (size, children, medical) with at most one worker
    trade the seats their class holds, all at once, by their own origins: every load stays
    as it is, so only travel, wishes and jobs change, and each household may always keep its
    own seat, so the objective never rises (`exchange.py` by household, not by type)."""
    tradable = (problem.workers.sum(axis=1) <= 1) & (assignment != UNPLACED)
    _, class_of = np.unique(problem.demand, axis=0, return_inverse=True)
    class_of = class_of.ravel()
    workers = np.zeros_like(problem.vacancies)
    placed = assignment != UNPLACED
    take_workers(workers, assignment[placed], problem.workers[placed], 1)
    traded = assignment.copy()
    for demand_class in np.unique(class_of[tradable]).tolist():
        members = np.flatnonzero(tradable & (class_of == demand_class))
        if len(members) >= 2:
            traded = reseat_class(problem, traded, members, workers)
    return traded


def reseat_class(
    problem: PlacementProblem, assignment: IntArray, members: IntArray, workers: IntArray
) -> IntArray:
    """The best seats for `members` (placed, one demand class) among the seats they hold:
    one min-cost flow, each household to its nearest held settlements, wishes and own seat.
    `workers` (S, G), the workers placed in each settlement, is kept up to date."""
    held = assignment[members]
    slot_s, slot_of, slots = np.unique(held, return_inverse=True, return_counts=True)
    arc_t, arc_j = seat_candidates(problem, members, slot_s, slot_of.ravel())
    size = problem.demand[members[arc_t], PERSONS].astype(np.float64)
    at = slot_s[arc_j]
    cost: FloatArray = size * problem.policy.circuity * great_circle_pairs_km(
        problem.origin_lat[members[arc_t]], problem.origin_lon[members[arc_t]],
        problem.lat[at], problem.lon[at],
    )  # fmt: skip
    for rank, reward in enumerate(problem.policy.preference_rewards):
        cost -= size * reward * (problem.preferences[members[arc_t], rank] == at)
    own = problem.workers[members]
    take_workers(workers, held, own, -1)
    open_jobs = np.maximum(problem.vacancies - workers, 0)[slot_s]
    supply = np.ones(len(members), dtype=np.int64)
    network = trade_network(
        cost, arc_t, arc_j, supply, slots, open_jobs, worker_group(own),
        problem.policy.employment_reward,
    )  # fmt: skip
    flows = solve_trades(network, supply)
    used = np.flatnonzero(flows[: len(network.slot_of_arc)] > 0)
    traded = assignment.copy()
    traded[members[network.tails[used]]] = slot_s[network.slot_of_arc[used]]
    take_workers(workers, traded[members], own, 1)
    return traded


def seat_candidates(
    problem: PlacementProblem, members: IntArray, slot_s: IntArray, slot_of: IntArray
) -> tuple[IntArray, IntArray]:
    """(household, slot) pairs: each member's SEAT_NEIGHBOURS nearest slots by its own
    origin (a k-d tree on the unit sphere), the slots of its wishes, and its own slot."""
    near = min(SEAT_NEIGHBOURS, len(slot_s))
    tree = cKDTree(unit_vectors(problem.lat[slot_s], problem.lon[slot_s]))
    _, nearest = tree.query(
        unit_vectors(problem.origin_lat[members], problem.origin_lon[members]), k=near
    )
    nearest = np.asarray(nearest, dtype=np.int64).reshape(len(members), near)
    slot_index = np.full(len(problem.settlement_ids), -1, dtype=np.int64)
    slot_index[slot_s] = np.arange(len(slot_s))
    wishes = problem.preferences[members]
    wished = np.where(wishes >= 0, slot_index[np.maximum(wishes, 0)], -1)
    arc_t = np.concatenate(
        [np.repeat(np.arange(len(members)), near), np.arange(len(members)),
         np.nonzero(wished >= 0)[0]]
    )  # fmt: skip
    arc_j = np.concatenate([nearest.ravel(), slot_of, wished[wished >= 0]])
    pairs = np.unique(arc_t * len(slot_s) + arc_j)
    return pairs // len(slot_s), pairs % len(slot_s)


def unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Points on the unit sphere: their chord order is their great-circle order."""
    phi, lam = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=1)


def better_seats(problem: PlacementProblem, assignment: IntArray) -> IntArray:
    """The plan after own-origin trades, kept only if its objective is lower."""
    traded = own_origin_trades(problem, assignment)
    if evaluate(problem, traded).objective < evaluate(problem, assignment).objective:
        return traded
    return assignment
