"""Read a relaxed flow back as whole households: round, repair every capacity, place the rest."""

import time
from dataclasses import dataclass

import numba
import numpy as np

from qonaq.placement.costs import road_km
from qonaq.placement.exchange import exchange
from qonaq.placement.household_types import household_types, unique_rows
from qonaq.placement.model import PERSONS, UNPLACED, FloatArray, IntArray, PlacementProblem
from qonaq.placement.options import DEFAULT_OPTIONS, PlanOptions
from qonaq.placement.origins import reassign_within_types
from qonaq.placement.pricing import Relaxation
from qonaq.placement.terms import congestion_bands, jobs_gained, slice_in_bands

# with a wall-clock limit (PlanOptions.seconds), the single-household move search stops
# after this long; its gains come early (docs/placement-model.md §8)
IMPROVE_SECONDS = 1.0
# and after a plain Lagrangian flow, further from optimal, after this long
FAR_IMPROVE_SECONDS = 3.0
# and after the trades, which open a few more moves, after this long
AFTER_TRADES_SECONDS = 0.5
# road km rows kept for this many origins at most
KM_CACHE_ORIGINS = 4096
# households whose moves are screened together, in numpy, before the exact one-by-one search
SCREEN_BATCH = 256


@dataclass(frozen=True)
class MoveCosts:
    """What the per-household loops need again and again, computed once per problem."""

    starts: FloatArray  # (S, K) persons where each congestion band begins
    ends: FloatArray  # (S, K) and where it ends
    gammas: FloatArray  # (K,)
    room_limit: IntArray  # (S, 3) capacity, or the load already there when that is more
    eligible: np.ndarray  # (S,) bool

    @classmethod
    def of(cls, problem: PlacementProblem) -> "MoveCosts":
        """The band edges and limits of a problem."""
        bands = congestion_bands(problem.policy, problem.capacity[:, PERSONS])
        return cls(
            starts=bands.starts,
            ends=bands.ends,
            gammas=bands.costs,
            room_limit=problem.capacity,
            eligible=problem.eligible,
        )

    def total(
        self,
        problem: PlacementProblem,
        load: IntArray,
        workers: IntArray,
        km: FloatArray,
        household: int,
    ) -> FloatArray:
        """costs.marginal_costs(...).total in a few numpy calls: the four placed terms of
        the household in every settlement, +inf where it does not fit."""
        demand = problem.demand[household]
        size = float(demand[PERSONS])
        persons = load[:, PERSONS, None].astype(np.float64)
        added = slice_in_bands(self.starts, self.ends, persons, size)
        total: FloatArray = size * km + added @ self.gammas
        own = problem.workers[household]
        for g in np.flatnonzero(own).tolist():
            open_jobs = problem.vacancies[:, g] - workers[:, g]
            total -= problem.policy.employment_reward * jobs_gained(open_jobs, int(own[g]))
        for rank, wish in enumerate(problem.preferences[household].tolist()):
            if wish >= 0:
                total[wish] -= size * problem.policy.preference_rewards[rank]
        # a dimension already over capacity only accepts households that need none of it
        fits = np.all((self.room_limit - load >= demand) | (demand == 0), axis=1)
        return np.where(fits & self.eligible, total, np.inf)

    def joining(
        self,
        problem: PlacementProblem,
        load: IntArray,
        workers: IntArray,
        km: FloatArray,
        household: int,
        where: int,
        check_fit: bool = True,
    ) -> float:
        """total(...)[where] alone, in scalars: the four placed terms of the household joining
        settlement `where` at these loads, +inf where it does not fit unless `check_fit` is
        off (a household taken out of its own settlement may always come back)."""
        demand = problem.demand[household]
        if check_fit:
            room = self.room_limit[where] - load[where]
            if not self.eligible[where] or np.any((room < demand) & (demand > 0)):
                return float("inf")
        size = float(demand[PERSONS])
        persons = float(load[where, PERSONS])
        added = 0.0
        for start, end, gamma in zip(
            self.starts[where].tolist(),
            self.ends[where].tolist(),
            self.gammas.tolist(),
            strict=True,
        ):
            added += gamma * (min(max(persons + size, start), end) - min(max(persons, start), end))
        total = size * float(km[where]) + added
        own = problem.workers[household]
        for g in np.flatnonzero(own).tolist():
            open_jobs = int(problem.vacancies[where, g]) - int(workers[where, g])
            total -= problem.policy.employment_reward * min(max(open_jobs, 0), int(own[g]))
        for rank, wish in enumerate(problem.preferences[household].tolist()):
            if wish == where:
                total -= size * problem.policy.preference_rewards[rank]
        return total


