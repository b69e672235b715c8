"""Prices and bounds shared by the solvers: per-person costs of every type-settlement pair
under dual prices, the weak-duality lower bound over all pairs, and the candidate arcs.

The LP relaxation of the model (households may be split) is a transportation problem in
persons with side constraints for children places, medical places and the employment
reward min(V, workers). For any prices — π per person, λ per child and medical place,
μ ∈ [0, reward] per worker — weak duality gives a lower bound on every plan (`dual_bound`);
the same pricing names the pairs a restricted model is missing (column generation).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qonaq.placement.costs import road_km
from qonaq.placement.household_types import HouseholdTypes, unique_rows
from qonaq.placement.model import (
    CHILDREN,
    MEDICAL,
    PERSONS,
    FloatArray,
    IntArray,
    PlacementProblem,
)
from qonaq.placement.terms import congestion_bands

# nearest settlements of each origin that start as candidate arcs
CANDIDATES_PER_ORIGIN = 40
# nearest settlements hiring a group that start as arcs for types with workers of that group
JOBS_PER_ORIGIN = 10
# types priced together: (chunk × settlements) float arrays stay near 25 MB
PRICING_CHUNK = 1024
INFINITE = np.inf

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Prices:
    """Dual prices per settlement: per person (π), child and medical place (λ), worker (μ)."""

    persons: FloatArray  # (S,)
    children: FloatArray  # (S,)
    medical: FloatArray  # (S,)
    workers: FloatArray  # (S, G), within [0, employment reward]


@dataclass(frozen=True)
class Relaxation:
    """A relaxed plan: households (maybe fractional) per (type, settlement) arc, bound, prices."""

    types: HouseholdTypes
    arc_type: IntArray
    arc_settlement: IntArray
    arc_households: FloatArray
    lower_bound: float
    prices: Prices


@dataclass(frozen=True)
class PricingContext:
    """What pricing a type-settlement pair needs, precomputed once per problem."""

    problem: PlacementProblem
    types: HouseholdTypes
    km: FloatArray  # (O, S) road km from each origin
    room: IntArray  # (S, 3)
    per_person: FloatArray  # (T, 2 + G): children, medical, workers per person
    preference_reward: FloatArray  # (3,)
    widths: FloatArray  # (S, K) exact persons left in each congestion band
    int_widths: IntArray  # (S, K) the same, whole persons, for the flow
    # where one household fits, per distinct demand (D, S), and each type's demand row (T,):
    # types are hundreds of thousands, their demands a few dozen
    demand_fits: np.ndarray
    demand_of: IntArray
    # a household needs `scale` × its demand of room (below 1 in a scaled-down sample)
    scale: float = 1.0


def pricing_context(
    problem: PlacementProblem, types: HouseholdTypes, scale: float = 1.0
) -> PricingContext:
    """Distances, room, per-person needs and band widths for pricing."""
    km = road_km(problem.policy, types.origin_lat, types.origin_lon, problem.lat, problem.lon)
    size = types.size.astype(np.float64)[:, None]
    per_person = (
        np.concatenate([types.demand[:, [CHILDREN, MEDICAL]], types.workers], axis=1).astype(
            np.float64
        )
        / size
    )
    widths, int_widths = band_widths(problem)
    demands, demand_of = unique_rows(types.demand)
    return PricingContext(
        problem=problem,
        types=types,
        km=km,
        room=problem.remaining,
        per_person=per_person,
        preference_reward=np.asarray(problem.policy.preference_rewards, dtype=np.float64),
        widths=widths,
        int_widths=int_widths,
        demand_fits=demand_fitting(problem, demands * scale),
        demand_of=demand_of,
        scale=scale,
    )


def band_widths(problem: PlacementProblem) -> tuple[FloatArray, IntArray]:
    """Persons left in each congestion band; existing load fills low bands first."""
    capacity = problem.capacity[:, PERSONS].astype(np.float64)
    load = problem.load[:, PERSONS].astype(np.float64)
    bands = congestion_bands(problem.policy, capacity)
    ends = bands.ends
    widths = np.maximum(0.0, ends - np.maximum(bands.starts, load[:, None]))
    int_ends = np.floor(ends + 1e-9).astype(np.int64)
    int_ends[:, -1] = problem.capacity[:, PERSONS]
    int_starts = np.concatenate([np.zeros((len(capacity), 1), np.int64), int_ends[:, :-1]], axis=1)
    int_widths = np.maximum(0, int_ends - np.maximum(int_starts, problem.load[:, [PERSONS]]))
    widths[~problem.eligible] = 0.0
    int_widths[~problem.eligible] = 0
    return widths, int_widths


def demand_fitting(problem: PlacementProblem, demand: FloatArray) -> np.ndarray:
    """(D, S): where one household of each demand (D, 3) fits the room left, in every
    dimension."""
    room = problem.remaining
    fit = np.ones((len(demand), room.shape[0]), dtype=np.bool_)
    for d in range(3):
        fit &= demand[:, d, None] <= room[None, :, d]
    fit &= problem.eligible[None, :]
    return fit


def fitting(ctx: PricingContext, type_index: IntArray) -> np.ndarray:
    """(chunk, S): where one household of each type fits the room left, in every dimension."""
    fit: np.ndarray = ctx.demand_fits[ctx.demand_of[type_index]]
    return fit


def arc_costs(ctx: PricingContext, prices: Prices, t: IntArray, s: IntArray) -> FloatArray:
    """Per-person cost of type t in settlement s under prices (without the persons price π)."""
    cost = ctx.km[ctx.types.origin[t], s]
    # column by column, and only where a price is set: millions of arcs, few priced resources
    for column, price in enumerate((prices.children, prices.medical)):
        if price.any():
            cost += ctx.per_person[t, column] * price[s]
    for g in np.flatnonzero(prices.workers.any(axis=0)).tolist():
        cost -= ctx.per_person[t, 2 + g] * prices.workers[s, g]
    for rank, reward in enumerate(ctx.preference_reward.tolist()):
        cost -= reward * (ctx.types.preferences[t, rank] == s)
    return cost


def chunk_costs(ctx: PricingContext, prices: Prices, t: IntArray) -> FloatArray:
    """(chunk, S) per-person costs plus π, infinite where a household cannot go."""
    own = ctx.per_person[t]
    side = np.concatenate(
        [prices.children[None, :], prices.medical[None, :], -prices.workers.T], axis=0
    )
    cost = ctx.km[ctx.types.origin[t]] + own @ side + prices.persons[None, :]
    rows = np.arange(len(t))
    for rank in range(3):
        wish = ctx.types.preferences[t, rank]
        has = wish >= 0
        cost[rows[has], wish[has]] -= ctx.preference_reward[rank]
    cost[~fitting(ctx, t)] = INFINITE
    return cost


def dual_bound(
    ctx: PricingContext, prices: Prices, choices: int = 1
) -> tuple[float, FloatArray, IntArray]:
    """Weak-duality lower bound for any prices, with each type's best settlement and its price
    (with `choices` > 1: its that many best, (T, choices), cheapest first).

    D = Σ_t supply_t · min(U, min_s c_ts + π_s) − Σ_sb width_sb · max(0, π_s − γ_b)
        − Σ_s λ_s · room_s (children, medical) − Σ_sg (reward − μ_sg) · V_sg.
    """
    policy = ctx.problem.policy
    types = ctx.types
    choices = min(choices, ctx.room.shape[0])
    best = np.empty((len(types.count), choices))
    best_at = np.empty((len(types.count), choices), dtype=np.int64)
    for start in range(0, len(types.count), PRICING_CHUNK):
        t = np.arange(start, min(start + PRICING_CHUNK, len(types.count)))
        cost = chunk_costs(ctx, prices, t)
        if choices == 1:
            at = np.argmin(cost, axis=1)[:, None]
        else:
            at = np.argpartition(cost, choices - 1, axis=1)[:, :choices]
            at = np.take_along_axis(at, np.argsort(np.take_along_axis(cost, at, 1), 1), 1)
        best_at[t] = at
        best[t] = np.take_along_axis(cost, at, 1)
    bound = bound_of(ctx, prices, np.minimum(best[:, 0], policy.unplaced_penalty))
    if choices == 1:
        return bound, best[:, 0], best_at[:, 0]
    return bound, best, best_at


def bound_of(ctx: PricingContext, prices: Prices, marginal: FloatArray) -> float:
    """`dual_bound` from each type's cheapest per-person option min(U, min_s c_ts + π_s)."""
    policy, types = ctx.problem.policy, ctx.types
    supply = (types.count * types.size).astype(np.float64)
    gammas = np.asarray(policy.congestion.costs)
    band_rent = np.maximum(0.0, prices.persons[:, None] - gammas[None, :])
    return (
        float(supply @ marginal)
        - float(np.sum(ctx.widths * band_rent))
        - float(prices.children @ ctx.room[:, CHILDREN])
        - float(prices.medical @ ctx.room[:, MEDICAL])
        - float(np.sum((policy.employment_reward - prices.workers) * ctx.problem.vacancies))
    )


