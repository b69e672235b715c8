"""The relaxation of a large wave: min-cost flows in persons under Lagrangian prices.

Children places, medical places and jobs are priced out (Lagrangian relaxation, Held &
Karp 1971; Fisher 1981), leaving a pure min-cost flow that OR-Tools solves: types supply
persons; they reach a settlement either through their own arcs (wishes, nearby jobs, any
pair column generation adds) or through arcs shared by all types of one origin class, which
carry travel only; each settlement passes persons into its three congestion band arcs and
on to the sink; type → sink is the unplaced arc. Exact settlement prices of the optimal
flow come from Bellman-Ford on its residual graph, and `solve.dual_bound` turns them into
a lower bound over every type-settlement pair.
"""

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from qonaq.placement.ascent import (
    ASCENT_SECONDS,
    ASCENT_STAGES,
    HUGE_ASCENT_SECONDS,
    HUGE_ASCENT_STAGES,
    SoftPlan,
    Stage,
    ascend_dual,
    soft_plan,
)
from qonaq.placement.lp import sample_prices
from qonaq.placement.model import CHILDREN, MEDICAL, PERSONS, FloatArray, IntArray, PlacementProblem
from qonaq.placement.options import DEFAULT_OPTIONS, PlanOptions
from qonaq.placement.solve import (
    INFINITE,
    Prices,
    PricingContext,
    Progress,
    Relaxation,
    add_priced_arcs,
    arc_costs,
    bound_of,
    direct_arcs,
    dual_bound,
    pricing_context,
)
from qonaq.placement.types import HouseholdTypes, plain_types


@dataclass(frozen=True)
class FlowEffort:
    """How much each flow carries and how many there are."""

    rounds: int  # Lagrangian rounds, when the ascent is skipped
    jobs_per_origin: int  # nearest hiring settlements per worker group with a type's own arc
    arcs_per_round: int  # a type's cheapest missing settlements added after each round
    cost_scale: float  # integer flow costs are in 1/cost_scale km-equivalent
    sample_rounds: int  # column-generation rounds of the sample LP
    ascent_seconds: float  # the dual ascent's time
    ascent_stages: tuple[Stage, ...]  # and its temperatures
    ascent_sample_rounds: int  # the sample LP's rounds for the ascent's side prices, 0: none


FULL_EFFORT = FlowEffort(
    rounds=6, jobs_per_origin=10, arcs_per_round=1, cost_scale=100.0, sample_rounds=2,
    ascent_seconds=ASCENT_SECONDS, ascent_stages=ASCENT_STAGES, ascent_sample_rounds=2,
)  # fmt: skip
# beyond `PlanOptions.huge_wave_types` types (1M persons: 160,000) a flow takes seconds
# and job arcs are most of its network: fewer own job arcs, a coarser cost unit, one sample
# LP round, and a
# shorter ascent with no sample LP (3 s of the 20 s target; the bound climbs higher there
# from no side prices at all)
LEAN_EFFORT = FlowEffort(
    rounds=2, jobs_per_origin=4, arcs_per_round=3, cost_scale=10.0, sample_rounds=1,
    ascent_seconds=HUGE_ASCENT_SECONDS, ascent_stages=HUGE_ASCENT_STAGES,
    ascent_sample_rounds=0,
)  # fmt: skip
# the ascent prices every type-settlement pair about five times (its stages, the soft
# plan): beyond this many pairs that alone would take over 15 s, and the Lagrangian
# rounds alone give the bound and the plan (100,000 persons over 7,000 settlements: 160 M)
# km-equivalents per child or medical place when such places first run short
SIDE_PRICE_START = 50.0
# rounds stop when the bound improves by less than this share
STALL = 1e-4
# first job-price step as a share of the reward per unit of relative vacancy gap
JOB_STEP = 0.3
# households in the sample whose exact LP gives the starting prices of a large wave
SAMPLE_HOUSEHOLDS = 1500
# the sample LP starts the ascent only where types are at most this share of households
SAMPLE_MAX_TYPE_SHARE = 0.5


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
    cost_scale: float = FULL_EFFORT.cost_scale,
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


def side_usage(ctx: PricingContext, t: IntArray, s: IntArray, persons: FloatArray) -> FloatArray:
    """(S, 2 + G): children places, medical places and workers the flow brings to each place."""
    settlements = ctx.room.shape[0]
    brought = ctx.per_person[t] * persons[:, None]
    columns = [
        np.bincount(s, weights=brought[:, j], minlength=settlements)
        for j in range(brought.shape[1])
    ]
    return np.stack(columns, axis=1) if columns else np.zeros((settlements, 0))


