"""Better prices by climbing the bound itself: L-BFGS-B on a smoothed copy of `dual_bound`.

Per person, a type's cost in a settlement is its *class row* — travel from its origin, the
children and medical prices its needs meet, and π — the same for every type of one origin
and one demand (size, children, medical), less a *discount* only where it has one: a wish,
or a vacancy its workers' groups could take. The soft-min over all settlements is therefore
the class row's sum, corrected at the few settlements where the type has a discount. Only
discounts within a margin of the type's cheapest option are kept, chosen again at each
stage's prices: the others weigh at most e^(−margin/τ) in the soft-min. At a million persons
this prices 1,100 class rows and 0.8 million discounts instead of 55 million pairs.
"""

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse

from qonaq.placement.model import CHILDREN, MEDICAL, FloatArray, IntArray
from qonaq.placement.solve import (
    PRICING_CHUNK,
    Prices,
    PricingContext,
    Progress,
    chunk_costs,
    fitting,
)
from qonaq.placement.types import unique_rows


@dataclass(frozen=True)
class Stage:
    """One temperature of the ascent."""

    tau: float  # km-equivalents per person
    iterations: int  # L-BFGS-B's at most
    margin: float  # discounts kept within this much of their type's cheapest option
    until: float  # the stage ends by this share of the ascent's time


# coarse to fine: each stage starts from the last one's prices, and a smaller τ brings the
# smoothed dual closer to the bound itself (100,000 persons: 4.5 s, 0.1 % below the LP optimum)
ASCENT_STAGES = (
    Stage(4.0, 60, 150.0, 0.3),
    Stage(1.0, 60, 80.0, 0.55),
    Stage(0.25, 100, 40.0, 0.8),
    Stage(0.08, 100, 20.0, 1.0),
)
# a huge wave's: three stages, the last always with a third of the time, since its prices
# are the soft plan's (1M persons: a last stage cut to a few iterations left a plan 3 % off)
HUGE_ASCENT_STAGES = (
    Stage(4.0, 40, 100.0, 0.35),
    Stage(1.0, 40, 60.0, 0.65),
    Stage(0.25, 100, 30.0, 1.0),
)
# the ascent stops after this long: any prices give a valid bound, so stopping early is safe
ASCENT_SECONDS = 12.0
# and on a huge wave, whose end-to-end time is the target, after this long
HUGE_ASCENT_SECONDS = 8.5
# the soft plan keeps pairs with at least this many households
SOFT_PLAN_MIN = 0.01


@dataclass(frozen=True)
class DualLayout:
    """How the prices sit in one flat vector: π, λ children, λ medical, μ of hiring pairs."""

    settlements: int
    hiring_s: IntArray
    hiring_g: IntArray

    def prices(self, x: FloatArray, groups: int) -> Prices:
        """The flat vector as Prices."""
        s = self.settlements
        workers = np.zeros((s, groups))
        workers[self.hiring_s, self.hiring_g] = x[3 * s :]
        return Prices(x[:s].copy(), x[s : 2 * s].copy(), x[2 * s : 3 * s].copy(), workers)

    def flat(self, prices: Prices) -> FloatArray:
        """Prices as one flat vector."""
        return np.concatenate(
            [
                prices.persons,
                prices.children,
                prices.medical,
                prices.workers[self.hiring_s, self.hiring_g],
            ]
        )


def dual_layout(ctx: PricingContext) -> DualLayout:
    """The flat layout of a problem's prices: one μ per settlement and group with vacancies."""
    hiring_s, hiring_g = np.nonzero(ctx.problem.vacancies > 0)
    return DualLayout(ctx.room.shape[0], hiring_s, hiring_g)


@dataclass(frozen=True)
class ClassRows:
    """Types grouped by origin and demand: what their costs share."""

    of_type: IntArray  # (T,) each type's class
    km: FloatArray  # (C, S) road km from the class's origin
    needs: FloatArray  # (C, 2) children and medical places per person
    fits: np.ndarray  # (C, S) where one household of the class fits
    supply: FloatArray  # (T,) persons of each type


def class_rows(ctx: PricingContext) -> ClassRows:
    """The class of every type and each class's travel, needs and fit."""
    types = ctx.types
    key = np.concatenate([types.origin[:, None], types.demand], axis=1)
    classes, of_type = unique_rows(key)
    member = np.zeros(len(classes), dtype=np.int64)
    member[of_type] = np.arange(len(of_type))
    return ClassRows(
        of_type=of_type,
        km=ctx.km[classes[:, 0]],
        needs=ctx.per_person[member][:, :2],
        fits=fitting(ctx, member),
        supply=(types.count * types.size).astype(np.float64),
    )


@dataclass(frozen=True)
class Discounts:
    """The (type, settlement) pairs whose cost is below their class row, by type."""

    type_of: IntArray  # (E,) sorted
    settlement: IntArray  # (E,)
    cell: IntArray  # (E,) class × S + settlement: where the class row holds the pair
    needs: FloatArray  # (E, 2) children and medical places per person
    wish: FloatArray  # (E,) preference reward per person
    jobs: sparse.csr_matrix  # (E, hiring pairs): workers per person of that pair's group
    starts: IntArray  # where each type's run begins
    owners: IntArray  # the type of each run


