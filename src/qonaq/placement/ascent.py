"""Better prices by climbing the bound itself: L-BFGS-B on a smoothed copy of `dual_bound`.

Per person, a type's cost in a settlement is its *class row* — travel from its origin, the
children and medical prices its needs meet, and π — the same for every type of one origin
and one demand (size, children, medical), less a *discount* only where it has one: a wish,
or a vacancy its workers' groups could take. The soft-min over all settlements is therefore
the class row's sum, corrected at the few settlements where the type has a discount. Only
discounts within a margin of the type's cheapest option are kept, chosen again at each
stage's prices: the others weigh at most e^(−margin/τ) in the soft-min. At a million persons
this prices about a thousand class rows and a million discounts instead of tens of millions
of pairs, in compiled loops (numba) over every core (timings: docs/placement-model.md §5).
"""

import threading
import time
from dataclasses import dataclass, replace

import numba
import numpy as np
import scipy.sparse as sparse
from scipy.optimize import minimize

from qonaq.placement.household_types import unique_rows
from qonaq.placement.model import CHILDREN, MEDICAL, FloatArray, IntArray
from qonaq.placement.pricing import (
    PRICING_CHUNK,
    Prices,
    PricingContext,
    Progress,
    chunk_costs,
    fitting,
)


@dataclass(frozen=True)
class Stage:
    """One temperature of the ascent."""

    tau: float  # km-equivalents per person
    iterations: int  # L-BFGS-B's at most
    margin: float  # discounts kept within this much of their type's cheapest option
    until: float  # the stage ends by this share of the ascent's time


# coarse to fine: each stage starts from the last one's prices, and a smaller τ brings the
# smoothed dual closer to the bound itself (how close: docs/placement-model.md §8)
ASCENT_STAGES = (
    Stage(4.0, 60, 150.0, 0.3),
    Stage(1.0, 60, 80.0, 0.55),
    Stage(0.25, 100, 40.0, 0.8),
    Stage(0.08, 100, 20.0, 1.0),
)
# a huge wave's: three stages, the last always with over a third of the time, since its
# prices are the soft plan's and a last stage cut short leaves a far plan (§8)
HUGE_ASCENT_STAGES = (
    Stage(4.0, 40, 100.0, 0.35),
    Stage(1.0, 40, 60.0, 0.65),
    Stage(0.25, 100, 30.0, 1.0),
)
# L-BFGS-B's memory: the curvature pairs it keeps (scipy's default)
ASCENT_MEMORY = 10
# the ascent stops after this long: any prices give a valid bound, so stopping early is safe
ASCENT_SECONDS = 12.0
# and on a huge wave, whose end-to-end time is the target, after this long
HUGE_ASCENT_SECONDS = 8.5
# one compiled parallel loop at a time per process: numba's fallback threading layer
# (workqueue, where OpenMP is missing) aborts the process when two threads launch one at
# once, as two coordinators re-planning together would
KERNELS = threading.Lock()
# the soft plan keeps pairs with at least this many households
SOFT_PLAN_MIN = 0.01
# a class row's weight e^(−(row − cheapest)/τ) is taken as 0 beyond this exponent: it
# weighs less than 1e-17 of the cheapest's, and most of a row's settlements are that far
# once τ is small, so most exponentials are skipped
NEGLIGIBLE_EXPONENT = 40.0
# a stage sums each class row over the settlements within NEGLIGIBLE_EXPONENT · τ plus the
# stage's margin of its cheapest, chosen again from the prices of every this many
# evaluations: prices move little between, and at low τ most of a row is far
REACH_EVALUATIONS = 10
# what settlements draw is summed over this many blocks of classes, each on one core, then
# added in block order: the same sums whatever the number of threads
DRAW_BLOCKS = 16


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

    settlement: IntArray  # (E,)
    cell: IntArray  # (E,) class × S + settlement: where the class row holds the pair
    needs: FloatArray  # (E, 2) children and medical places per person
    travel: FloatArray  # (E,) road km per person, infinite where the household does not fit
    wish: FloatArray  # (E,) preference reward per person
    jobs: sparse.csr_matrix  # (E, hiring pairs): workers per person of that pair's group
    by_pair: sparse.csr_matrix  # (hiring pairs, E): `jobs` transposed, read by rows
    type_start: IntArray  # (T + 1,) type t's pairs are [type_start[t], type_start[t + 1])


