"""The exact LP relaxation over household types with HiGHS, grown by column generation.

Rows: each type's households are placed or unplaced; persons into a settlement fill its
congestion bands; children and medical places; matched workers e_sg ≤ placed workers of g.
Columns: x_ts households of type t in s, u_t unplaced, y_sb band persons, e_sg matched workers.
HiGHS' row duals are the prices; `dual_bound` prices every type-settlement pair with them,
which both certifies the bound over all pairs and names the missing columns to add.
"""

import os
import sys
from dataclasses import dataclass, replace

import highspy
import numpy as np

from qonaq.placement.household_types import HouseholdTypes, household_types
from qonaq.placement.model import CHILDREN, MEDICAL, FloatArray, IntArray, PlacementProblem
from qonaq.placement.pricing import (
    Prices,
    PricingContext,
    Progress,
    Relaxation,
    add_priced_arcs,
    arc_costs,
    dual_bound,
    fitting,
    initial_arcs,
    pricing_context,
)

COLUMN_ROUNDS = 6
MIP_SECONDS = 20.0
SAMPLE_COLUMN_ROUNDS = 2


# the LP relaxation gives up after this long (a larger wave then goes to the flows)
LP_SECONDS = 60.0


class SolverTimeLimit(RuntimeError):
    """HiGHS reached its time limit without a solution to use."""


@dataclass(frozen=True)
class LpSolution:
    """Households per arc, the row duals as prices, the objective and the bound."""

    households: FloatArray
    prices: Prices
    objective: float
    bound: float  # the LP's own value, or HiGHS' dual bound for whole households


@dataclass(frozen=True)
class LpModel:
    """The HiGHS model of the restricted LP and where its rows and columns are."""

    lp: highspy.HighsLp
    arcs: int  # columns [0, arcs) are x_ts, one per arc (t, s)
    whole: bool
    hiring_s: IntArray  # the (settlement, group) of each job row, in row order
    hiring_g: IntArray
    job_row: IntArray  # (S, G): the row of each vacancy, -1 where none


def solve_lp(
    ctx: PricingContext,
    t: IntArray,
    s: IntArray,
    *,
    whole: bool = False,
    seconds: float | None = None,
) -> LpSolution:
    """Solve the LP relaxation restricted to the arcs (t, s); `whole` makes households integral.
    HiGHS stops after `seconds` (default LP_SECONDS)."""
    model = build_lp(ctx, t, s, whole=whole)
    highs = run_highs(model, LP_SECONDS if seconds is None else seconds)
    return read_lp_solution(ctx, model, highs)


