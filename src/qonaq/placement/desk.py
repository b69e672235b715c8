"""Desk recommendation: one household now, against current loads → the best three settlements.

Everything per settlement is a precomputed numpy vector, so one call costs a few dozen
vector operations over all settlements and no Python loop over them.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qonaq.geo.distance import RadianPoints, great_circle_to_points_km, radian_points
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.model import (
    CHILDREN,
    MEDICAL,
    PERSONS,
    FloatArray,
    HouseholdRecord,
    IntArray,
    VacancyRecord,
    build_problem,
    effective_persons_capacity,
    is_eligible,
)
from qonaq.placement.options import DEFAULT_OPTIONS, PlanOptions
from qonaq.placement.plan import PlacementPlan, plan_placement
from qonaq.placement.policy import Policy
from qonaq.placement.pricing import Prices
from qonaq.placement.reasons import Reason
from qonaq.placement.terms import Bands, congestion_bands, jobs_gained, slice_cost

# an origin within this many km of a settlement is named after it in reasons
ORIGIN_NAME_KM = 40.0


@dataclass(frozen=True)
class Recommendation:
    """One ranked option for a household: the settlement, what it adds to each term, and why."""

    settlement_id: str
    settlement_name: str
    marginal_cost: float
    travel: float
    congestion: float
    employment: float
    preference: float
    km: float
    reasons: tuple[Reason, ...]


@dataclass
class DeskIndex:
    """Settlement vectors for instant recommendations; loads change as desks confirm."""

    policy: Policy
    ids: tuple[str, ...]
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    occupations: dict[str, int]
    places: RadianPoints  # the settlements, for great_circle_to_points_km
    eligible: np.ndarray
    capacity: IntArray  # (S, 3)
    load: IntArray  # (S, 3)
    vacancies: IntArray  # (S, G)
    placed_workers: IntArray  # (S, G)
    bands: Bands  # congestion bands of the persons capacities
    # batch-plan prices per person, child and medical place (zeros: no plan yet)
    rent: FloatArray  # (S, 3)
    # what a matched worker of each group is worth in the ranking: the batch plan's worker
    # price μ where it priced this vacancy list, else the full reward
    job_value: FloatArray  # (S, G)
    position: dict[str, int] = field(default_factory=dict)


def desk_index(
    settlements: Sequence[SettlementRecord],
    vacancies: Sequence[VacancyRecord],
    policy: Policy,
    *,
    prices: Prices | None = None,
) -> DeskIndex:
    """Precompute the settlement vectors; `prices` from a batch plan steer the ranking."""
    occupations = {name: g for g, name in enumerate(sorted({v.occupation for v in vacancies}))}
    ids = tuple(s.id for s in settlements)
    position = {sid: i for i, sid in enumerate(ids)}
    vacancy = np.zeros((len(settlements), len(occupations)), dtype=np.int64)
    for v in vacancies:
        vacancy[position[v.settlement_id], occupations[v.occupation]] += v.vacancies
    capacity = np.array(
        [
            (effective_persons_capacity(s, policy), s.cap_children, s.cap_medical)
            for s in settlements
        ],
        dtype=np.int64,
    ).reshape(-1, 3)
    rent = np.zeros((len(settlements), 3))
    if prices is not None:
        # the persons price beyond the top congestion band is pure scarcity
        # the batch plan's price of a person there: what the day's later arrivals will pay
        rent[:, PERSONS] = np.maximum(prices.persons, 0.0)
        rent[:, CHILDREN] = np.maximum(prices.children, 0.0)
        rent[:, MEDICAL] = np.maximum(prices.medical, 0.0)
    job_value = np.full(vacancy.shape, float(policy.employment_reward))
    hiring = sorted({v.occupation for v in vacancies if v.vacancies > 0})
    if prices is not None and prices.workers.shape == (len(settlements), len(hiring)):
        for g, name in enumerate(hiring):
            price = prices.workers[:, g]
            # exactly zero: no vacancy of the group there in the plan's own list
            job_value[:, occupations[name]] = np.where(
                price > 0, np.minimum(price, policy.employment_reward), policy.employment_reward
            )
    return DeskIndex(
        policy=policy,
        ids=ids,
        names=tuple(s.name for s in settlements),
        kinds=tuple(s.kind for s in settlements),
        occupations=occupations,
        places=radian_points([s.lat for s in settlements], [s.lon for s in settlements]),
        eligible=np.array([is_eligible(s, policy) for s in settlements], dtype=np.bool_),
        capacity=capacity,
        load=np.array(
            [(s.load_persons, s.load_children, s.load_medical) for s in settlements], dtype=np.int64
        ).reshape(-1, 3),
        vacancies=vacancy,
        placed_workers=np.zeros_like(vacancy),
        bands=congestion_bands(policy, capacity[:, PERSONS]),
        rent=rent,
        job_value=job_value,
        position=position,
    )


def morning_prices(
    settlements: Sequence[SettlementRecord],
    vacancies: Sequence[VacancyRecord],
    policy: Policy,
    expected: Sequence[HouseholdRecord],
) -> Prices:
    """Prices for today's desks: a batch plan of an expected wave (yesterday's arrivals)
    against today's settlements, loads and vacancy list, so that every price — worker
    prices above all — refers to the jobs the desks will actually see."""
    return plan_placement(build_problem(settlements, expected, vacancies, policy)).prices


REPRICING_METHODS = ("flow", "lp", "auto")
# the desks re-price once the arrivals since their prices are this share of the arrivals
# still expected when the prices were made (measured against every tenth of the day in
# README, "Placement")
STALE_SHARE = 0.25
# and no more once fewer than this share of the day's expected arrivals are still to come
LAST_SHARE = 0.01


def reprice_due(arrived_since: int, expected_then: int, share: float = STALE_SHARE) -> bool:
    """Whether prices made when `expected_then` arrivals were still expected are stale
    after `arrived_since` more: a desk's loss grows with the share of the wave priced that
    has come since, so equal shares keep every decision's prices about as fresh."""
    return expected_then > 0 and arrived_since >= share * expected_then