def near_discounts(
    ctx: PricingContext,
    rows: ClassRows,
    layout: DualLayout,
    prices: Prices,
    margin: float,
    headroom: bool = False,
) -> Discounts:
    """Every pair with a wish or a job within `margin` of its type's cheapest option; with
    `headroom`, every job pair that would be there were its job prices at the reward, as high
    as the stage may take them (jobs priced from 0 climb far within a stage, and a pair left
    out makes the smoothed dual reward a higher job price for nothing: §5 of the doc)."""
    types, policy = ctx.types, ctx.problem.policy
    hiring = ctx.problem.vacancies > 0
    # how far each job price may still climb, (S, G); none without headroom
    rise = (policy.employment_reward - prices.workers) * hiring if headroom else None
    hiring_g, hiring_at = np.nonzero(hiring.T)
    hiring_start = np.searchsorted(hiring_g, np.arange(hiring.shape[1] + 1))
    everywhere = bool(np.any(prices.workers < 0) or np.any(prices.workers[~hiring] != 0))
    pricing = (
        types.origin, types.preferences, ctx.per_person, ctx.km, ctx.preference_reward,
        prices.persons, prices.children, prices.medical, prices.workers,
    )  # fmt: skip
    with KERNELS:
        pair_t, pair_s = discount_pairs(
            pricing, rows.of_type, ctx.demand_fits, ctx.demand_of, rows.km, rows.needs,
            rows.fits, hiring_start, hiring_at, everywhere,
            np.zeros_like(prices.workers) if rise is None else rise, float(margin),
            float(policy.unplaced_penalty),
        )  # fmt: skip
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
    cls = rows.of_type[pair_t]
    return Discounts(
        settlement=pair_s,
        cell=cls * settlements + pair_s,
        needs=rows.needs[cls],
        travel=np.where(rows.fits[cls, pair_s], rows.km[cls, pair_s], np.inf),
        wish=wish,
        jobs=jobs,
        # the gradient's product read by rows: the same sums in the same order, faster than
        # scipy's column scatter (§5 of the doc)
        by_pair=jobs.T.tocsr(),
        type_start=np.searchsorted(pair_t, np.arange(len(types.count) + 1)),
    )


# what pricing one (type, settlement) cell needs, as `chunk_costs` prices it: each type's
# origin, wishes and needs per person (children, medical, workers per group); km per origin;
# the wishes' rewards; π, λ children, λ medical (S,) and μ (S, G)
CellPricing = tuple[
    IntArray, IntArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray,
    FloatArray,
]  # fmt: skip


@numba.njit(parallel=True, cache=True, error_model="numpy")
def discount_pairs(
    pricing: CellPricing,
    of_class: IntArray,
    demand_fits: np.ndarray,
    demand_of: IntArray,
    class_km: FloatArray,
    class_needs: FloatArray,
    class_fits: np.ndarray,
    hiring_start: IntArray,
    hiring_at: IntArray,
    everywhere: bool,
    rise: FloatArray,
    margin: float,
    unplaced: float,
) -> tuple[IntArray, IntArray]:
    """`near_discounts`' pairs, sorted by type and settlement, on every core. A type costs
    its class row but at its discounts (its wishes, and where its workers' groups hire), where
    it costs less (wishes' rewards and job prices are never negative), so its cheapest is the
    class row's or a discount's; with `everywhere` (job prices where nobody hires, or below
    0), a type with workers is priced at every settlement, as `chunk_costs` does. Where a type
    fits is its demand's row of `demand_fits`; group g hires at hiring_at[hiring_start[g]:
    hiring_start[g + 1]]; `rise`: how far each job price may climb (zeros: none)."""
    persons, children, medical = pricing[5], pricing[6], pricing[7]
    classes, settlements = class_km.shape
    class_low = np.empty(classes)
    for c in numba.prange(classes):
        least = unplaced
        for s in range(settlements):
            if class_fits[c, s]:
                side = class_needs[c, 0] * children[s] + class_needs[c, 1] * medical[s]
                least = min(least, class_km[c, s] + side + persons[s])
        class_low[c] = least
    types = len(of_class)
    # room for every discount of a type: its wishes and where its groups hire
    room = np.zeros(types + 1, dtype=np.int64)
    for t in numba.prange(types):
        room[t + 1] = pricing[1].shape[1]
        for g in np.flatnonzero(pricing[2][t, 2:] > 0):
            room[t + 1] += hiring_start[g + 1] - hiring_start[g]
    start = np.cumsum(room)
    pair_s = np.full(start[-1], -1, dtype=np.int64)
    for t in numba.prange(types):
        type_discounts(
            t, pricing, demand_fits[demand_of[t]], hiring_start, hiring_at, everywhere, rise,
            margin, class_low[of_class[t]], unplaced, pair_s[start[t] : start[t + 1]],
        )  # fmt: skip
    kept = pair_s >= 0
    pair_t = np.repeat(np.arange(types), room[1:])[kept]
    return pair_t, pair_s[kept]


