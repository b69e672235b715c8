"""The five cost terms of the placement model, for whole plans and for one household's move."""

from dataclasses import dataclass

import numpy as np

from qonaq.geo.distance import great_circle_matrix_km, great_circle_pairs_km
from qonaq.placement.model import (
    PERSONS,
    UNPLACED,
    FloatArray,
    IntArray,
    PlacementProblem,
)
from qonaq.placement.policy import Policy
from qonaq.placement.terms import congestion_bands, congestion_cost, jobs_gained, slice_cost


@dataclass(frozen=True)
class ObjectiveParts:
    """A plan's objective in km-equivalents and each of its five terms."""

    travel: float
    congestion: float
    employment: float
    preference: float
    unplaced: float

    @property
    def objective(self) -> float:
        """The sum of the five terms."""
        return self.travel + self.congestion + self.employment + self.preference + self.unplaced


def road_km(
    policy: Policy, lat_a: FloatArray, lon_a: FloatArray, lat_b: FloatArray, lon_b: FloatArray
) -> FloatArray:
    """Travel km from every point a (rows) to every point b: great circle times circuity."""
    return great_circle_matrix_km(lat_a, lon_a, lat_b, lon_b) * policy.circuity


def congestion(policy: Policy, capacity: FloatArray, load: FloatArray) -> FloatArray:
    """cong_s(L): the congestion cost of persons load L in each settlement (S,)."""
    return congestion_cost(congestion_bands(policy, capacity), load)


def matched_workers(vacancies: IntArray, placed_workers: IntArray) -> IntArray:
    """min(V, placed workers) per settlement and group."""
    result: IntArray = np.minimum(vacancies, placed_workers)
    return result


def placed_totals(problem: PlacementProblem, assignment: IntArray) -> tuple[IntArray, IntArray]:
    """Persons/children/medical (S, 3) and workers (S, G) placed by an assignment."""
    placed = assignment != UNPLACED
    where = assignment[placed]
    added = np.zeros_like(problem.load)
    np.add.at(added, where, problem.demand[placed])
    workers = np.zeros_like(problem.vacancies)
    np.add.at(workers, where, problem.workers[placed])
    return added, workers


def evaluate(problem: PlacementProblem, assignment: IntArray) -> ObjectiveParts:
    """The objective of an assignment (settlement index per household, -1 unplaced)."""
    policy = problem.policy
    placed = assignment != UNPLACED
    where = assignment[placed]
    sizes = problem.demand[:, PERSONS]
    km = (
        great_circle_pairs_km(
            problem.origin_lat[placed],
            problem.origin_lon[placed],
            problem.lat[where],
            problem.lon[where],
        )
        * policy.circuity
    )
    added, workers = placed_totals(problem, assignment)
    capacity = problem.capacity[:, PERSONS].astype(np.float64)
    before = problem.load[:, PERSONS].astype(np.float64)
    congestion_term = float(
        np.sum(
            congestion(policy, capacity, before + added[:, PERSONS])
            - congestion(policy, capacity, before)
        )
    )
    rewards = np.asarray(policy.preference_rewards)
    rank_hit = problem.preferences[placed] == where[:, None]
    preference_term = -float(np.sum(sizes[placed][:, None] * rank_hit * rewards))
    return ObjectiveParts(
        travel=float(np.sum(sizes[placed] * km)),
        congestion=congestion_term,
        employment=-policy.employment_reward
        * float(np.sum(matched_workers(problem.vacancies, workers))),
        preference=preference_term,
        unplaced=policy.unplaced_penalty * float(np.sum(sizes[~placed])),
    )


@dataclass(frozen=True)
class MarginalCosts:
    """What placing one household in each settlement adds to each term, and where it fits."""

    travel: FloatArray  # (S,)
    congestion: FloatArray
    employment: FloatArray
    preference: FloatArray
    fits: np.ndarray  # (S,) bool

    @property
    def total(self) -> FloatArray:
        """The sum of the four placed terms; +inf where the household does not fit."""
        result: FloatArray = self.travel + self.congestion + self.employment + self.preference
        return np.where(self.fits, result, np.inf)


def marginal_costs(
    problem: PlacementProblem,
    load: IntArray,
    placed_workers: IntArray,
    km: FloatArray,
    household: int,
) -> MarginalCosts:
    """Marginal cost of household `household` in every settlement given current loads.

    `km` is the road distance from the household's origin to every settlement (S,).
    """
    policy = problem.policy
    demand = problem.demand[household]
    size = float(demand[PERSONS])
    capacity = problem.capacity[:, PERSONS].astype(np.float64)
    before = load[:, PERSONS].astype(np.float64)
    sliced = slice_cost(congestion_bands(policy, capacity), before, size)
    employment = np.zeros(len(km))
    for g in np.flatnonzero(problem.workers[household]):
        open_jobs = problem.vacancies[:, g] - placed_workers[:, g]
        employment -= policy.employment_reward * jobs_gained(
            open_jobs, problem.workers[household, g]
        )
    preference = np.zeros(len(km))
    for rank, wish in enumerate(problem.preferences[household]):
        if wish >= 0:
            preference[wish] -= size * policy.preference_rewards[rank]
    return MarginalCosts(
        travel=size * km,
        congestion=sliced,
        employment=employment,
        preference=preference,
        # a dimension already over capacity only accepts households that need none of it
        fits=problem.eligible & np.all((problem.capacity - load >= demand) | (demand == 0), axis=1),
    )