def near_discounts(
    ctx: PricingContext, rows: ClassRows, layout: DualLayout, prices: Prices, margin: float
) -> Discounts:
    """Every pair with a wish or a job within `margin` of its type's cheapest option."""
    types = ctx.types
    hires = (ctx.problem.vacancies > 0).T.astype(np.float32)  # (G, S)
    unplaced = ctx.problem.policy.unplaced_penalty
    found_t, found_s = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    for start in range(0, len(types.count), PRICING_CHUNK):
        t = np.arange(start, min(start + PRICING_CHUNK, len(types.count)))
        cost = chunk_costs(ctx, prices, t)
        low = np.minimum(cost.min(axis=1), unplaced)
        special = (types.workers[t] > 0).astype(np.float32) @ hires > 0
        wish_t, wish_rank = np.nonzero(types.preferences[t] >= 0)
        special[wish_t, types.preferences[t[wish_t], wish_rank]] = True
        i, s = np.nonzero(special & (cost <= low[:, None] + margin))
        found_t.append(t[i])
        found_s.append(s)
    pair_t, pair_s = np.concatenate(found_t), np.concatenate(found_s)
    return discounts_of(ctx, rows, layout, pair_t, pair_s)


def discounts_of(
    ctx: PricingContext, rows: ClassRows, layout: DualLayout, pair_t: IntArray, pair_s: IntArray
) -> Discounts:
    """The discount structure of pairs sorted by type."""
    types, settlements = ctx.types, ctx.room.shape[0]
    groups = ctx.problem.vacancies.shape[1]
    pair_of = np.full((settlements, groups), -1, dtype=np.int64)
    pair_of[layout.hiring_s, layout.hiring_g] = np.arange(len(layout.hiring_s))
    none = np.empty(0, dtype=np.int64)
    job_rows, job_cols, job_values = [none], [none], [np.empty(0)]
    for g in range(groups):
        taking = np.flatnonzero((types.workers[pair_t, g] > 0) & (pair_of[pair_s, g] >= 0))
        job_rows.append(taking)
        job_cols.append(pair_of[pair_s[taking], g])
        job_values.append(ctx.per_person[pair_t[taking], 2 + g])
    jobs = sparse.csr_matrix(
        (np.concatenate(job_values), (np.concatenate(job_rows), np.concatenate(job_cols))),
        shape=(len(pair_t), len(layout.hiring_s)),
    )
    wish = np.zeros(len(pair_t))
    for rank, reward in enumerate(ctx.preference_reward.tolist()):
        wish += reward * (types.preferences[pair_t, rank] == pair_s)
    starts = np.flatnonzero(np.r_[True, pair_t[1:] != pair_t[:-1]]) if len(pair_t) else pair_t
    cls = rows.of_type[pair_t]
    return Discounts(
        type_of=pair_t,
        settlement=pair_s,
        cell=cls * settlements + pair_s,
        needs=rows.needs[cls],
        wish=wish,
        jobs=jobs,
        starts=starts,
        owners=pair_t[starts],
    )


def smoothed_dual(
    ctx: PricingContext,
    layout: DualLayout,
    rows: ClassRows,
    near: Discounts,
    x: FloatArray,
    tau: float,
) -> tuple[float, FloatArray]:
    """The dual bound with every min replaced by a soft-min at temperature τ and every
    max(0, z) by τ log(1 + e^(z/τ)), and its gradient: smooth, concave, and never above the
    exact bound of the same prices (up to the discounts left out)."""
    problem = ctx.problem
    policy = problem.policy
    n = layout.settlements
    unplaced = policy.unplaced_penalty
    persons, children, medical, workers = x[:n], x[n : 2 * n], x[2 * n : 3 * n], x[3 * n :]
    row = rows.km + rows.needs[:, :1] * children + rows.needs[:, 1:] * medical + persons
    row[~rows.fits] = np.inf
    row_low = np.minimum(row.min(axis=1), unplaced)
    weight = np.exp(-(row - row_low[:, None]) / tau)  # (C, S)
    row_sum = weight.sum(axis=1)
    # each type: the class row's sum, less its discounted cells at row price, plus at theirs
    cls = rows.of_type
    cell_weight = weight.ravel().take(near.cell)
    cost = row.ravel().take(near.cell) - near.jobs @ workers - near.wish
    low = row_low[cls]
    rest = row_sum[cls]
    if len(cost):
        low[near.owners] = np.minimum(low[near.owners], np.minimum.reduceat(cost, near.starts))
        rest[near.owners] -= np.add.reduceat(cell_weight, near.starts)
    rest = np.maximum(rest, 0.0)  # rounding: the discounted cells may be the whole row
    shift = np.exp(-(row_low[cls] - low) / tau)
    own = np.exp(-(cost - low[near.type_of]) / tau)
    total = shift * rest + np.exp(-(unplaced - low) / tau)
    if len(cost):
        total[near.owners] += np.add.reduceat(own, near.starts)
    value = float(rows.supply @ (low - tau * np.log(total)))
    # persons each settlement draws: class rows, then the discounted cells' correction
    scale = rows.supply * shift / total
    drawn = np.bincount(cls, weights=scale, minlength=len(row_low))[:, None] * weight
    at_own = rows.supply[near.type_of] * own / total[near.type_of]
    correction = at_own - scale[near.type_of] * cell_weight
    used = [drawn.sum(axis=0), rows.needs[:, 0] @ drawn, rows.needs[:, 1] @ drawn]
    for j, column in enumerate((None, near.needs[:, 0], near.needs[:, 1])):
        weights = correction if column is None else correction * column
        used[j] = used[j] + np.bincount(near.settlement, weights=weights, minlength=n)
    gammas = np.asarray(policy.congestion.costs)
    rent = (persons[:, None] - gammas[None, :]) / tau
    value -= float(np.sum(ctx.widths * tau * np.logaddexp(0.0, rent)))
    room_children, room_medical = ctx.room[:, CHILDREN], ctx.room[:, MEDICAL]
    value -= float(children @ room_children + medical @ room_medical)
    vacancies = problem.vacancies[layout.hiring_s, layout.hiring_g]
    value -= float((policy.employment_reward - workers) @ vacancies)
    gradient = np.concatenate(
        [
            used[0] - np.sum(ctx.widths * 0.5 * (1 + np.tanh(rent / 2)), axis=1),
            used[1] - room_children,
            used[2] - room_medical,
            vacancies - near.jobs.T @ at_own,
        ]
    )
    return value, gradient