@numba.njit(cache=True, error_model="numpy")
def type_discounts(
    t: int,
    pricing: CellPricing,
    fits: np.ndarray,
    hiring_start: IntArray,
    hiring_at: IntArray,
    everywhere: bool,
    rise: FloatArray,
    margin: float,
    row_low: float,
    unplaced: float,
    found: IntArray,
) -> None:
    """Type t's discounted settlements within `margin` of its cheapest, in settlement order,
    written into `found` (room for all its discounts; the rest left −1). `row_low`: its class
    row's cheapest (or the unplaced cost); `everywhere`: its cheapest is sought at every
    settlement, not only at its discounts (job prices not all where its groups hire, or
    negative)."""
    wishes, per_person = pricing[1][t], pricing[2][t]
    own = np.flatnonzero(per_person[2:] > 0)
    low = row_low
    if everywhere and len(own):
        low = unplaced
        for s in range(len(fits)):
            low = min(low, cell_cost(t, s, pricing, own) if fits[s] else np.inf)
    # each discount's cost once (with its job prices' rise), then those near the cheapest
    cost = np.empty(len(found))
    cells = 0
    # each group's next hiring settlement
    cursor = hiring_start[own]
    s = next_discounted(wishes, own, hiring_start, hiring_at, cursor, -1)
    while s >= 0:
        # where it does not fit: kept only within an infinite margin, as chunk_costs' inf
        cost[cells] = np.inf
        if fits[s]:
            cost[cells] = cell_cost(t, s, pricing, own)
            low = min(low, cost[cells])
            for g in own:
                cost[cells] -= per_person[2 + g] * rise[s, g]
        found[cells] = s
        cells += 1
        s = next_discounted(wishes, own, hiring_start, hiring_at, cursor, s)
    for k in range(cells):
        if not cost[k] <= low + margin:
            found[k] = -1


@numba.njit(cache=True, error_model="numpy", inline="always")
def next_discounted(
    wishes: IntArray,
    own: IntArray,
    hiring_start: IntArray,
    hiring_at: IntArray,
    cursor: IntArray,
    previous: int,
) -> int:
    """The first settlement after `previous` with a discount: a wish, or where one of the
    groups `own` hires (group g's settlements: hiring_at[hiring_start[g]:hiring_start[g + 1]],
    in order, read from `cursor`, moved on here); −1 when none."""
    least = -1
    for s in wishes:
        if s > previous and (least < 0 or s < least):
            least = s
    for k in range(len(own)):
        end = hiring_start[own[k] + 1]
        while cursor[k] < end and hiring_at[cursor[k]] <= previous:
            cursor[k] += 1
        if cursor[k] < end and (least < 0 or hiring_at[cursor[k]] < least):
            least = hiring_at[cursor[k]]
    return least


@numba.njit(cache=True, error_model="numpy", inline="always")
def cell_cost(t: int, s: int, pricing: CellPricing, own: IntArray) -> float:
    """chunk_costs' cell (t, s) of a household that fits: travel, side prices, π, wishes."""
    origin, preferences, per_person, km, reward, persons, children, medical, workers = pricing
    side = per_person[t, 0] * children[s] + per_person[t, 1] * medical[s]
    for g in own:
        side -= per_person[t, 2 + g] * workers[s, g]
    cost = km[origin[t], s] + side + persons[s]
    for rank in range(preferences.shape[1]):
        if preferences[t, rank] == s:
            cost -= reward[rank]
    return float(cost)