def build_lp(ctx: PricingContext, t: IntArray, s: IntArray, *, whole: bool) -> LpModel:
    """The LP over the arcs (t, s), column-wise, in the row layout
    persons s | children s | medical s | type t | job (s, g)."""
    problem, types = ctx.problem, ctx.types
    n_types, n_settlements = len(types.count), len(problem.settlement_ids)
    bands = ctx.widths.shape[1]
    hiring_s, hiring_g = np.nonzero(problem.vacancies > 0)
    job_row = np.full(problem.vacancies.shape, -1, dtype=np.int64)
    job_row[hiring_s, hiring_g] = 3 * n_settlements + n_types + np.arange(len(hiring_s))
    arcs = len(t)
    size = types.size.astype(np.float64)
    zero = np.zeros(n_settlements)
    no_prices = Prices(zero, zero, zero, np.zeros(problem.vacancies.shape))
    rows, cols, values = [], [], []
    x = np.arange(arcs)
    rows += [n_settlements * 3 + t, s]
    cols += [x, x]
    values += [np.ones(arcs), size[t]]
    for dim, offset in ((CHILDREN, n_settlements), (MEDICAL, 2 * n_settlements)):
        need = types.demand[t, dim] > 0
        rows.append(offset + s[need])
        cols.append(x[need])
        values.append(types.demand[t[need], dim].astype(np.float64))
    arc_g, group = np.nonzero(types.workers[t] > 0)
    row = job_row[s[arc_g], group]
    hires = row >= 0
    rows.append(row[hires])
    cols.append(arc_g[hires])
    values.append(-types.workers[t[arc_g[hires]], group[hires]].astype(np.float64))
    unplaced_col = arcs + np.arange(n_types)
    band_col = arcs + n_types + np.arange(n_settlements * bands)
    job_col = arcs + n_types + n_settlements * bands + np.arange(len(hiring_s))
    rows += [
        3 * n_settlements + np.arange(n_types),
        np.repeat(np.arange(n_settlements), bands),
        job_row[hiring_s, hiring_g],
    ]
    cols += [unplaced_col, band_col, job_col]
    values += [np.ones(n_types), -np.ones(n_settlements * bands), np.ones(len(hiring_s))]
    n_cols = arcs + n_types + n_settlements * bands + len(hiring_s)
    n_rows = 3 * n_settlements + n_types + len(hiring_s)
    policy = problem.policy
    cost = np.concatenate(
        [
            arc_costs(ctx, no_prices, t, s) * size[t],
            policy.unplaced_penalty * size,
            np.tile(np.asarray(policy.congestion.costs, dtype=np.float64), n_settlements),
            np.full(len(hiring_s), -policy.employment_reward),
        ]
    )
    upper = np.concatenate(
        [
            np.full(arcs + n_types, highspy.kHighsInf),
            ctx.widths.reshape(-1),
            problem.vacancies[hiring_s, hiring_g].astype(np.float64),
        ]
    )
    row_lower = np.concatenate(
        [
            np.zeros(n_settlements),
            np.full(2 * n_settlements, -highspy.kHighsInf),
            types.count.astype(np.float64),
            np.full(len(hiring_s), -highspy.kHighsInf),
        ]
    )
    row_upper = np.concatenate(
        [
            np.zeros(n_settlements),
            ctx.room[:, CHILDREN].astype(np.float64),
            ctx.room[:, MEDICAL].astype(np.float64),
            types.count.astype(np.float64),
            np.zeros(len(hiring_s)),
        ]
    )
    row_all, col_all, value_all = np.concatenate(rows), np.concatenate(cols), np.concatenate(values)
    order = np.argsort(col_all, kind="stable")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, np.zeros(n_cols), upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(np.bincount(col_all, minlength=n_cols))])
    lp.a_matrix_.index_ = row_all[order]
    lp.a_matrix_.value_ = value_all[order]
    if whole:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * (arcs + n_types) + [
            highspy.HighsVarType.kContinuous
        ] * (n_cols - arcs - n_types)
    return LpModel(lp, arcs, whole, hiring_s, hiring_g, job_row)


def run_highs(model: LpModel, seconds: float) -> highspy.Highs:
    """HiGHS on the model, one thread, stopped after `seconds`; refuses a run with nothing
    usable (a time limit with whole households still gives the incumbent)."""
    highs = silent_highs()
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("time_limit", seconds)
    highs.setOptionValue("mip_rel_gap", 1e-6)
    highs.passModel(model.lp)
    highs.run()
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal and not (
        model.whole
        and status == highspy.HighsModelStatus.kTimeLimit
        and highs.getInfo().primal_solution_status == 2
    ):
        failure = SolverTimeLimit if status == highspy.HighsModelStatus.kTimeLimit else RuntimeError
        raise failure(f"HiGHS: {highs.modelStatusToString(status)}")
    return highs


def read_lp_solution(ctx: PricingContext, model: LpModel, highs: highspy.Highs) -> LpSolution:
    """Households per arc and, for the relaxation, the row duals as prices (none for whole
    households: a MIP has no duals)."""
    problem = ctx.problem
    n_settlements = len(problem.settlement_ids)
    solution = highs.getSolution()
    primal = np.asarray(solution.col_value)
    objective = float(highs.getInfo().objective_function_value)
    if model.whole:
        zero = np.zeros(n_settlements)
        return LpSolution(
            households=np.rint(primal[: model.arcs]),
            prices=Prices(zero, zero, zero, np.zeros(problem.vacancies.shape)),
            objective=objective,
            bound=float(highs.getInfo().mip_dual_bound),
        )
    dual = np.asarray(solution.row_dual)
    hiring_s, hiring_g = model.hiring_s, model.hiring_g
    workers = np.zeros(problem.vacancies.shape)
    workers[hiring_s, hiring_g] = -dual[model.job_row[hiring_s, hiring_g]]
    prices = Prices(
        persons=-dual[:n_settlements],
        children=np.maximum(0.0, -dual[n_settlements : 2 * n_settlements]),
        medical=np.maximum(0.0, -dual[2 * n_settlements : 3 * n_settlements]),
        workers=np.clip(workers, 0.0, problem.policy.employment_reward),
    )
    return LpSolution(
        households=primal[: model.arcs], prices=prices, objective=objective, bound=objective
    )