def next_prices(
    ctx: PricingContext, prices: Prices, usage: FloatArray, round_number: int
) -> Prices:
    """Next prices from how the flow used each side resource: a diminishing projected
    subgradient step on the job prices (toward the vacancies the flow missed or crowded),
    and children and medical prices that double while overfilled and halve while not."""
    reward = ctx.problem.policy.employment_reward
    vacancies = ctx.problem.vacancies
    slope = (vacancies - usage[:, 2:]) / np.maximum(vacancies, 1.0)
    step = JOB_STEP * reward / (1 + round_number)
    workers = np.where(vacancies > 0, np.clip(prices.workers + step * slope, 0.0, reward), 0.0)
    children = side_price(prices.children, usage[:, 0], ctx.room[:, CHILDREN])
    medical = side_price(prices.medical, usage[:, 1], ctx.room[:, MEDICAL])
    return Prices(persons=prices.persons, children=children, medical=medical, workers=workers)


def side_price(price: FloatArray, used: FloatArray, room: IntArray) -> FloatArray:
    """A place's price: starts at SIDE_PRICE_START when overfilled, doubles, halves back."""
    over = used > room + 1e-9
    result: FloatArray = np.where(over, np.maximum(2 * price, SIDE_PRICE_START), price / 2)
    result[result < 1.0] = 0.0
    return result


def solve_relaxation(
    problem: PlacementProblem,
    types: HouseholdTypes,
    *,
    rounds: int | None = None,
    ascend: bool = True,
    progress: Progress | None = None,
    options: PlanOptions = DEFAULT_OPTIONS,
) -> Relaxation:
    """With `ascend` (and at most `options.ascent_max_pairs` type-settlement pairs): a quasi-Newton
    ascent of the smoothed dual from travel prices and a flow that rounds its soft plan.
    Otherwise `rounds` of Lagrangian prices and min-cost flows; the best bound is kept."""
    ctx = pricing_context(problem, types)
    effort = LEAN_EFFORT if len(types.count) > options.huge_wave_types else FULL_EFFORT
    if ascend and ascends(problem, types, options):
        # a wall-clock limit gives the ascent its usual caps, or 60 % of the limit if less
        seconds = (
            None if options.seconds is None else min(effort.ascent_seconds, 0.6 * options.seconds)
        )
        return ascended_relaxation(ctx, effort, progress, seconds)
    return lagrangian_relaxation(ctx, effort, rounds or effort.rounds, progress)


def ascends(
    problem: PlacementProblem, types: HouseholdTypes, options: PlanOptions = DEFAULT_OPTIONS
) -> bool:
    """Whether the flows climb the dual: at most `ascent_max_pairs` type-settlement pairs."""
    return len(types.count) * len(problem.settlement_ids) <= options.ascent_max_pairs


def ascended_relaxation(
    ctx: PricingContext,
    effort: FlowEffort,
    progress: Progress | None,
    seconds: float | None = None,
) -> Relaxation:
    """The ascent from travel prices and, but on a huge wave, a sample LP's side prices;
    the exact bound of the prices it reaches, and its soft plan rounded by a flow."""
    problem, types = ctx.problem, ctx.types
    start = travel_prices(problem, types, effort.cost_scale)
    if (
        effort.ascent_sample_rounds
        and len(problem.household_ids) > 2 * SAMPLE_HOUSEHOLDS
        # a sample of households that are mostly types of their own is a slow LP (1,500 of
        # a wave with wishes spread over every settlement: 20 s a round), for little
        and not singular(problem, types)
    ):
        # the desks' prices are better from here: 100,000 persons decided one by one
        # ended 2.5 % above the batch plan, not 3.6 % (the bound: 0.19 % below the LP
        # optimum, not 0.06 %)
        side = sample_prices(problem, SAMPLE_HOUSEHOLDS, rounds=effort.ascent_sample_rounds)
        start = Prices(start.persons, side.children, side.medical, side.workers)
    # by its stages' iterations alone unless the plan has a wall-clock limit
    ascended = ascend_dual(ctx, start, seconds, progress, effort.ascent_stages)
    soft = soft_plan(ctx, ascended.prices, ascended.tau)
    pair_t, pair_s, persons = rounded_soft_plan(
        ctx, ascended.prices, soft, type_classes(ctx), effort.cost_scale, singular(problem, types)
    )
    return Relaxation(
        types=types,
        arc_type=pair_t,
        arc_settlement=pair_s,
        arc_households=persons / types.size[pair_t],
        # the soft plan priced every pair: its cheapest options give the exact bound
        lower_bound=bound_of(ctx, ascended.prices, soft.cheapest),
        prices=ascended.prices,
    )