def alike_types(rows: ClassRows, near: Discounts) -> tuple[ClassRows, Discounts]:
    """The stage's types with the same class and the same discounted cells (settlement, wish,
    jobs per person) merged into one of their supply: their soft-mins are the same per
    person. Many types of a wave of own origins differ only by wishes and workers a stage
    leaves out (how many: §5 of the doc)."""
    types = np.arange(len(rows.supply))
    cells = np.diff(near.type_start)
    key = np.stack([rows.of_type, cells, discount_hashes(near).view(np.int64)], axis=1)
    _, group = unique_rows(key)
    first = np.full(len(types), len(types), dtype=np.int64)
    np.minimum.at(first, group, types)
    # equal hashes are checked cell by cell: a collision only leaves two types apart
    merged_into = np.where(same_cells(near, types, first[group]), first[group], types)
    lead = merged_into == types
    index = np.cumsum(lead) - 1
    kept = np.repeat(lead, cells)
    supply = np.bincount(index[merged_into], weights=rows.supply, minlength=int(lead.sum()))
    merged_rows = replace(rows, of_type=rows.of_type[lead], supply=supply.astype(np.float64))
    merged_near = Discounts(
        settlement=near.settlement[kept],
        cell=near.cell[kept],
        needs=near.needs[kept],
        travel=near.travel[kept],
        wish=near.wish[kept],
        jobs=near.jobs[np.flatnonzero(kept)],
        by_pair=near.jobs[np.flatnonzero(kept)].T.tocsr(),
        type_start=np.concatenate([[0], np.cumsum(cells[lead])]),
    )
    return merged_rows, merged_near