def solve_lp_relaxation(
    problem: PlacementProblem,
    types: HouseholdTypes,
    *,
    rounds: int = COLUMN_ROUNDS,
    progress: Progress | None = None,
    start: tuple[IntArray, IntArray] | None = None,
    seconds: float | None = None,
) -> Relaxation:
    """LP over candidate arcs (`start`, else each type's nearest settlements, wishes and jobs),
    adding each type's best priced settlement until none is missing; HiGHS gets `seconds`
    per round (default LP_SECONDS)."""
    ctx = pricing_context(problem, types)
    t, s = initial_arcs(ctx) if start is None else start
    best_bound = -np.inf
    for round_number in range(rounds):
        solution = solve_lp(ctx, t, s, seconds=seconds)
        bound, best, best_at = dual_bound(ctx, solution.prices)
        best_bound = max(best_bound, bound)
        if progress is not None:
            progress(
                f"LP {solution.objective:,.0f}, bound {best_bound:,.0f}",
                (round_number + 1) / rounds,
            )
        per_person = arc_costs(ctx, solution.prices, t, s)
        grown_t, grown_s = add_priced_arcs(ctx, solution.prices, t, s, per_person, best, best_at)
        if len(grown_t) == len(t):
            break
        t, s = grown_t, grown_s
    return Relaxation(
        types=types,
        arc_type=t[: len(solution.households)],
        arc_settlement=s[: len(solution.households)],
        arc_households=solution.households,
        lower_bound=best_bound,
        prices=solution.prices,
    )


def solve_small_mip(
    problem: PlacementProblem, types: HouseholdTypes, *, progress: Progress | None = None
) -> Relaxation:
    """Small problems: the integer program over types on every pair, its bound from HiGHS."""
    ctx = pricing_context(problem, types)
    every = np.arange(len(ctx.types.count))
    fit_t, fit_s = np.nonzero(fitting(ctx, every))
    relaxed = solve_lp(ctx, fit_t, fit_s)
    bound, _, _ = dual_bound(ctx, relaxed.prices)
    integral = solve_lp(ctx, fit_t, fit_s, whole=True, seconds=MIP_SECONDS)
    return Relaxation(
        types=ctx.types,
        arc_type=fit_t,
        arc_settlement=fit_s,
        arc_households=integral.households,
        lower_bound=max(bound, integral.bound),  # HiGHS' MIP dual bound
        prices=relaxed.prices,
    )


def sample_prices(
    problem: PlacementProblem, households: int, seed: int = 0, rounds: int = SAMPLE_COLUMN_ROUNDS
) -> Prices:
    """Prices from the exact LP of a random sample of households with every capacity,
    load and vacancy scaled by the sample's share of persons: prices are per unit, so a
    sample large enough to keep the mix of needs and origins prices the whole wave."""
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(problem.household_ids), size=households, replace=False))
    share = float(problem.demand[chosen, 0].sum()) / float(problem.demand[:, 0].sum())
    sample = replace(
        problem,
        household_ids=tuple(problem.household_ids[h] for h in chosen.tolist()),
        demand=problem.demand[chosen],
        workers=problem.workers[chosen],
        origin_lat=problem.origin_lat[chosen],
        origin_lon=problem.origin_lon[chosen],
        preferences=problem.preferences[chosen],
        # a sample holds fractional capacities on purpose: prices are per unit
        capacity=problem.capacity * share,  # type: ignore[arg-type]
        load=problem.load * share,  # type: ignore[arg-type]
        vacancies=problem.vacancies * share,  # type: ignore[arg-type]
    )
    types = household_types(sample)
    ctx = pricing_context(sample, types, scale=share)
    t, s = initial_arcs(ctx)
    for round_number in range(rounds):
        solution = solve_lp(ctx, t, s)
        if round_number + 1 == rounds:
            break
        _, best, best_at = dual_bound(ctx, solution.prices)
        per_person = arc_costs(ctx, solution.prices, t, s)
        grown_t, grown_s = add_priced_arcs(ctx, solution.prices, t, s, per_person, best, best_at)
        if len(grown_t) == len(t):
            break
        t, s = grown_t, grown_s
    return solution.prices


def silent_highs() -> highspy.Highs:
    """A HiGHS instance that prints nothing: its banner goes to the C stdout on creation."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    return highs