def lagrangian_relaxation(
    ctx: PricingContext, effort: FlowEffort, rounds: int, progress: Progress | None
) -> Relaxation:
    """Rounds of min-cost flows under Lagrangian side prices, from a sample LP's prices:
    each flow's exact persons prices, new side prices from how it used each resource, and
    each type's cheapest missing settlements as new arcs. The last flow is the plan."""
    problem, types = ctx.problem, ctx.types
    classes = type_classes(ctx)
    n_settlements = len(problem.settlement_ids)
    if len(problem.household_ids) > 2 * SAMPLE_HOUSEHOLDS:
        prices = sample_prices(problem, SAMPLE_HOUSEHOLDS, rounds=effort.sample_rounds)
    else:
        zero = np.zeros(n_settlements)
        reward = problem.policy.employment_reward
        prices = Prices(zero, zero, zero, np.where(problem.vacancies > 0, reward, 0.0))
    t, s = direct_arcs(ctx, effort.jobs_per_origin)
    if len(t) == 0:
        # the network needs at least one direct arc array entry type; an empty one is fine
        t, s = np.empty(0, np.int64), np.empty(0, np.int64)
    best_bound, best_prices = -INFINITE, prices
    for round_number in range(rounds):
        # the direct arcs' costs serve the network and then the pricing of missing arcs
        direct_costs = arc_costs(ctx, prices, t, s)
        network = build_network(ctx, prices, t, s, classes, direct_costs, effort.cost_scale)
        flows = solve_network(network)
        prices = Prices(
            persons=settlement_prices(network, flows, n_settlements),
            children=prices.children,
            medical=prices.medical,
            workers=prices.workers,
        )
        last = round_number + 1 == rounds
        # the last round adds no arcs: its bound needs only each type's cheapest settlement
        bound, best, best_at = dual_bound(ctx, prices, 1 if last else effort.arcs_per_round)
        stalled = round_number > 0 and bound <= best_bound + STALL * abs(best_bound)
        if bound > best_bound:
            best_bound, best_prices = bound, prices
        pair_t, pair_s, persons = type_settlement_flows(network, flows, classes, t, s)
        if progress is not None:
            progress(f"bound {best_bound:,.0f}", (round_number + 1) / rounds)
        if last or stalled:
            break
        shared = class_route_costs(ctx, network, prices, classes)
        t, s = add_priced_arcs(ctx, prices, t, s, direct_costs, best, best_at, shared)
        prices = next_prices(ctx, prices, side_usage(ctx, pair_t, pair_s, persons), round_number)
    return Relaxation(
        types=types,
        arc_type=pair_t,
        arc_settlement=pair_s,
        arc_households=persons / types.size[pair_t],
        lower_bound=best_bound,
        prices=best_prices,
    )


def singular(problem: PlacementProblem, types: HouseholdTypes) -> bool:
    """Whether most households are types of their own (wishes spread over every settlement):
    a sample LP of them is slow, and their soft plan's pairs alone leave many unplaced (the
    100,000-person own-origin wave: 6,451 households), so the rounding flow also gets the
    shared travel arcs (on the hub waves those made the plan worse: 1M, 0.61 % against 0.26 %)."""
    return len(types.count) > SAMPLE_MAX_TYPE_SHARE * len(problem.household_ids)


def travel_prices(problem: PlacementProblem, types: HouseholdTypes, cost_scale: float) -> Prices:
    """Where the ascent starts: π exact for the min-cost flow of the households told apart
    by origin and demand alone (travel and congestion: 1M persons make 1,100 such types, a
    flow of 0.05 s), and no other price: at 1M persons the ascent climbs higher from there
    than from half or all of the reward on every job, or from a sample LP and a flow."""
    plain = plain_types(types)
    ctx = pricing_context(problem, plain)
    n_settlements = len(problem.settlement_ids)
    zero, no_arcs = np.zeros(n_settlements), np.empty(0, dtype=np.int64)
    unpriced = Prices(zero, zero, zero, np.zeros(problem.vacancies.shape))
    network = build_network(
        ctx, unpriced, no_arcs, no_arcs, type_classes(ctx), cost_scale=cost_scale
    )
    persons = settlement_prices(network, solve_network(network), n_settlements)
    return Prices(persons, zero, zero, unpriced.workers)


def rounded_soft_plan(
    ctx: PricingContext,
    prices: Prices,
    soft: SoftPlan,
    classes: IntArray,
    cost_scale: float,
    shared: bool = False,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Whole persons per (type, settlement) near the soft plan of the ascended prices: a flow
    over the soft plan's pairs only, each carrying at most its households rounded up, so the
    flow keeps the bands exactly and stays close to the children, medical and job use the
    ascent balanced (at 100,000 persons: gap 0.30 % against 0.45 % for a flow over all arcs);
    with `shared`, also through the class routes that carry travel only."""
    t, s = soft.pair_type, soft.settlement
    capacity = np.ceil(soft.households - 1e-9).astype(np.int64) * ctx.types.size[t]
    network = build_network(
        ctx, prices, t, s, classes, cost_scale=cost_scale, capacity=capacity, shared=shared
    )
    flows = solve_network(network)
    return type_settlement_flows(network, flows, classes, t, s)