def initial_arcs(ctx: PricingContext) -> tuple[IntArray, IntArray]:
    """Each type's nearest settlements, its wishes and nearby jobs, where one household fits."""
    eligible = np.flatnonzero(ctx.problem.eligible & (ctx.room[:, PERSONS] > 0))
    keep = min(CANDIDATES_PER_ORIGIN, len(eligible))
    if keep == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    nearest = eligible[np.argsort(ctx.km[:, eligible], axis=1)[:, :keep]]  # (O, keep)
    types = ctx.types
    t = np.repeat(np.arange(len(types.count)), keep)
    s = nearest[types.origin].reshape(-1)
    wish_t, wish_s = direct_arcs(ctx)
    return unique_fitting_arcs(ctx, np.concatenate([t, wish_t]), np.concatenate([s, wish_s]))


def direct_arcs(ctx: PricingContext, jobs: int = JOBS_PER_ORIGIN) -> tuple[IntArray, IntArray]:
    """Arcs only a type's own cost can price: its wishes, and the `jobs` nearest settlements
    hiring each group of its workers."""
    problem, types = ctx.problem, ctx.types
    wish_t, wish_rank = np.nonzero(types.preferences >= 0)
    extra_t, extra_s = [wish_t], [types.preferences[wish_t, wish_rank]]
    for g in range(problem.vacancies.shape[1]):
        hiring = np.flatnonzero((problem.vacancies[:, g] > 0) & problem.eligible)
        if len(hiring) == 0:
            continue
        near = hiring[np.argsort(ctx.km[:, hiring], axis=1)[:, :jobs]]  # (O, ≤ J)
        with_workers = np.flatnonzero(types.workers[:, g] > 0)
        extra_t.append(np.repeat(with_workers, near.shape[1]))
        extra_s.append(near[types.origin[with_workers]].reshape(-1))
    return unique_fitting_arcs(ctx, np.concatenate(extra_t), np.concatenate(extra_s))


