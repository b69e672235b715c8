"""The model as a MILP with one binary per (household, settlement), solved by HiGHS via scipy.

Written from the model document only, independent of qonaq.placement's solver; small
instances only.
"""

import math

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from qonaq.geo.distance import great_circle_km
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.model import HouseholdRecord, VacancyRecord
from qonaq.placement.policy import Policy


def optimal_objective(
    settlements: list[SettlementRecord],
    households: list[HouseholdRecord],
    vacancies: list[VacancyRecord],
    policy: Policy,
) -> float:
    """The optimal objective of the instance."""
    rules = policy.eligibility
    open_s = [
        s
        for s in settlements
        if s.open
        and s.id not in rules.closed_ids
        and s.kind not in rules.excluded_kinds
        and s.population >= rules.min_population
        and s.population >= rules.min_population_by_kind.get(s.kind, 0)
    ]
    caps = []
    for s in open_s:
        share = policy.max_share_of_population.get(s.kind)
        persons = (
            s.cap_persons
            if share is None
            else min(s.cap_persons, math.floor(share * s.population + 1e-9))
        )
        caps.append((persons, s.cap_children, s.cap_medical))
    loads = [(s.load_persons, s.load_children, s.load_medical) for s in open_s]
    jobs: dict[tuple[int, str], int] = {}
    index = {s.id: i for i, s in enumerate(open_s)}
    for v in vacancies:
        if v.settlement_id in index and v.vacancies > 0:
            key = (index[v.settlement_id], v.occupation)
            jobs[key] = jobs.get(key, 0) + v.vacancies
    job_keys = list(jobs)
    n_h, n_s, n_k = len(households), len(open_s), len(policy.congestion.breaks)
    # columns: x[h, s] | u[h] | y[s, k] band persons | e[job] matched workers
    nx, ny = n_h * n_s, n_s * n_k
    n = nx + n_h + ny + len(job_keys)
    cost = np.zeros(n)
    upper = np.ones(n)
    for h, hh in enumerate(households):
        for s, place in enumerate(open_s):
            km = (
                great_circle_km(hh.origin_lat, hh.origin_lon, place.lat, place.lon)
                * policy.circuity
            )
            reward = (
                policy.preference_rewards[hh.preferences.index(place.id)]
                if place.id in hh.preferences
                else 0.0
            )
            cost[h * n_s + s] = hh.size * (km - reward)
            need = (hh.size, hh.children, hh.medical)
            if any(need[d] > 0 and loads[s][d] + need[d] > caps[s][d] for d in range(3)):
                upper[h * n_s + s] = 0  # a single household already overfills a dimension
        cost[nx + h] = policy.unplaced_penalty * hh.size
    for s in range(n_s):
        previous = 0.0
        for k, (end, gamma) in enumerate(
            zip(policy.congestion.breaks, policy.congestion.costs, strict=True)
        ):
            lo, hi = previous * caps[s][0], end * caps[s][0]
            cost[nx + n_h + s * n_k + k] = gamma
            upper[nx + n_h + s * n_k + k] = max(0.0, hi - max(lo, loads[s][0]))
            previous = end
    for j, key in enumerate(job_keys):
        cost[nx + n_h + ny + j] = -policy.employment_reward
        upper[nx + n_h + ny + j] = jobs[key]
    rows = n_h + n_s + 2 * n_s + len(job_keys)
    a = lil_matrix((rows, n))
    lower_b, upper_b = np.zeros(rows), np.zeros(rows)
    for h in range(n_h):
        for s in range(n_s):
            a[h, h * n_s + s] = 1
        a[h, nx + h] = 1
        lower_b[h] = upper_b[h] = 1
    for s in range(n_s):
        r = n_h + s  # persons placed = band persons
        for h, hh in enumerate(households):
            a[r, h * n_s + s] = hh.size
        for k in range(n_k):
            a[r, nx + n_h + s * n_k + k] = -1
        for d, offset in ((1, n_h + n_s), (2, n_h + 2 * n_s)):
            for h, hh in enumerate(households):
                a[offset + s, h * n_s + s] = (hh.children, hh.medical)[d - 1]
            lower_b[offset + s] = -np.inf
            upper_b[offset + s] = max(0, caps[s][d] - loads[s][d])
    for j, (s, occupation) in enumerate(job_keys):
        r = n_h + 3 * n_s + j
        a[r, nx + n_h + ny + j] = 1
        for h, hh in enumerate(households):
            a[r, h * n_s + s] = -hh.occupations.count(occupation)
        lower_b[r], upper_b[r] = -np.inf, 0
    integrality = np.concatenate([np.ones(nx + n_h), np.zeros(ny + len(job_keys))])
    result = milp(
        cost,
        constraints=LinearConstraint(a.tocsr(), lower_b, upper_b),
        integrality=integrality,
        bounds=Bounds(np.zeros(n), upper),
        options={"mip_rel_gap": 1e-9, "time_limit": 60},
    )
    assert result.status == 0, result.message
    return float(result.fun)
