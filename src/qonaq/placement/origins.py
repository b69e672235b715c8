"""Pricing origins: a wave whose households each start at their own address is priced with
their origins snapped to a few points, and assigned and bounded with their own origins.

A household's cost in a settlement depends on its origin only through the travel term, and
by the triangle inequality moving the origin by δ km (× circuity) moves that term by at
most δ per person in every settlement. So the relaxation (types, flows, ascent: everything
sized by the number of distinct origins) runs on the snapped problem; the plan's households
of one snapped type then take that type's places in the order their own origins prefer
(`reassign_within_types`, loads unchanged), the local search moves them at their exact
costs, and the lower bound is the exact dual bound of the relaxation's prices over every
household at its own origin (`exact_bound`: only settlements within 2δ of the snapped
best exact cost found so far can hold a household's exact minimum: few distances).
"""

from dataclasses import dataclass, replace

import numba
import numpy as np
from ortools.graph.python import min_cost_flow

from qonaq.geo.distance import great_circle_pairs_km, haversine_km
from qonaq.placement.household_types import HouseholdTypes
from qonaq.placement.model import PERSONS, UNPLACED, FloatArray, IntArray, PlacementProblem
from qonaq.placement.pricing import PRICING_CHUNK, Prices, PricingContext, bound_of, chunk_costs

# distinct origins priced as they are at most: the relaxation's networks and class rows grow
# with origins × settlements, so the budget is in origin-settlement pairs, within limits
ORIGIN_SETTLEMENT_PAIRS = 350_000
MIN_PRICING_ORIGINS = 16
MAX_PRICING_ORIGINS = 1024
# the grid starts this fine (degrees of latitude) and grows by √2 until few enough cells are used
FINEST_CELL_DEGREES = 0.005
# households × slots of one type that a within-type reassignment may weigh at most
REASSIGN_MAX_ARCS = 20_000_000
# flow costs in 1/100 km
REASSIGN_COST_SCALE = 100.0


@dataclass(frozen=True)
class PricingOrigins:
    """Each household's snapped origin and how far its own origin is from it (road km)."""

    lat: FloatArray  # (H,) snapped
    lon: FloatArray  # (H,)
    shift: FloatArray  # (H,) circuity × great-circle km from its own origin to the snapped one
    points: int  # distinct snapped origins


def pricing_origin_budget(settlements: int) -> int:
    """How many distinct origins a wave over `settlements` settlements is priced with."""
    return int(
        np.clip(ORIGIN_SETTLEMENT_PAIRS // max(settlements, 1), MIN_PRICING_ORIGINS,
                MAX_PRICING_ORIGINS)
    )  # fmt: skip


def distinct_origins(problem: PlacementProblem) -> int:
    """How many distinct origins the households have."""
    if not problem.household_ids:
        return 0
    pairs = np.stack([problem.origin_lat, problem.origin_lon], axis=1)
    return len(np.unique(pairs.view(np.complex128).ravel()))


def snap_origins(problem: PlacementProblem, budget: int) -> PricingOrigins:
    """Origins snapped to the persons-weighted centres of the finest grid (square in km at the
    wave's mean latitude) that uses at most `budget` cells."""
    lat, lon = problem.origin_lat, problem.origin_lon
    persons = problem.demand[:, PERSONS].astype(np.float64)
    stretch = max(np.cos(np.radians(float(np.mean(lat)))), 0.05)
    cell = FINEST_CELL_DEGREES
    while True:
        rows = np.floor(lat / cell).astype(np.int64)
        columns = np.floor(lon * stretch / cell).astype(np.int64)
        _, of_cell = np.unique(rows * 4_000_003 + columns, return_inverse=True)
        of_cell = of_cell.ravel()
        cells = int(of_cell.max()) + 1
        if cells <= budget:
            break
        cell *= np.sqrt(2.0)
    weight = np.bincount(of_cell, weights=persons, minlength=cells)
    centre_lat = np.bincount(of_cell, weights=persons * lat, minlength=cells) / weight
    centre_lon = np.bincount(of_cell, weights=persons * lon, minlength=cells) / weight
    snapped_lat, snapped_lon = centre_lat[of_cell], centre_lon[of_cell]
    shift = great_circle_pairs_km(lat, lon, snapped_lat, snapped_lon) * problem.policy.circuity
    return PricingOrigins(snapped_lat, snapped_lon, shift, cells)


def pricing_problem(problem: PlacementProblem, origins: PricingOrigins) -> PlacementProblem:
    """The problem with every household at its snapped origin."""
    return replace(problem, origin_lat=origins.lat, origin_lon=origins.lon)