def unique_fitting_arcs(ctx: PricingContext, t: IntArray, s: IntArray) -> tuple[IntArray, IntArray]:
    """Drop duplicate arcs and arcs where one household of the type does not fit."""
    demand = ctx.types.demand[t] * ctx.scale
    fit = ctx.problem.eligible[s] & np.all(demand <= ctx.room[s], axis=1)
    settlements = ctx.room.shape[0]
    # one integer key per pair sorts several times faster than rows of pairs
    pairs = np.sort(t[fit] * settlements + s[fit])
    # sort and drop repeats: numpy 2's hashing np.unique is slower on millions of keys
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
    return pairs // settlements, pairs % settlements


def add_priced_arcs(
    ctx: PricingContext,
    prices: Prices,
    t: IntArray,
    s: IntArray,
    per_person: FloatArray,
    best: FloatArray,
    best_at: IntArray,
    shared: FloatArray | None = None,
) -> tuple[IntArray, IntArray]:
    """Append each type's best full-priced settlements (one or several per type) where they
    beat every route the network has for the type: its own arcs and, when given, its
    `shared` class route."""
    marginal = np.full(len(ctx.types.count), INFINITE) if shared is None else shared.copy()
    np.minimum.at(marginal, t, per_person + prices.persons[s])
    marginal = np.minimum(marginal, ctx.problem.policy.unplaced_penalty)
    # best and best_at may hold several choices per type, (T, k)
    best, best_at = best.reshape(len(marginal), -1), best_at.reshape(len(marginal), -1)
    better, choice = np.nonzero(best < marginal[:, None] - 1e-6)
    if len(better) == 0:
        return t, s
    settlements = ctx.room.shape[0]
    known = np.sort(t * settlements + s)
    wanted = better * settlements + best_at[better, choice]
    spot = np.minimum(np.searchsorted(known, wanted), len(known) - 1)
    fresh = known[spot] != wanted if len(known) else np.ones(len(wanted), dtype=np.bool_)
    return np.concatenate([t, better[fresh]]), np.concatenate([s, best_at[better, choice][fresh]])