def round_flow(problem: PlacementProblem, relaxation: Relaxation) -> IntArray:
    """Give each type's households the whole-household part of its flows; the rest stay unplaced."""
    types = relaxation.types
    whole = whole_households(relaxation)
    assignment = np.full(len(problem.household_ids), UNPLACED, dtype=np.int64)
    # households of each type in input order; consecutive runs go to consecutive arcs
    by_type = np.argsort(types.of_household, kind="stable")
    type_start = np.concatenate([[0], np.cumsum(types.count)[:-1]])
    order = np.lexsort((relaxation.arc_settlement, relaxation.arc_type))
    arc_t, arc_s, arc_n = relaxation.arc_type[order], relaxation.arc_settlement[order], whole[order]
    arc_begin = np.cumsum(arc_n) - arc_n
    offset_in_type = arc_begin - arc_begin[np.searchsorted(arc_t, arc_t, side="left")]
    within_arc = np.arange(int(arc_n.sum())) - np.repeat(arc_begin, arc_n)
    positions = np.repeat(type_start[arc_t] + offset_in_type, arc_n) + within_arc
    assignment[by_type[positions]] = np.repeat(arc_s, arc_n)
    return assignment


def whole_households(relaxation: Relaxation) -> IntArray:
    """Whole households per arc: each arc's whole part, then the type's households its flows
    hold in all (rounded) to the arcs with the largest fractions. A flow in persons splits
    a household of its own type over two places; flooring both left it to the greedy."""
    types, fractional = relaxation.types, relaxation.arc_households
    # the tolerance keeps 2.9999999 households from HiGHS at 3
    whole = np.floor(fractional + 1e-6).astype(np.int64)
    arc_type = relaxation.arc_type
    held = np.bincount(arc_type, weights=fractional, minlength=len(types.count))
    target = np.minimum(np.floor(held + 0.5 + 1e-6).astype(np.int64), types.count)
    extra = target - np.bincount(arc_type, weights=whole, minlength=len(types.count)).astype(
        np.int64
    )
    order = np.lexsort((-(fractional - whole), arc_type))
    ordered_type = arc_type[order]
    rank = np.arange(len(order)) - np.searchsorted(ordered_type, ordered_type, side="left")
    whole[order[rank < extra[ordered_type]]] += 1
    return whole


def repair(problem: PlacementProblem, assignment: IntArray) -> IntArray:
    """Evict households from every settlement over capacity in any dimension, biggest need first."""
    repaired = assignment.copy()
    placed = np.flatnonzero(repaired != UNPLACED)
    load = problem.load.copy()
    np.add.at(load, repaired[placed], problem.demand[placed])
    limit = np.maximum(problem.capacity, problem.load)  # an already overfull settlement takes none
    over = np.flatnonzero(
        np.any(load > limit, axis=1) | (~problem.eligible & np.any(load > problem.load, axis=1))
    )
    # households of each settlement, found by one sort rather than a scan per settlement
    by_settlement = placed[np.argsort(repaired[placed], kind="stable")]
    bounds = np.searchsorted(repaired[by_settlement], np.stack([over, over + 1]))
    for s, begin, end in zip(over.tolist(), *bounds.tolist(), strict=True):
        members = by_settlement[begin:end]
        excess = load[s] - (limit[s] if problem.eligible[s] else problem.load[s])
        while np.any(excess > 0) and len(members):
            members, excess = evict_while_over(problem, repaired, members, excess)
    return repaired


def evict_while_over(
    problem: PlacementProblem, assignment: IntArray, members: IntArray, excess: IntArray
) -> tuple[IntArray, IntArray]:
    """Unplace members, largest need in the over-full dimensions first (earliest on ties),
    until those dimensions change; the members left and the excess left."""
    over = excess > 0
    order = np.argsort(-(problem.demand[members] @ over), kind="stable")
    taken = 0
    while taken < len(order) and np.array_equal(excess > 0, over):
        worst = members[order[taken]]
        assignment[worst] = UNPLACED
        excess = excess - problem.demand[worst]
        taken += 1
    return np.delete(members, order[:taken]), excess


def place_remaining(problem: PlacementProblem, assignment: IntArray, type_of: IntArray) -> IntArray:
    """Place every unplaced household, largest first, where it fits at the lowest marginal cost."""
    completed = assignment.copy()
    load = problem.load.copy()
    placed = np.flatnonzero(completed != UNPLACED)
    np.add.at(load, completed[placed], problem.demand[placed])
    workers = np.zeros_like(problem.vacancies)
    np.add.at(workers, completed[placed], problem.workers[placed])
    waiting = np.flatnonzero(completed == UNPLACED)
    waiting = waiting[np.argsort(-problem.demand[waiting, 0], kind="stable")]
    km_cache: dict[tuple[float, float], FloatArray] = {}
    # loads only grow, so a type that fits nowhere once never fits again
    hopeless: set[int] = set()
    moves = MoveCosts.of(problem)
    for household in waiting.tolist():
        if int(type_of[household]) in hopeless:
            continue
        km = origin_km(problem, km_cache, household)
        total = moves.total(problem, load, workers, km, household)
        best = int(np.argmin(total))
        if not np.isfinite(total[best]):
            hopeless.add(int(type_of[household]))
            continue
        completed[household] = best
        load[best] += problem.demand[household]
        workers[best] += problem.workers[household]
    return completed