def discount_hashes(near: Discounts) -> np.ndarray:
    """(T,) uint64: a hash of each type's discounted cells, by settlement, wish and jobs."""
    jobs = near.jobs
    with np.errstate(over="ignore"):
        job_hash = jobs.indices.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        job_hash += jobs.data.view(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
        cell_hash = near.settlement.astype(np.uint64) * np.uint64(0x165667B19E3779F9)
        cell_hash += near.wish.view(np.uint64) * np.uint64(0x27D4EB2F165667C5)
        np.add.at(cell_hash, np.repeat(np.arange(len(cell_hash)), np.diff(jobs.indptr)), job_hash)
        owner = np.repeat(np.arange(len(near.type_start) - 1), np.diff(near.type_start))
        result = np.zeros(len(near.type_start) - 1, dtype=np.uint64)
        # a sum of mixed hashes: the cells' order does not matter, their settlements differ
        np.add.at(result, owner, mixed(cell_hash))
    return result


def mixed(value: np.ndarray) -> np.ndarray:
    """A 64-bit mix of each value (splitmix64's finaliser): sums of mixed hashes rarely
    collide."""
    value = value ^ (value >> np.uint64(30))
    value = value * np.uint64(0xBF58476D1CE4E5B9)
    value = value ^ (value >> np.uint64(27))
    value = value * np.uint64(0x94D049BB133111EB)
    result: np.ndarray = value ^ (value >> np.uint64(31))
    return result


def same_cells(near: Discounts, t: IntArray, other: IntArray) -> np.ndarray:
    """(len(t),) bool: whether type t[i]'s cells equal type other[i]'s in settlement, wish
    and jobs (types of one class: the cells' travel and needs follow)."""
    start = near.type_start
    count = start[t + 1] - start[t]
    same = count == start[other + 1] - start[other]
    pairs = np.flatnonzero(same)
    offset = np.arange(int(count[pairs].sum())) - np.repeat(
        np.cumsum(count[pairs]) - count[pairs], count[pairs]
    )
    mine = np.repeat(start[t[pairs]], count[pairs]) + offset
    theirs = np.repeat(start[other[pairs]], count[pairs]) + offset
    jobs = near.jobs
    cell_same = (near.settlement[mine] == near.settlement[theirs]) & (
        near.wish[mine] == near.wish[theirs]
    )
    nnz = np.diff(jobs.indptr)
    cell_same &= nnz[mine] == nnz[theirs]
    entries = np.flatnonzero(cell_same)
    length = nnz[mine[entries]]
    within = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    a = np.repeat(jobs.indptr[mine[entries]], length) + within
    b = np.repeat(jobs.indptr[theirs[entries]], length) + within
    entry_same = (jobs.indices[a] == jobs.indices[b]) & (jobs.data[a] == jobs.data[b])
    bad_entries = np.repeat(np.arange(len(entries)), length)[~entry_same]
    cell_same[entries[bad_entries]] = False
    bad_cells = np.repeat(np.arange(len(pairs)), count[pairs])[~cell_same]
    same[pairs[bad_cells]] = False
    return same


@dataclass(frozen=True)
class Reach:
    """The settlements each class row is summed over: those within a window of its cheapest
    at some prices (the others weigh nothing in its soft-min while prices stay near)."""

    start: IntArray  # (C + 1,) class c's settlements are settlement[start[c]:start[c + 1]]
    settlement: IntArray  # sorted within each class
    at: IntArray  # (E,) where each discounted cell sits in `settlement`, −1: out of reach
    prices: FloatArray  # (3 S,) π, λ children, λ medical it was chosen at


def reach_of(
    rows: ClassRows,
    near: Discounts,
    x: FloatArray,
    settlements: int,
    window: float,
    unplaced: float,
) -> Reach:
    """Each class row's settlements within `window` of its cheapest at prices `x`."""
    persons, children, medical = (
        x[:settlements],
        x[settlements : 2 * settlements],
        x[2 * settlements : 3 * settlements],
    )
    with KERNELS:
        start, settlement = within_window(
            rows.km, rows.needs, rows.fits, persons, children, medical, window, unplaced
        )
        at = cell_positions(start, settlement, near.cell, settlements)
    return Reach(start, settlement, at, x[: 3 * settlements].copy())


def out_of_reach(
    reach: Reach, x: FloatArray, rows: ClassRows, settlements: int, spare: float
) -> bool:
    """Whether a settlement left out of `reach` may now weigh in a soft-min: it was `spare`
    beyond the window NEGLIGIBLE_EXPONENT · τ, and a class row's cheapest can come nearer
    by twice the most any settlement's cost moved since."""
    moved = np.abs(x[: 3 * settlements] - reach.prices).reshape(3, settlements)
    most = moved[0] + moved[1] * rows.needs[:, 0].max(initial=0.0)
    most += moved[2] * rows.needs[:, 1].max(initial=0.0)
    return 2.0 * float(most.max(initial=0.0)) >= spare


@dataclass
class ReachKeeper:
    """The reach one stage sums its class rows over, chosen again every REACH_EVALUATIONS
    evaluations and whenever the prices moved too far for it (a line search's long step)."""

    rows: ClassRows
    near: Discounts
    settlements: int
    window: float
    spare: float  # how far the window reaches beyond the weights taken as 0
    unplaced: float
    reach: Reach
    evaluations: int = 0

    def at(self, x: FloatArray) -> Reach:
        """The reach to sum over at prices `x`."""
        if self.evaluations % REACH_EVALUATIONS == 0 or out_of_reach(
            self.reach, x, self.rows, self.settlements, self.spare
        ):
            self.reach = reach_of(
                self.rows, self.near, x, self.settlements, self.window, self.unplaced
            )
        self.evaluations += 1
        return self.reach


@numba.njit(parallel=True, cache=True, error_model="numpy")
def within_window(
    km: FloatArray,
    needs: FloatArray,
    fits: np.ndarray,
    persons: FloatArray,
    children: FloatArray,
    medical: FloatArray,
    window: float,
    unplaced: float,
) -> tuple[IntArray, IntArray]:
    """Per class, in settlement order, the settlements whose row is within `window` of its
    cheapest (or of the unplaced cost)."""
    classes, settlements = km.shape
    count = np.zeros(classes + 1, dtype=np.int64)
    low = np.empty(classes)
    for c in numba.prange(classes):
        least = unplaced
        for s in range(settlements):
            if fits[c, s]:
                cost = km[c, s] + needs[c, 0] * children[s] + needs[c, 1] * medical[s]
                least = min(least, cost + persons[s])
        low[c] = least
        kept = 0
        for s in range(settlements):
            if fits[c, s]:
                cost = km[c, s] + needs[c, 0] * children[s] + needs[c, 1] * medical[s]
                if cost + persons[s] <= least + window:
                    kept += 1
        count[c + 1] = kept
    start = np.cumsum(count)
    settlement = np.empty(start[-1], dtype=np.int64)
    for c in numba.prange(classes):
        k = start[c]
        for s in range(settlements):
            if fits[c, s]:
                cost = km[c, s] + needs[c, 0] * children[s] + needs[c, 1] * medical[s]
                if cost + persons[s] <= low[c] + window:
                    settlement[k] = s
                    k += 1
    return start, settlement


@numba.njit(parallel=True, cache=True, error_model="numpy")
def cell_positions(
    start: IntArray, settlement: IntArray, cell: IntArray, settlements: int
) -> IntArray:
    """Where each class × settlement cell sits among its class's reached settlements, or −1."""
    at = np.empty(len(cell), dtype=np.int64)
    for e in numba.prange(len(cell)):
        c, s = cell[e] // settlements, cell[e] % settlements
        first, last = start[c], start[c + 1]
        k = first + np.searchsorted(settlement[first:last], s)
        at[e] = k if k < last and settlement[k] == s else -1
    return at


class Scratch:
    """The arrays the kernels fill at each evaluation, kept from one to the next: fresh
    arrays of a million cells cost their page faults at every step (§5 of the doc)."""

    def __init__(self) -> None:
        self.arrays: dict[str, FloatArray] = {}

    def array(self, name: str, size: int) -> FloatArray:
        """`size` floats to overwrite, the same memory at every call asking no more."""
        kept = self.arrays.get(name)
        if kept is None or len(kept) < size:
            kept = np.empty(size)
            self.arrays[name] = kept
        return kept[:size]


def smoothed_dual(
    ctx: PricingContext,
    layout: DualLayout,
    rows: ClassRows,
    near: Discounts,
    x: FloatArray,
    tau: float,
    reach: Reach | None = None,
    scratch: Scratch | None = None,
) -> tuple[float, FloatArray]:
    """The dual bound with every min replaced by a soft-min at temperature τ and every
    max(0, z) by τ log(1 + e^(z/τ)), and its gradient: smooth, concave, and never above the
    exact bound of the same prices (up to the discounts left out, and the settlements out of
    `reach`: every one when None). `scratch`: the kernels' arrays, kept between calls."""
    scratch = scratch or Scratch()
    types, cells, classes = len(rows.supply), len(near.settlement), rows.km.shape[0]
    problem = ctx.problem
    policy = problem.policy
    n = layout.settlements
    unplaced = policy.unplaced_penalty
    if reach is None:
        reach = reach_of(rows, near, x, n, np.inf, float(unplaced))
    persons, children, medical, workers = x[:n], x[n : 2 * n], x[2 * n : 3 * n], x[3 * n :]
    with KERNELS:
        row_low, weight, row_sum = class_weights(
            rows.km,
            rows.needs,
            persons,
            children,
            medical,
            reach.start,
            reach.settlement,
            tau,
            float(unplaced),
            scratch.array("row_low", classes),
            scratch.array("weight", len(reach.settlement)),
            scratch.array("row_sum", classes),
        )
        types_value, scale, at_own, correction = soft_mins(
            rows.supply,
            rows.of_type,
            near.settlement,
            near.travel,
            near.needs,
            persons,
            children,
            medical,
            row_low,
            weight,
            row_sum,
            reach.at,
            near.type_start,
            near.wish,
            near.jobs.indptr,
            near.jobs.indices,
            near.jobs.data,
            workers,
            tau,
            float(unplaced),
            scratch.array("value", types),
            scratch.array("scale", types),
            scratch.array("drawn", cells),
            scratch.array("correction", cells),
        )
        value = float(types_value)
        by_class = np.bincount(rows.of_type, weights=scale, minlength=len(row_low)).astype(float)
        used = settlement_draws(
            by_class,
            weight,
            reach.start,
            reach.settlement,
            rows.needs,
            correction,
            near.settlement,
            near.needs,
            n,
        )
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
            vacancies - near.by_pair @ at_own,
        ]
    )
    return value, gradient