def arrivals_still_expected(yesterday: int, yesterday_by_now: int, today_so_far: int) -> int:
    """How many arrivals are still expected today: yesterday's count less today's so far,
    yesterday's count scaled up first where today is ahead of yesterday at the same time of
    day (`yesterday_by_now`), as in a growing influx, whose evenings would otherwise
    expect nobody more. Never scaled down: a few early arrivals say little of the day."""
    expected = float(yesterday)
    if yesterday_by_now > 0 and today_so_far > yesterday_by_now:
        expected = yesterday * today_so_far / yesterday_by_now
    return max(0, round(expected) - today_so_far)


def repricing_points(
    expected: int, share: float = STALE_SHARE, last_share: float = LAST_SHARE
) -> list[int]:
    """The arrival counts of a day expecting `expected` households after which the desks
    re-price (`reprice_due` at each), until fewer than `last_share` of them are to come:
    about ln(last_share) / ln(1 − share) re-pricings whose waves add up to about
    (1 − share) / share days' arrivals: 3 at 0.25, where nine at every tenth add up to 3.5."""
    if not 0 < share < 1:
        raise ValueError(f"the stale share must be between 0 and 1, not {share}")
    points: list[int] = []
    seen = 0
    while True:
        # the first count at which reprice_due holds for the prices made at `seen`
        seen += max(1, math.ceil(share * (expected - seen)))
        if expected - seen < max(1.0, last_share * expected):
            return points
        points.append(seen)


