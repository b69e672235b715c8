"""Read a relaxed flow back as whole households: round, repair every capacity, place the rest."""

import time

import numpy as np

from qonaq.placement.costs import congestion, marginal_costs, road_km
from qonaq.placement.model import PERSONS, UNPLACED, FloatArray, IntArray, PlacementProblem
from qonaq.placement.solve import Relaxation

# the single-household move search stops after this long; its gains come early
IMPROVE_SECONDS = 3.0


def round_flow(problem: PlacementProblem, relaxation: Relaxation) -> IntArray:
    """Give each type's households the whole-household part of its flows; the rest stay unplaced."""
    types = relaxation.types
    # the tolerance keeps 2.9999999 households from HiGHS at 3
    whole = np.floor(relaxation.arc_households + 1e-6).astype(np.int64)
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
    for s in over.tolist():
        members = placed[repaired[placed] == s]
        excess = load[s] - (limit[s] if problem.eligible[s] else problem.load[s])
        while np.any(excess > 0):
            weight = problem.demand[members] @ (excess > 0)
            worst = int(np.argmax(weight))
            household = members[worst]
            repaired[household] = UNPLACED
            excess -= problem.demand[household]
            members = np.delete(members, worst)
    return repaired


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
    for household in waiting.tolist():
        if int(type_of[household]) in hopeless:
            continue
        origin = (float(problem.origin_lat[household]), float(problem.origin_lon[household]))
        km = km_cache.get(origin)
        if km is None:
            km = road_km(
                problem.policy,
                np.array([origin[0]]),
                np.array([origin[1]]),
                problem.lat,
                problem.lon,
            )[0]
            km_cache[origin] = km
        total = marginal_costs(problem, load, workers, km, household).total
        best = int(np.argmin(total))
        if not np.isfinite(total[best]):
            hopeless.add(int(type_of[household]))
            continue
        completed[household] = best
        load[best] += problem.demand[household]
        workers[best] += problem.workers[household]
    return completed


def assign(problem: PlacementProblem, relaxation: Relaxation) -> IntArray:
    """Whole households from the relaxed flow: round, repair capacities, place the rest greedily."""
    rounded = round_flow(problem, relaxation)
    repaired = repair(problem, rounded)
    completed = place_remaining(problem, repaired, relaxation.types.of_household)
    # moves can free room that an unplaced household fits into
    return place_remaining(problem, improve(problem, completed), relaxation.types.of_household)


def removal_saving(
    problem: PlacementProblem,
    load: IntArray,
    workers: IntArray,
    km_to_current: float,
    household: int,
    where: int,
) -> float:
    """What the objective loses when `household` leaves settlement `where` (four placed terms)."""
    policy = problem.policy
    size = int(problem.demand[household, PERSONS])
    capacity = problem.capacity[[where], PERSONS].astype(np.float64)
    after = load[[where], PERSONS].astype(np.float64)
    slice_cost = float(
        (congestion(policy, capacity, after) - congestion(policy, capacity, after - size))[0]
    )
    own = problem.workers[household]
    vacancies = problem.vacancies[where]
    matched_loss = int(
        np.sum(np.minimum(vacancies, workers[where]) - np.minimum(vacancies, workers[where] - own))
    )
    wish = np.flatnonzero(problem.preferences[household] == where)
    preference = -size * policy.preference_rewards[int(wish[0])] if len(wish) else 0.0
    return size * km_to_current + slice_cost - policy.employment_reward * matched_loss + preference


def improve(
    problem: PlacementProblem,
    assignment: IntArray,
    passes: int = 2,
    seconds: float = IMPROVE_SECONDS,
) -> IntArray:
    """Move single households, largest first, while a move lowers the objective (first
    improvement), for at most `seconds`."""
    deadline = time.perf_counter() + seconds
    improved = assignment.copy()
    placed = np.flatnonzero(improved != UNPLACED)
    load = problem.load.copy()
    np.add.at(load, improved[placed], problem.demand[placed])
    workers = np.zeros_like(problem.vacancies)
    np.add.at(workers, improved[placed], problem.workers[placed])
    movers = placed[np.argsort(-problem.demand[placed, PERSONS], kind="stable")]
    km_cache: dict[tuple[float, float], FloatArray] = {}
    for _ in range(passes):
        moved = 0
        for household in movers.tolist():
            if time.perf_counter() > deadline:
                return improved
            where = int(improved[household])
            km = origin_km(problem, km_cache, household)
            saving = removal_saving(problem, load, workers, float(km[where]), household, where)
            load[where] -= problem.demand[household]
            workers[where] -= problem.workers[household]
            total = marginal_costs(problem, load, workers, km, household).total
            best = int(np.argmin(total))
            if total[best] < saving - 1e-6 and best != where:
                where, moved = best, moved + 1
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
        km = road_km(
            problem.policy, np.array([origin[0]]), np.array([origin[1]]), problem.lat, problem.lon
        )[0]
        cache[origin] = km
    return km