@dataclass(frozen=True)
class SoftPlan:
    """Households per (type, settlement) pair, and each type's cheapest option on the way."""

    pair_type: IntArray
    settlement: IntArray
    households: FloatArray
    cheapest: FloatArray  # (T,) min(U, min_s c_ts + π_s): what `bound_of` needs


def soft_plan(ctx: PricingContext, prices: Prices, tau: float) -> SoftPlan:
    """Households per (type, settlement) where each type spreads over its options by the
    soft-min's weights at temperature τ: near the LP's optimum when the prices are near its
    duals, since the smoothed dual's gradient is how far that spread misses every capacity."""
    types = ctx.types
    unplaced = ctx.problem.policy.unplaced_penalty
    found_t, found_s = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    found_x = [np.empty(0)]
    cheapest = np.empty(len(types.count))
    for start in range(0, len(types.count), PRICING_CHUNK):
        t = np.arange(start, min(start + PRICING_CHUNK, len(types.count)))
        cost = chunk_costs(ctx, prices, t)
        low = np.minimum(cost.min(axis=1), unplaced)
        cheapest[t] = low
        weight = np.exp(-(cost - low[:, None]) / tau)
        total = weight.sum(axis=1) + np.exp(-(unplaced - low) / tau)
        households = weight * (types.count[t] / total)[:, None]
        i, s = np.nonzero(households >= SOFT_PLAN_MIN)
        found_t.append(t[i])
        found_s.append(s)
        found_x.append(households[i, s])
    return SoftPlan(
        np.concatenate(found_t), np.concatenate(found_s), np.concatenate(found_x), cheapest
    )


@dataclass(frozen=True)
class Ascent:
    """Where the ascent ended: its prices, and the temperature they were climbed at last."""

    prices: Prices
    tau: float


def ascend_dual(
    ctx: PricingContext,
    prices: Prices,
    seconds: float = ASCENT_SECONDS,
    progress: Progress | None = None,
    stages: tuple[Stage, ...] = ASCENT_STAGES,
) -> Ascent:
    """Better prices by quasi-Newton ascent (L-BFGS-B) on the smoothed dual, stage by stage,
    for at most `seconds`."""
    from scipy.optimize import minimize

    started = time.perf_counter()
    problem = ctx.problem
    layout = dual_layout(ctx)
    rows = class_rows(ctx)
    n, groups = layout.settlements, problem.vacancies.shape[1]
    limits = (
        [(None, None)] * n
        + [(0.0, None)] * (2 * n)
        + [(0.0, problem.policy.employment_reward)] * len(layout.hiring_s)
    )
    x = layout.flat(prices)
    reached = stages[0].tau
    for number, stage in enumerate(stages):
        deadline = started + stage.until * seconds
        if time.perf_counter() > deadline:
            continue
        reached = stage.tau
        near = near_discounts(ctx, rows, layout, layout.prices(x, groups), stage.margin)

        def negative(flat: FloatArray, tau: float = stage.tau, near: Discounts = near) -> tuple:
            value, gradient = smoothed_dual(ctx, layout, rows, near, flat, tau)
            return -value, -gradient

        def out_of_time(intermediate_result: object, deadline: float = deadline) -> None:
            if time.perf_counter() > deadline:
                raise StopIteration

        found = minimize(
            negative,
            x,
            jac=True,
            method="L-BFGS-B",
            bounds=limits,
            options={"maxiter": stage.iterations},
            callback=out_of_time,
        )
        x = found.x
        if progress is not None:
            progress(f"ascent at τ = {stage.tau}", (number + 1) / len(stages))
    return Ascent(layout.prices(x, groups), reached)