def intraday_prices(
    settlements: Sequence[SettlementRecord],
    vacancies: Sequence[VacancyRecord],
    policy: Policy,
    expected: Sequence[HouseholdRecord],
    remaining: int,
    *,
    method: str = "flow",
    seed: int = 0,
    options: PlanOptions = DEFAULT_OPTIONS,
) -> Prices:
    """Prices for the rest of the day, a pure function of its arguments: a batch plan of the
    `remaining` households still expected today — drawn from `expected` (recent arrivals)
    with a seeded generator, with repeats when there are fewer — against the settlements'
    loads and vacancies of now. `method` is explicit: "flow" gives the flows' smoothed
    prices at every size (late in the day `auto` would switch to the exact LP, slower and
    with vertex duals that rank worse); "lp" and "auto" as in `plan_placement`."""
    check_repricing_method(method)
    if remaining <= 0 or not expected:
        return no_prices(settlements, vacancies)
    return intraday_plan(
        settlements, vacancies, policy, expected, remaining, method=method, seed=seed,
        options=options,
    ).prices  # fmt: skip


def intraday_plan(
    settlements: Sequence[SettlementRecord],
    vacancies: Sequence[VacancyRecord],
    policy: Policy,
    expected: Sequence[HouseholdRecord],
    remaining: int,
    *,
    method: str = "flow",
    seed: int = 0,
    options: PlanOptions = DEFAULT_OPTIONS,
) -> PlacementPlan:
    """The batch plan whose prices `intraday_prices` gives (`remaining` > 0 households drawn
    from a non-empty `expected`): what a deployment stores, with its objective and gap."""
    check_repricing_method(method)
    if remaining <= 0 or not expected:
        raise ValueError("an intra-day plan needs arrivals still expected and recent ones")
    wave = expected_wave(expected, remaining, seed)
    problem = build_problem(settlements, wave, vacancies, policy)
    return plan_placement(problem, method=method, options=options)


def check_repricing_method(method: str) -> None:
    """ValueError naming the methods, for a re-pricing method that is none of them."""
    if method not in REPRICING_METHODS:
        raise ValueError(
            f"unknown re-pricing method {method!r}: use {', '.join(REPRICING_METHODS)}"
        )


def no_prices(
    settlements: Sequence[SettlementRecord], vacancies: Sequence[VacancyRecord]
) -> Prices:
    """Zero prices in the shape the desk reads: nothing more is expected today."""
    zero = np.zeros(len(settlements))
    groups = len({v.occupation for v in vacancies if v.vacancies > 0})
    return Prices(zero, zero, zero, np.zeros((len(settlements), groups)))


def expected_wave(
    expected: Sequence[HouseholdRecord], remaining: int, seed: int
) -> list[HouseholdRecord]:
    """The `remaining` households still expected, drawn from `expected` with a seeded
    generator (repeats when there are fewer), in the order of `expected`."""
    rng = np.random.default_rng(seed)
    drawn = rng.choice(len(expected), size=remaining, replace=remaining > len(expected))
    # ids must be unique within a wave: a repeated household is a new one like it
    return [
        expected[int(h)].model_copy(update={"id": f"expected-{k}"})
        for k, h in enumerate(np.sort(drawn).tolist())
    ]


def road_km_from(desk: DeskIndex, lat: float, lon: float) -> FloatArray:
    """Road km from one point to every settlement (great-circle km × circuity)."""
    km: FloatArray = great_circle_to_points_km(lat, lon, desk.places) * desk.policy.circuity
    return km


