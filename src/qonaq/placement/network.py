"""The priced flow network of a large wave and what is read back from its optimal flow.

Types supply persons; they reach a settlement either through their own arcs (wishes, nearby
jobs, any pair column generation adds) or through arcs shared by all types of one origin
class, which carry travel only; each settlement passes persons into its three congestion
band arcs and on to the sink; type → sink is the unplaced arc. OR-Tools solves the min-cost
flow; exact settlement prices of the optimal flow come from Bellman-Ford on its residual
graph.
"""

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from qonaq.placement.model import CHILDREN, MEDICAL, PERSONS, FloatArray, IntArray
from qonaq.placement.pricing import INFINITE, Prices, PricingContext, arc_costs

# integer flow costs are in 1/COST_SCALE km-equivalent
COST_SCALE = 100.0


def type_classes(ctx: PricingContext) -> IntArray:
    """Each type's class: its origin, and whether it needs children and medical places."""
    demand = ctx.types.demand
    key = ctx.types.origin * 4 + 2 * (demand[:, CHILDREN] > 0) + (demand[:, MEDICAL] > 0)
    _, classes = np.unique(key, return_inverse=True)
    result: IntArray = classes.reshape(-1).astype(np.int64)
    return result


@dataclass(frozen=True)
class Network:
    """The priced flow network: types → (direct arcs | class → settlement) → bands → sink."""

    tails: IntArray
    heads: IntArray
    capacities: IntArray
    costs: FloatArray  # per person, already rounded to 1/cost_scale
    supplies: IntArray
    direct: int  # arcs [0, direct) are type → settlement
    generic: slice  # class → settlement arcs
    generic_class: IntArray
    generic_settlement: IntArray
    via_class: slice  # type → class arcs
    bands: slice  # settlement → sink band arcs
    first_settlement: int
    cost_scale: float


def build_network(
    ctx: PricingContext,
    prices: Prices,
    t: IntArray,
    s: IntArray,
    classes: IntArray,
    per_person: FloatArray | None = None,
    cost_scale: float = COST_SCALE,
    capacity: IntArray | None = None,
    shared: bool = True,
) -> Network:
    """Direct arcs carry each type's own priced cost (persons up to `capacity`, else its
    supply); the `shared` class → settlement arcs carry travel only, and skip settlements
    where the class's children or medical places are priced."""
    types = ctx.types
    n_types, n_classes, n_settlements = len(types.count), int(classes.max()) + 1, ctx.room.shape[0]
    first_settlement = n_types + n_classes
    sink = first_settlement + n_settlements
    supply = types.count * types.size
    class_origin = np.zeros(n_classes, dtype=np.int64)
    class_origin[classes] = types.origin
    class_children = np.zeros(n_classes, dtype=np.bool_)
    class_children[classes] = types.demand[:, CHILDREN] > 0
    class_medical = np.zeros(n_classes, dtype=np.bool_)
    class_medical[classes] = types.demand[:, MEDICAL] > 0
    open_room = ctx.problem.eligible & (ctx.room[:, PERSONS] > 0)
    allowed = open_room[None, :] & ~(class_children[:, None] & (prices.children[None, :] > 0))
    allowed &= ~(class_medical[:, None] & (prices.medical[None, :] > 0))
    allowed &= shared
    generic_class, generic_settlement = np.nonzero(allowed)
    bands = ctx.int_widths.shape[1]
    band_s = np.repeat(np.arange(n_settlements), bands)
    gammas = np.asarray(ctx.problem.policy.congestion.costs)
    if per_person is None:
        per_person = arc_costs(ctx, prices, t, s)
    tails = np.concatenate(
        [
            t,
            n_types + generic_class,
            np.arange(n_types),
            np.arange(n_types),
            first_settlement + band_s,
        ]
    )
    heads = np.concatenate(
        [
            first_settlement + s,
            first_settlement + generic_settlement,
            n_types + classes,
            np.full(n_types, sink),
            np.full(n_settlements * bands, sink),
        ]
    )
    total = int(supply.sum())
    capacities = np.concatenate(
        [
            supply[t] if capacity is None else capacity,
            np.full(len(generic_class), total),
            supply,
            supply,
            ctx.int_widths.reshape(-1),
        ]
    )
    costs = np.concatenate(
        [
            per_person,
            ctx.km[class_origin[generic_class], generic_settlement],
            np.zeros(n_types),
            np.full(n_types, ctx.problem.policy.unplaced_penalty),
            np.tile(gammas, n_settlements),
        ]
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_types] = supply
    supplies[sink] = -total
    g0 = len(t)
    c0 = g0 + len(generic_class)
    b0 = c0 + 2 * n_types
    return Network(
        tails=tails,
        heads=heads,
        capacities=capacities,
        costs=np.rint(costs * cost_scale) / cost_scale,
        supplies=supplies,
        direct=len(t),
        generic=slice(g0, c0),
        generic_class=generic_class,
        generic_settlement=generic_settlement,
        via_class=slice(c0, c0 + n_types),
        bands=slice(b0, len(tails)),
        first_settlement=first_settlement,
        cost_scale=cost_scale,
    )