def assign(
    problem: PlacementProblem,
    relaxation: Relaxation,
    options: PlanOptions = DEFAULT_OPTIONS,
    far: bool = False,
    snapped: bool = False,
) -> IntArray:
    """Whole households from the relaxed flow: round, repair capacities, place the rest
    greedily, then improve by single moves and by trades between alike households, as long
    as the options allow (`far`: the relaxation's plan is a plain Lagrangian flow's, which
    leaves more to the moves when they are timed). `snapped`: the relaxation priced the
    households at snapped origins (`origins.py`); each type's places then go to its
    households by their own travel."""
    rounded = round_flow(problem, relaxation)
    repaired = repair(problem, rounded)
    twins = relaxation.types.of_household
    completed = place_remaining(problem, repaired, twins)
    if snapped:
        completed = reassign_within_types(problem, relaxation.types, completed)
    limit = options.seconds
    moved = improve(
        problem,
        completed,
        passes=options.improve_passes,
        seconds=None
        if limit is None
        else min(FAR_IMPROVE_SECONDS if far else IMPROVE_SECONDS, 0.1 * limit),
        type_of=twins,
        households=options.improve_households,
    )
    # snapped types would price the trades at snapped origins: they trade as the
    # households are, each at its own origin
    exchanged = exchange(problem, household_types(problem) if snapped else relaxation.types, moved)
    traded = improve(
        problem,
        exchanged,
        passes=options.after_trades_passes,
        seconds=None if limit is None else min(AFTER_TRADES_SECONDS, 0.05 * limit),
        type_of=twins,
        households=options.improve_households,
    )
    # moves can free room that an unplaced household fits into
    finished = place_remaining(problem, traded, twins)
    return reassign_within_types(problem, relaxation.types, finished) if snapped else finished


def improve(
    problem: PlacementProblem,
    assignment: IntArray,
    passes: int = 2,
    seconds: float | None = IMPROVE_SECONDS,
    type_of: IntArray | None = None,
    households: int | None = None,
) -> IntArray:
    """Move single households, largest first, while a move lowers the objective (first
    improvement): `passes` over the first `households` (all when None), and with `seconds`
    for at most that long. With `type_of`, a household whose twin (same type, same
    settlement) was just found with no better move is skipped: it has none either."""
    deadline = np.inf if seconds is None else time.perf_counter() + seconds
    improved = assignment.copy()
    placed = np.flatnonzero(improved != UNPLACED)
    load = problem.load.copy()
    np.add.at(load, improved[placed], problem.demand[placed])
    workers = np.zeros_like(problem.vacancies)
    np.add.at(workers, improved[placed], problem.workers[placed])
    twin_of = np.arange(len(improved)) if type_of is None else type_of
    km_cache: dict[tuple[float, float], FloatArray] = {}
    moves = MoveCosts.of(problem)
    for _ in range(passes):
        moved, stuck = 0, (-1, -1)
        # largest first; twins next to each other
        movers = placed[
            np.lexsort((improved[placed], twin_of[placed], -problem.demand[placed, PERSONS]))
        ][:households]
        for begin in range(0, len(movers), SCREEN_BATCH):
            if time.perf_counter() > deadline:
                return improved
            batch = movers[begin : begin + SCREEN_BATCH]
            # one representative per (type, settlement): twins have the same options
            keys = twin_of[batch] * len(problem.settlement_ids) + improved[batch]
            _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            promising, _ = may_improve(problem, moves, load, workers, batch[first], improved)
            chosen = promising[inverse.ravel()]
            for household in batch[chosen].tolist():
                where = int(improved[household])
                if (int(twin_of[household]), where) == stuck:
                    continue
                km = origin_km(problem, km_cache, household)
                load[where] -= problem.demand[household]
                workers[where] -= problem.workers[household]
                total = moves.total(problem, load, workers, km, household)
                best = int(np.argmin(total))
                # coming back costs what staying saves: the exact sum, whatever the home's room
                staying = moves.joining(problem, load, workers, km, household, where, False)
                if total[best] < staying - 1e-6 and best != where:
                    where, moved, stuck = best, moved + 1, (-1, -1)
                else:
                    stuck = (int(twin_of[household]), where)
                improved[household] = where
                load[where] += problem.demand[household]
                workers[where] += problem.workers[household]
        if moved == 0:
            break
    return improved