@numba.njit(cache=True, error_model="numpy", inline="always")
def soft_weight(exponent: float) -> float:
    """e^(−exponent), or 0 beyond NEGLIGIBLE_EXPONENT: beside the cheapest option's weight
    of 1 it vanishes in rounding, and most exponentials are skipped."""
    return np.exp(-exponent) if exponent < NEGLIGIBLE_EXPONENT else 0.0


@numba.njit(parallel=True, cache=True, error_model="numpy")
def soft_mins(
    supply: FloatArray,
    of_type: IntArray,
    settlement: IntArray,
    travel: FloatArray,
    needs: FloatArray,
    persons: FloatArray,
    children: FloatArray,
    medical: FloatArray,
    row_low: FloatArray,
    weight: FloatArray,
    row_sum: FloatArray,
    at: IntArray,
    type_start: IntArray,
    wish: FloatArray,
    job_start: IntArray,
    job_pair: IntArray,
    job_workers: FloatArray,
    workers: FloatArray,
    tau: float,
    unplaced: float,
    value: FloatArray,
    scale: FloatArray,
    drawn: FloatArray,
    correction: FloatArray,
) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    """Each type's soft-min, on every core: its class row's sum (`weight` at the class's
    reached settlements) corrected at its discounted cells. Returns the types' part of the
    value; per type, the persons it draws per unit of class-row weight; per discounted
    cell, the persons it draws and how many more than at its class row's weight (in the
    last four arguments, overwritten)."""
    for t in numba.prange(len(supply)):
        c, first, last = of_type[t], type_start[t], type_start[t + 1]
        low, rest = row_low[c], row_sum[c]
        for e in range(first, last):
            paid = 0.0
            for j in range(job_start[e], job_start[e + 1]):
                paid += job_workers[j] * workers[job_pair[j]]
            s = settlement[e]
            row = travel[e] + needs[e, 0] * children[s] + needs[e, 1] * medical[s] + persons[s]
            drawn[e] = row - paid - wish[e]  # the cell's cost, for now
            low = min(low, drawn[e])
            if at[e] >= 0:
                rest -= weight[at[e]]
        shift = soft_weight((row_low[c] - low) / tau)
        # rounding: the discounted cells may be the whole row
        total = shift * max(rest, 0.0) + soft_weight((unplaced - low) / tau)
        for e in range(first, last):
            drawn[e] = soft_weight((drawn[e] - low) / tau)
            total += drawn[e]
        value[t] = supply[t] * (low - tau * np.log(total))
        scale[t] = supply[t] * shift / total
        for e in range(first, last):
            drawn[e] *= supply[t] / total
            correction[e] = drawn[e] - (scale[t] * weight[at[e]] if at[e] >= 0 else 0.0)
    return value.sum(), scale, drawn, correction


