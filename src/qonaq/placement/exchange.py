"""Households with the same needs trade places, all at once.

Households of one demand class (same size, children and medical needs) can take each
other's places without changing any settlement's load in any dimension, so congestion and
every capacity stay as they are; only travel, wishes and jobs change. With at most one
worker each, which of them sits where is a min-cost flow: types → (open job of their group
→) settlement slots, the job arcs limited to the vacancies the other households leave
open. The single-household moves of `assign.improve` cannot make these trades, since each
one needs a place another household holds.
"""

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from qonaq.placement.costs import road_km
from qonaq.placement.household_types import HouseholdTypes
from qonaq.placement.model import UNPLACED, FloatArray, IntArray, PlacementProblem

# settlements a type may trade into: its cheapest by travel and wishes, and where it is
TRADE_CANDIDATES = 15
# flow costs in 1/100 km-equivalent
COST_SCALE = 100.0
# cells of one trade's kinds × settlements cost table at most (160 MB); a class with more
# kinds trades in parts
MAX_TRADE_CELLS = 20_000_000
# and kinds of one trade at most: a flow's time grows faster than its kinds, and a wave of
# own origins has as many kinds as households
MAX_TRADE_KINDS = 16_384


def exchange(problem: PlacementProblem, types: HouseholdTypes, assignment: IntArray) -> IntArray:
    """Let each demand class of households with at most one worker trade places optimally
    (a class of more kinds than one trade may weigh trades in parts of them)."""
    tradable = types.workers.sum(axis=1) <= 1
    _, class_of = np.unique(types.demand, axis=0, return_inverse=True)
    class_of = class_of.ravel()
    traded = assignment.copy()
    placed = traded != UNPLACED
    workers = np.zeros_like(problem.vacancies)
    take_workers(workers, traded[placed], problem.workers[placed], 1)
    kinds_per_part = max(
        2, min(MAX_TRADE_KINDS, MAX_TRADE_CELLS // max(len(problem.settlement_ids), 1))
    )
    for demand_class in np.unique(class_of[tradable]).tolist():
        members = np.flatnonzero(tradable & (class_of == demand_class))
        for part in trade_parts(members, kinds_per_part):
            traded = trade_within(problem, types, traded, part, workers)
    return traded


def trade_parts(members: IntArray, kinds_per_part: int) -> list[IntArray]:
    """The kinds of one class in parts of at most `kinds_per_part`, every part alike in
    size, each kind in the part of its rank modulo the parts: a wave whose households each
    have their own origin has as many kinds as households, and one dense kinds × places table
    of its largest class would be gigabytes."""
    parts = -(-len(members) // kinds_per_part)
    return [members[start::parts] for start in range(parts)]


def trade_within(
    problem: PlacementProblem,
    types: HouseholdTypes,
    assignment: IntArray,
    members: IntArray,
    workers: IntArray,
) -> IntArray:
    """The best places for the placed households of `members` (types of one demand class)
    among the places they hold now; `workers` (S, G), the workers placed in each settlement,
    is kept up to date."""
    is_member = np.zeros(len(types.count), dtype=np.bool_)
    is_member[members] = True
    households = np.flatnonzero(is_member[types.of_household] & (assignment != UNPLACED))
    if len(households) < 2:
        return assignment
    type_of = types.of_household[households]
    kinds, local, supply = np.unique(type_of, return_inverse=True, return_counts=True)
    local = local.ravel()
    held = assignment[households]
    slot_s, slot_of, slots = np.unique(held, return_inverse=True, return_counts=True)
    cost = trade_costs(problem, types, kinds, slot_s)
    arc_t, arc_j = candidate_slots(cost, local, slot_of.ravel())
    own = problem.workers[households]
    take_workers(workers, held, own, -1)
    open_jobs = np.maximum(problem.vacancies - workers, 0)[slot_s]  # (slots, G)
    network = trade_network(
        cost[arc_t, arc_j], arc_t, arc_j, supply, slots, open_jobs,
        worker_group(types.workers[kinds]), problem.policy.employment_reward,
    )  # fmt: skip
    flows = solve_trades(network, supply)
    # the settlement each kind-leaving arc leads to: its slot's, directly or via a job node
    leads_to = slot_s[network.slot_of_arc]
    used = np.flatnonzero(flows[: len(leads_to)] > 0)
    order = used[np.argsort(network.tails[used], kind="stable")]
    traded = assignment.copy()
    # households sorted by kind take their kind's places in turn
    traded[households[np.argsort(local, kind="stable")]] = np.repeat(leads_to[order], flows[order])
    take_workers(workers, traded[households], own, 1)
    return traded


@dataclass(frozen=True)
class TradeNetwork:
    """Kinds → (job node →) slot → sink, as OR-Tools wants it; the arcs leaving the kinds
    come first, and `slot_of_arc` names the slot each of them leads to."""

    tails: IntArray
    heads: IntArray
    capacities: IntArray
    costs: FloatArray
    slot_of_arc: IntArray
    sink: int


def trade_network(
    arc_cost: FloatArray,
    arc_t: IntArray,
    arc_j: IntArray,
    supply: IntArray,
    slots: IntArray,
    open_jobs: IntArray,
    group: IntArray,
    reward: float,
) -> TradeNetwork:
    """Nodes: kinds, then slots, then a job node per (slot, group) with open jobs, then the
    sink. A worker's kind reaches a slot directly (`arc_cost` per household of the kind) or,
    for the reward, through the job node of its group there, which passes at most the open
    jobs."""
    n_kinds, n_slots = len(supply), len(slots)
    job_j, job_g = np.nonzero(open_jobs > 0)
    job_node = np.full(open_jobs.shape, -1, dtype=np.int64)
    job_node[job_j, job_g] = n_kinds + n_slots + np.arange(len(job_j))
    hires = group[arc_t] >= 0
    hires[hires] = job_node[arc_j[hires], group[arc_t[hires]]] >= 0
    hire_t, hire_j = arc_t[hires], arc_j[hires]
    sink = n_kinds + n_slots + len(job_j)
    return TradeNetwork(
        tails=np.concatenate(
            [arc_t, hire_t, n_kinds + n_slots + np.arange(len(job_j)), n_kinds + np.arange(n_slots)]
        ),
        heads=np.concatenate(
            [
                n_kinds + arc_j,
                job_node[hire_j, group[hire_t]],
                n_kinds + job_j,
                np.full(n_slots, sink),
            ]
        ),
        capacities=np.concatenate([supply[arc_t], supply[hire_t], open_jobs[job_j, job_g], slots]),
        costs=np.concatenate([arc_cost, arc_cost[hires] - reward, np.zeros(len(job_j) + n_slots)]),
        slot_of_arc=np.concatenate([arc_j, hire_j]),
        sink=sink,
    )


def worker_group(workers: IntArray) -> IntArray:
    """The occupation group of each kind's one worker, -1 for kinds without one."""
    if workers.shape[1] == 0:
        return np.full(len(workers), -1, dtype=np.int64)
    return np.where(workers.any(axis=1), workers.argmax(axis=1), -1)


def trade_costs(
    problem: PlacementProblem, types: HouseholdTypes, kinds: IntArray, slot_s: IntArray
) -> FloatArray:
    """(kinds, slots) travel minus wish reward of one household, jobs aside: the road km
    from each distinct origin of the kinds to the slots' settlements only."""
    origins, origin_of = np.unique(types.origin[kinds], return_inverse=True)
    km = road_km(
        problem.policy,
        types.origin_lat[origins],
        types.origin_lon[origins],
        problem.lat[slot_s],
        problem.lon[slot_s],
    )
    size = types.size[kinds].astype(np.float64)
    cost: FloatArray = size[:, None] * km[origin_of.ravel()]
    # each kind wishes for three settlements at most: only those cells change
    slot_of = np.full(len(problem.settlement_ids) + 1, -1, dtype=np.int64)
    slot_of[slot_s] = np.arange(len(slot_s))
    for rank, reward in enumerate(problem.policy.preference_rewards):
        slot = slot_of[types.preferences[kinds, rank]]  # no wish (−1): the last entry, −1
        wished = np.flatnonzero(slot >= 0)
        cost[wished, slot[wished]] -= size[wished] * reward
    return cost


def candidate_slots(
    cost: FloatArray, local: IntArray, slot_of: IntArray
) -> tuple[IntArray, IntArray]:
    """Each kind's cheapest slots and the slots its households hold now (so the current
    places stay possible and the trade can only gain)."""
    keep = np.zeros(cost.shape, dtype=np.bool_)
    cheapest = min(TRADE_CANDIDATES, cost.shape[1])
    nearest = np.argpartition(cost, cheapest - 1, axis=1)[:, :cheapest]
    np.put_along_axis(keep, nearest, True, axis=1)
    keep[local, slot_of] = True
    arc_t, arc_j = np.nonzero(keep)
    return arc_t, arc_j


def take_workers(workers: IntArray, where: IntArray, own: IntArray, sign: int) -> None:
    """Add (sign 1) or remove (sign -1) households' workers `own` at settlements `where`."""
    for g in np.flatnonzero(own.any(axis=0)).tolist():
        workers[:, g] += sign * np.bincount(
            where, weights=own[:, g], minlength=len(workers)
        ).astype(workers.dtype)


def solve_trades(network: TradeNetwork, supply: IntArray) -> IntArray:
    """The optimal flow on every arc (OR-Tools), each kind sending its households."""
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        network.tails,
        network.heads,
        network.capacities.astype(np.int64),
        np.rint(network.costs * COST_SCALE).astype(np.int64),
    )
    supplies = np.zeros(network.sink + 1, dtype=np.int64)
    supplies[: len(supply)] = supply
    supplies[network.sink] = -int(supply.sum())
    solver.set_nodes_supplies(np.arange(network.sink + 1), supplies)
    if solver.solve() != solver.OPTIMAL:
        raise RuntimeError("the trade flow has no optimal solution")
    flows: IntArray = solver.flows(np.arange(len(network.tails))).astype(np.int64)
    return flows