def recommend(
    desk: DeskIndex, household: HouseholdRecord, *, count: int = 3
) -> list[Recommendation]:
    """The `count` settlements that fit with the lowest marginal cost, ranked with batch prices.

    With prices, a person is ranked at no less than the batch plan's price of a person there
    (bid-price control), plus the prices of the child and medical places used, and a matched
    worker at the plan's worker price (a job the plan expects filled anyway counts less);
    the costs returned are always the true marginal costs.
    """
    size = household.size
    demand = np.array((size, household.children, household.medical))
    km = road_km_from(desk, household.origin_lat, household.origin_lon)
    before = desk.load[:, PERSONS].astype(np.float64)
    congestion = slice_cost(desk.bands, before, size)
    employment = np.zeros(len(km))
    job_score = np.zeros(len(km))
    for name in set(household.occupations):
        g = desk.occupations.get(name)
        if g is not None:
            open_jobs = desk.vacancies[:, g] - desk.placed_workers[:, g]
            matched = jobs_gained(open_jobs, household.occupations.count(name))
            employment -= desk.policy.employment_reward * matched
            job_score -= desk.job_value[:, g] * matched
    preference = np.zeros(len(km))
    for rank, wish in enumerate(household.preferences):
        where = desk.position.get(wish)
        if where is not None:
            preference[where] -= size * desk.policy.preference_rewards[rank]
    travel = size * km
    total = travel + congestion + employment + preference
    fits = desk.eligible & np.all((desk.capacity - desk.load >= demand) | (demand == 0), axis=1)
    # bid prices: a person costs at least the batch plan's price of a person there
    persons_cost = np.maximum(congestion, size * desk.rent[:, PERSONS])
    side_rent = (
        household.children * desk.rent[:, CHILDREN] + household.medical * desk.rent[:, MEDICAL]
    )
    ranked = travel + preference + job_score + persons_cost + side_rent
    score = np.where(fits, ranked, np.inf)
    shown = min(count, int(np.count_nonzero(fits)))
    if shown == 0:
        return []
    best = (
        np.argpartition(score, shown - 1)[:shown] if shown < len(score) else np.arange(len(score))
    )
    best = best[np.argsort(score[best], kind="stable")][:shown]
    origin = int(np.argmin(km))
    origin_name = desk.names[origin] if km[origin] <= ORIGIN_NAME_KM else ""
    return [
        Recommendation(
            settlement_id=desk.ids[s],
            settlement_name=desk.names[s],
            marginal_cost=float(total[s]),
            travel=float(travel[s]),
            congestion=float(congestion[s]),
            employment=float(employment[s]),
            preference=float(preference[s]),
            km=float(km[s]),
            reasons=reasons_for(desk, household, s, float(km[s]), origin_name),
        )
        for s in best.tolist()
    ]


def reasons_for(
    desk: DeskIndex, household: HouseholdRecord, s: int, km: float, origin_name: str
) -> tuple[Reason, ...]:
    """Structured reasons for one option: distance, housing fill, jobs, wish, school, clinic."""
    reasons = [Reason("distance", {"km": round(km), "origin": origin_name})]
    capacity = desk.capacity[s]
    after = desk.load[s] + (household.size, household.children, household.medical)
    percent = round(100 * after[PERSONS] / capacity[PERSONS]) if capacity[PERSONS] else 100
    reasons.append(Reason("housing_fill", {"kind": desk.kinds[s], "percent": percent}))
    for name in dict.fromkeys(household.occupations):
        g = desk.occupations.get(name)
        if g is not None and desk.vacancies[s, g] > desk.placed_workers[s, g]:
            open_jobs = int(desk.vacancies[s, g] - desk.placed_workers[s, g])
            reasons.append(Reason("vacancies", {"count": open_jobs, "occupation": name}))
    if desk.ids[s] in household.preferences:
        reasons.append(Reason("preference", {"rank": household.preferences.index(desk.ids[s]) + 1}))
    if household.children:
        reasons.append(Reason("school_places", {"free": int(capacity[CHILDREN] - after[CHILDREN])}))
    if household.medical:
        reasons.append(Reason("clinic_places", {"free": int(capacity[MEDICAL] - after[MEDICAL])}))
    return tuple(reasons)


def confirm(desk: DeskIndex, household: HouseholdRecord, settlement_id: str) -> None:
    """Reserve the household's places in the index; ValueError when it no longer fits."""
    s = desk.position.get(settlement_id)
    if s is None:
        raise ValueError(f"unknown settlement {settlement_id!r}")
    demand = np.array((household.size, household.children, household.medical))
    if not desk.eligible[s] or np.any((desk.load[s] + demand > desk.capacity[s]) & (demand > 0)):
        raise ValueError(f"{settlement_id!r} has no room left for household {household.id!r}")
    desk.load[s] += demand
    for name in household.occupations:
        g = desk.occupations.get(name)
        if g is not None:
            desk.placed_workers[s, g] += 1