def exact_bound(
    ctx: PricingContext, problem: PlacementProblem, origins: PricingOrigins, prices: Prices
) -> float:
    """The weak-duality bound of `prices` for the households at their own origins.

    `ctx` prices the snapped types; a household's exact per-person cost in s is its type's
    cost there, less the snapped origin's km, plus its own origin's km."""
    types = ctx.types
    unplaced = problem.policy.unplaced_penalty
    by_type = np.argsort(types.of_household, kind="stable")
    type_start = np.concatenate([[0], np.cumsum(types.count)])
    phi = np.radians(problem.lat)
    lam = np.radians(problem.lon)
    total = 0.0
    for start in range(0, len(types.count), PRICING_CHUNK):
        t = np.arange(start, min(start + PRICING_CHUNK, len(types.count)))
        cost = chunk_costs(ctx, prices, t)
        households = by_type[type_start[t[0]] : type_start[t[-1] + 1]]
        row = types.of_household[households] - start
        best = household_minima(
            cost,
            ctx.km[types.origin[t]],
            row,
            origins.shift[households],
            np.radians(problem.origin_lat[households]),
            np.radians(problem.origin_lon[households]),
            phi,
            lam,
            float(problem.policy.circuity),
        )
        sizes = problem.demand[households, PERSONS].astype(np.float64)
        total += float(sizes @ np.minimum(best, unplaced))
    # bound_of's terms other than the types' cheapest options: its value at zero options
    return total + bound_of(ctx, prices, np.zeros(len(types.count)))


# geo.distance's haversine, compiled for the scalars of the kernel below
_haversine = numba.njit(cache=True, error_model="numpy")(haversine_km)


@numba.njit(parallel=True, cache=True, error_model="numpy")
def household_minima(
    cost: FloatArray,
    snapped_km: FloatArray,
    row: IntArray,
    shift: FloatArray,
    phi: FloatArray,
    lam: FloatArray,
    settlement_phi: FloatArray,
    settlement_lam: FloatArray,
    circuity: float,
) -> FloatArray:
    """Each household's exact cheapest per-person cost: its type's row `cost[row[h]]` with the
    snapped km swapped for its own, from the row's cheapest, then only where the row less the
    household's shift can still beat the best found (a scan, not a sort of every row)."""
    best = np.empty(len(row))
    for h in numba.prange(len(row)):
        r = row[h]
        cheapest = np.argmin(cost[r])
        found = cost[r, cheapest]
        if shift[h] > 0.0 and found < np.inf:
            cos_phi = np.cos(phi[h])
            found = np.inf
            # the cheapest first: its exact cost rules out most of the row
            for k in range(cost.shape[1] + 1):
                s = cheapest if k == 0 else k - 1
                if (k == 0 or s != cheapest) and cost[r, s] - shift[h] < found:
                    km = circuity * _haversine(
                        phi[h], lam[h], cos_phi,
                        settlement_phi[s], settlement_lam[s], np.cos(settlement_phi[s]),
                    )  # fmt: skip
                    found = min(found, cost[r, s] - snapped_km[r, s] + km)
        best[h] = found
    return best


def reassign_within_types(
    problem: PlacementProblem, types: HouseholdTypes, assignment: IntArray
) -> IntArray:
    """The places a plan gives each snapped type, shared among its households so that their
    own travel is least (one min-cost flow): every load, job and wish stays as it was."""
    slot_key = types.of_household * (len(problem.settlement_ids) + 1) + (assignment + 1)
    slots, slot_of = np.unique(slot_key, return_inverse=True)
    slot_of = slot_of.ravel()
    slot_type = slots // (len(problem.settlement_ids) + 1)
    slots_per_type = np.bincount(slot_type, minlength=len(types.count))
    # only households of types holding two or more kinds of place can trade
    movable = np.flatnonzero(slots_per_type[types.of_household] >= 2)
    if len(movable) == 0:
        return assignment
    weight = slots_per_type[types.of_household[movable]]
    if int(weight.sum()) > REASSIGN_MAX_ARCS:
        return assignment
    # arcs: every movable household to every slot of its type
    type_first_slot = np.searchsorted(slot_type, np.arange(len(types.count)))
    arc_household = np.repeat(np.arange(len(movable)), weight)
    within = np.arange(len(arc_household)) - np.repeat(np.cumsum(weight) - weight, weight)
    arc_slot = type_first_slot[types.of_household[movable]][arc_household] + within
    settlement = (slots % (len(problem.settlement_ids) + 1)) - 1
    target = settlement[arc_slot]
    to = np.maximum(target, 0)
    km = great_circle_pairs_km(
        problem.origin_lat[movable][arc_household],
        problem.origin_lon[movable][arc_household],
        problem.lat[to],
        problem.lon[to],
    )
    sizes = problem.demand[movable, PERSONS][arc_household].astype(np.float64)
    cost = np.where(target == UNPLACED, 0.0, sizes * km * problem.policy.circuity)
    used_slots, slot_local = np.unique(arc_slot, return_inverse=True)
    slot_local = slot_local.ravel()
    households = len(movable)
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        arc_household,
        households + slot_local,
        np.ones(len(arc_household), dtype=np.int64),
        np.rint(cost * REASSIGN_COST_SCALE).astype(np.int64),
    )
    holding = np.bincount(slot_of[movable], minlength=len(slots))[used_slots]
    supplies = np.concatenate([np.ones(households, dtype=np.int64), -holding])
    solver.set_nodes_supplies(np.arange(len(supplies)), supplies)
    if solver.solve() != solver.OPTIMAL:
        return assignment
    chosen = solver.flows(np.arange(len(arc_household))) > 0
    result = assignment.copy()
    result[movable[arc_household[chosen]]] = target[chosen]
    return result