def origin_km(
    problem: PlacementProblem, cache: dict[tuple[float, float], FloatArray], household: int
) -> FloatArray:
    """Road km from the household's origin to every settlement, computed once per origin."""
    origin = (float(problem.origin_lat[household]), float(problem.origin_lon[household]))
    km = cache.get(origin)
    if km is None:
        if len(cache) >= KM_CACHE_ORIGINS:
            # one origin per household: a cache of all of them would be households × settlements
            cache.clear()
        km = road_km(
            problem.policy, np.array([origin[0]]), np.array([origin[1]]), problem.lat, problem.lon
        )[0]
        cache[origin] = km
    return km


def may_improve(
    problem: PlacementProblem,
    moves: MoveCosts,
    load: IntArray,
    workers: IntArray,
    households: IntArray,
    assignment: IntArray,
) -> tuple[np.ndarray, IntArray]:
    """(B,) bool: which households have a move that lowers the objective at the current loads,
    all at once, and (B,) the best such move. Only a screen: the search re-prices every move
    exactly before it makes it."""
    demand = problem.demand[households]
    # few distinct origins (the entry hubs): their distances once, then gathered
    origins, origin_of = unique_rows(
        np.stack([problem.origin_lat[households], problem.origin_lon[households]], axis=1)
    )
    km = road_km(problem.policy, origins[:, 0], origins[:, 1], problem.lat, problem.lon)
    # joining s (the household still counted at home): one row per distinct size, since
    # sizes take few values
    persons = load[:, PERSONS].astype(np.float64)
    sizes, size_of = np.unique(demand[:, PERSONS], return_inverse=True)
    joined = slice_in_bands(moves.starts, moves.ends, persons[None, :, None], sizes[:, None, None])
    return move_screen(
        km, origin_of.ravel(), joined @ moves.gammas, size_of.ravel(), assignment[households],
        demand, problem.workers[households],
        problem.preferences[households], load, workers, problem.vacancies, moves.starts,
        moves.ends, moves.gammas, moves.room_limit, moves.eligible,
        float(problem.policy.employment_reward),
        np.asarray(problem.policy.preference_rewards, dtype=np.float64),
    )  # fmt: skip


# the model's terms (`terms`) compiled for the scalars of the screen's loop
_slice_in_bands = numba.njit(cache=True, error_model="numpy")(slice_in_bands)
_jobs_gained = numba.njit(cache=True, error_model="numpy")(jobs_gained)


@numba.njit(cache=True, error_model="numpy")
def move_screen(
    km: FloatArray,
    origin_of: IntArray,
    joined: FloatArray,
    size_of: IntArray,
    where: IntArray,
    demand: IntArray,
    own: IntArray,
    preferences: IntArray,
    load: IntArray,
    workers: IntArray,
    vacancies: IntArray,
    starts: FloatArray,
    ends: FloatArray,
    gammas: FloatArray,
    room_limit: IntArray,
    eligible: np.ndarray,
    reward: float,
    preference_rewards: FloatArray,
) -> tuple[np.ndarray, IntArray]:
    """`may_improve` per household in one compiled loop: its four placed terms staying (at
    home without it) and in every settlement it fits, at the current loads (the slice in
    bands and the jobs gained of `terms`, compiled for scalars); whether the cheapest other
    settlement beats staying, and which it is. `joined`: (sizes, S) the congestion of each distinct
    size joining each settlement, `size_of` each household's."""
    households, settlements = len(where), len(eligible)
    promising = np.zeros(households, dtype=np.bool_)
    target = np.zeros(households, dtype=np.int64)
    for i in range(households):
        home, size = where[i], float(demand[i, PERSONS])
        groups = np.flatnonzero(own[i])
        best, best_at, stay = np.inf, 0, 0.0
        for s in range(settlements):
            staying = s == home
            if not staying:
                if not eligible[s]:
                    continue
                fits = True
                for d in range(3):
                    fits &= room_limit[s, d] - load[s, d] >= demand[i, d] or demand[i, d] == 0
                if not fits:
                    continue
            added = joined[size_of[i], s]
            if staying:
                # at home it joins the load without it
                before, added = float(load[s, PERSONS]) - size, 0.0
                for k in range(len(gammas)):
                    added += gammas[k] * _slice_in_bands(starts[s, k], ends[s, k], before, size)
            gained = 0
            for g in groups:
                open_jobs = vacancies[s, g] - workers[s, g] + (own[i, g] if staying else 0)
                gained += int(_jobs_gained(open_jobs, own[i, g]))
            total = size * km[origin_of[i], s] + added - reward * gained
            for rank in range(len(preference_rewards)):
                if preferences[i, rank] == s:
                    total -= size * preference_rewards[rank]
            if staying:
                stay = total
            elif total < best:
                best, best_at = total, s
        promising[i] = best < stay - 1e-6
        target[i] = best_at
    return promising, target