def solve_network(network: Network) -> IntArray:
    """The optimal flow on every arc (OR-Tools min-cost flow, integer costs)."""
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        network.tails,
        network.heads,
        network.capacities,
        np.rint(network.costs * network.cost_scale).astype(np.int64),
    )
    solver.set_nodes_supplies(np.arange(len(network.supplies)), network.supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows: IntArray = solver.flows(np.arange(len(network.tails))).astype(np.int64)
    return flows


def settlement_prices(network: Network, flows: IntArray, n_settlements: int) -> FloatArray:
    """Exact potentials π_s of an optimal flow: Bellman-Ford on its residual graph.

    With d the shortest distances from a virtual root, π_s = d_sink − d_s satisfies every
    reduced-cost condition, so (π, u) is an optimal dual of the restricted flow problem.
    """
    forward = flows < network.capacities
    backward = flows > 0
    tails = np.concatenate([network.tails[forward], network.heads[backward]])
    heads = np.concatenate([network.heads[forward], network.tails[backward]])
    costs = np.concatenate([network.costs[forward], -network.costs[backward]])
    sink = len(network.supplies) - 1
    distance = shortest_from_virtual_root(sink + 1, tails, heads, costs)
    first = network.first_settlement
    prices: FloatArray = distance[sink] - distance[first : first + n_settlements]
    return np.maximum(prices, 0.0)


def shortest_from_virtual_root(
    nodes: int, tails: IntArray, heads: IntArray, costs: FloatArray, max_rounds: int = 2000
) -> FloatArray:
    """Bellman-Ford from a root joined to every node at cost 0, one numpy pass per round."""
    order = np.argsort(heads, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    starts = np.flatnonzero(np.r_[True, heads[1:] != heads[:-1]])
    targets = heads[starts]
    distance = np.zeros(nodes)
    for _ in range(max_rounds):
        best = np.minimum.reduceat(distance[tails] + costs, starts)
        improved = best < distance[targets] - 1e-9
        if not improved.any():
            break
        distance[targets[improved]] = best[improved]
    return distance


def type_settlement_flows(
    network: Network, flows: IntArray, classes: IntArray, t: IntArray, s: IntArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Persons per (type, settlement): direct arcs, plus each class's flow split among its
    types in order (all of a class's routes to a settlement cost the same travel)."""
    via = flows[network.via_class]
    generic = flows[network.generic]
    used = flows[: network.direct] > 0
    pair_t, pair_s, pair_flow = (
        [t[used]],
        [s[used]],
        [flows[: network.direct][used].astype(np.float64)],
    )
    # every class passes on what it takes in, so with the types and the outlets both in
    # class order the two running totals cut each class at the same persons: one merge of
    # the two cumulative sums splits every class at once (a loop over classes scanned all
    # types for each: quadratic once every household has its own origin)
    members = np.flatnonzero(via > 0)
    members = members[np.argsort(classes[members], kind="stable")]
    outlets = np.flatnonzero(generic > 0)
    outlets = outlets[np.argsort(network.generic_class[outlets], kind="stable")]
    if len(members):
        ins, outs = np.cumsum(via[members]), np.cumsum(generic[outlets])
        cuts = np.union1d(ins, outs)
        lengths = np.diff(np.concatenate([[0], cuts]))
        keep = lengths > 0
        pair_t.append(members[np.minimum(np.searchsorted(ins, cuts), len(ins) - 1)][keep])
        outlet = outlets[np.minimum(np.searchsorted(outs, cuts), len(outs) - 1)]
        pair_s.append(network.generic_settlement[outlet][keep])
        pair_flow.append(lengths[keep].astype(np.float64))
    all_t, all_s, all_flow = (
        np.concatenate(pair_t),
        np.concatenate(pair_s),
        np.concatenate(pair_flow),
    )
    n_settlements = int(max(s.max(initial=0), network.generic_settlement.max(initial=0))) + 1
    key, inverse = np.unique(all_t * n_settlements + all_s, return_inverse=True)
    summed: FloatArray = np.bincount(inverse.reshape(-1), weights=all_flow).astype(np.float64)
    pair_type: IntArray = (key // n_settlements).astype(np.int64)
    pair_settlement: IntArray = (key % n_settlements).astype(np.int64)
    return pair_type, pair_settlement, summed


def class_route_costs(
    ctx: PricingContext, network: Network, prices: Prices, classes: IntArray
) -> FloatArray:
    """Each type's cheapest per-person cost through its class's shared arcs, π included."""
    n_classes = int(classes.max()) + 1
    cheapest = np.full(n_classes, INFINITE)
    route = network.costs[network.generic] + prices.persons[network.generic_settlement]
    np.minimum.at(cheapest, network.generic_class, route)
    result: FloatArray = cheapest[classes]
    return result