@numba.njit(parallel=True, cache=True, error_model="numpy")
def class_weights(
    km: FloatArray,
    needs: FloatArray,
    persons: FloatArray,
    children: FloatArray,
    medical: FloatArray,
    start: IntArray,
    settlement: IntArray,
    tau: float,
    unplaced: float,
    row_low: FloatArray,
    weight: FloatArray,
    row_sum: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each class row at its reached settlements (all fitting): its cheapest (or the
    unplaced cost); its soft-min weights e^(−(row − cheapest)/τ), flat like `settlement`,
    and their sum (in the last three arguments, overwritten)."""
    classes = km.shape[0]
    for c in numba.prange(classes):
        low = unplaced
        for k in range(start[c], start[c + 1]):
            s = settlement[k]
            weight[k] = km[c, s] + needs[c, 0] * children[s] + needs[c, 1] * medical[s] + persons[s]
            low = min(low, weight[k])
        total = 0.0
        for k in range(start[c], start[c + 1]):
            weight[k] = soft_weight((weight[k] - low) / tau)
            total += weight[k]
        row_low[c], row_sum[c] = low, total
    return row_low, weight, row_sum


@numba.njit(parallel=True, cache=True, error_model="numpy")
def settlement_draws(
    by_class: FloatArray,
    weight: FloatArray,
    start: IntArray,
    settlement: IntArray,
    needs: FloatArray,
    correction: FloatArray,
    cell_settlement: IntArray,
    cell_needs: FloatArray,
    settlements: int,
) -> FloatArray:
    """(3, S) persons, children and medical places each settlement draws: the class rows at
    their weights (blocks of classes on every core, each row read in order), then the
    discounted cells' correction."""
    classes = len(by_class)
    blocks = min(DRAW_BLOCKS, classes)
    partial = np.zeros((blocks, 3, settlements))
    for b in numba.prange(blocks):
        for c in range(b * classes // blocks, (b + 1) * classes // blocks):
            if by_class[c] == 0.0:
                continue
            for k in range(start[c], start[c + 1]):
                s, w = settlement[k], weight[k]
                if w != 0.0:
                    drawn = by_class[c] * w
                    partial[b, 0, s] += drawn
                    partial[b, 1, s] += drawn * needs[c, 0]
                    partial[b, 2, s] += drawn * needs[c, 1]
    used = np.zeros((3, settlements))
    for b in range(blocks):
        used += partial[b]
    for e in range(len(correction)):
        s = cell_settlement[e]
        used[0, s] += correction[e]
        used[1, s] += correction[e] * cell_needs[e, 0]
        used[2, s] += correction[e] * cell_needs[e, 1]
    return used


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
    seconds: float | None = ASCENT_SECONDS,
    progress: Progress | None = None,
    stages: tuple[Stage, ...] = ASCENT_STAGES,
    headroom: bool = False,
    memory: int = ASCENT_MEMORY,
    merge: bool = False,
) -> Ascent:
    """Better prices by quasi-Newton ascent (L-BFGS-B) on the smoothed dual, stage by stage,
    each for its iterations, and with `seconds` for at most that long; `headroom`: each
    stage's job discounts as `near_discounts` keeps them with it; `memory`: L-BFGS-B's
    curvature pairs; `merge`: each stage's alike types as one (`alike_types`)."""
    problem = ctx.problem
    layout = dual_layout(ctx)
    rows = class_rows(ctx)
    x = layout.flat(prices)
    # numba compiles the kernels on their first call, or loads them from its cache: not on
    # the ascent's clock (a first run after installing spends seconds there)
    none = np.empty(0, dtype=np.int64)
    smoothed_dual(ctx, layout, rows, discounts_of(ctx, rows, layout, none, none), x, 1.0)
    started = time.perf_counter()
    n, groups = layout.settlements, problem.vacancies.shape[1]
    limits = (
        [(None, None)] * n
        + [(0.0, None)] * (2 * n)
        + [(0.0, problem.policy.employment_reward)] * len(layout.hiring_s)
    )
    reached = stages[0].tau
    scratch = Scratch()
    unplaced = float(problem.policy.unplaced_penalty)
    for number, stage in enumerate(stages):
        deadline = np.inf if seconds is None else started + stage.until * seconds
        if time.perf_counter() > deadline:
            continue
        reached = stage.tau
        near = near_discounts(ctx, rows, layout, layout.prices(x, groups), stage.margin, headroom)
        stage_rows, near = alike_types(rows, near) if merge else (rows, near)
        window = NEGLIGIBLE_EXPONENT * stage.tau + stage.margin
        keeper = ReachKeeper(
            rows, near, n, window, window - NEGLIGIBLE_EXPONENT * stage.tau, unplaced,
            reach_of(rows, near, x, n, window, unplaced),
        )  # fmt: skip

        def negative(
            flat: FloatArray, tau: float = stage.tau, near: Discounts = near,
            keeper: ReachKeeper = keeper, stage_rows: ClassRows = stage_rows,
        ) -> tuple:  # fmt: skip
            value, gradient = smoothed_dual(
                ctx, layout, stage_rows, near, flat, tau, keeper.at(flat), scratch
            )
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
            options={"maxiter": stage.iterations, "maxcor": memory},
            callback=out_of_time,
        )
        x = found.x
        if progress is not None:
            progress(f"ascent at τ = {stage.tau}", (number + 1) / len(stages))
    return Ascent(layout.prices(x, groups), reached)
