"""Check a plan by hand: recompute its objective from the inputs alone, the model doc's way.

Deliberately independent of the solver: plain loops over records, no arrays, no types.
"""

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from qonaq.geo.distance import great_circle_km
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.model import (
    HouseholdRecord,
    VacancyRecord,
    effective_persons_capacity,
    is_eligible,
)
from qonaq.placement.policy import Policy


def congestion_of(policy: Policy, capacity: float, load: float) -> float:
    """cong(L) = Σ_k γ_k · max(0, min(L, b_k·C) − b_(k−1)·C)."""
    total, previous = 0.0, 0.0
    for end, cost in zip(policy.congestion.breaks, policy.congestion.costs, strict=True):
        total += cost * max(0.0, min(load, end * capacity) - previous * capacity)
        previous = end
    return total


def recompute_objective(
    settlements: Sequence[SettlementRecord],
    households: Sequence[HouseholdRecord],
    vacancies: Sequence[VacancyRecord],
    policy: Policy,
    assignments: Mapping[str, str],
) -> dict[str, float]:
    """The five terms and the objective of `assignments` (household id → settlement id or '')."""
    by_id = {s.id: s for s in settlements}
    added: dict[str, int] = defaultdict(int)
    workers: dict[tuple[str, str], int] = defaultdict(int)
    travel = preference = unplaced = 0.0
    for household in households:
        where = assignments.get(household.id, "")
        if not where:
            unplaced += policy.unplaced_penalty * household.size
            continue
        place = by_id[where]
        km = great_circle_km(household.origin_lat, household.origin_lon, place.lat, place.lon)
        travel += household.size * km * policy.circuity
        if where in household.preferences:
            preference -= (
                household.size * policy.preference_rewards[household.preferences.index(where)]
            )
        added[where] += household.size
        for occupation in household.occupations:
            workers[(where, occupation)] += 1
    congestion = 0.0
    for where, persons in added.items():
        place = by_id[where]
        capacity = float(effective_persons_capacity(place, policy))
        congestion += congestion_of(policy, capacity, place.load_persons + persons)
        congestion -= congestion_of(policy, capacity, place.load_persons)
    open_jobs: dict[tuple[str, str], int] = defaultdict(int)
    for vacancy in vacancies:
        open_jobs[(vacancy.settlement_id, vacancy.occupation)] += vacancy.vacancies
    matched = sum(min(count, workers[key]) for key, count in open_jobs.items())
    employment = -policy.employment_reward * matched
    return {
        "travel": travel,
        "congestion": congestion,
        "employment": employment,
        "preference": preference,
        "unplaced": unplaced,
        "objective": travel + congestion + employment + preference + unplaced,
    }


def violations(
    settlements: Sequence[SettlementRecord],
    households: Sequence[HouseholdRecord],
    policy: Policy,
    assignments: Mapping[str, str],
) -> list[str]:
    """Every broken hard constraint of `assignments`, in words (empty when the plan is valid)."""
    by_id = {s.id: s for s in settlements}
    found = []
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for household in households:
        where = assignments.get(household.id, "")
        if not where:
            continue
        if where not in by_id or not is_eligible(by_id[where], policy):
            found.append(f"household {household.id} sent to ineligible {where}")
            continue
        for d, need in enumerate((household.size, household.children, household.medical)):
            totals[where][d] += need
    for where, (persons, children, medical) in totals.items():
        place = by_id[where]
        limits = (effective_persons_capacity(place, policy), place.cap_children, place.cap_medical)
        loads = (place.load_persons, place.load_children, place.load_medical)
        for name, load, extra, limit in zip(
            ("persons", "children", "medical"),
            loads,
            (persons, children, medical),
            limits,
            strict=True,
        ):
            if extra and load + extra > limit:
                found.append(f"{where}: {name} {load} + {extra} > {limit}")
    return found


def is_close(a: float, b: float, relative: float = 1e-6) -> bool:
    """Equal to `relative` of the larger magnitude (absolute 1e-6 near zero)."""
    return math.isclose(a, b, rel_tol=relative, abs_tol=1e-6)
