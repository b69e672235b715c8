"""Desk decisions in arrival order against the batch plan of the same day in hindsight.

    python -m bench.desk_quality [--persons 100000] [--seeds 11,21,31,41,51]
                                 [--waves hub,scattered] [--stale-share 0.25 | --rhythm 10]
                                 [--methods greedy,stale,morning,repriced,ahani]

For each wave shape and seed s, yesterday is `national_instance(persons, seed=s)` and today
`seed=s+1` (another wave of the same distribution, with its own vacancy list). Today's
households come to the desk one by one; each takes the first recommendation (`recommend`,
then `confirm`). The desk ranks with:

* greedy: no prices (the true marginal cost alone);
* stale: yesterday's batch plan as it was, on yesterday's vacancy list;
* morning: `morning_prices`, yesterday's arrivals re-planned against today's vacancies;
* re-priced: morning prices, then `intraday_prices` each time a quarter of the arrivals
  still expected at the last prices have come (`placement.desk.repricing_points` of
  yesterday's count, `--stale-share`; `--rhythm N`: at every N-th of the day instead),
  against the loads and open jobs of that moment;
* ahani: the published baseline, the dual-price method of Ahani et al. ("Dynamic placement
  in refugee resettlement", Operations Research 2024; code `pgoelz/dynamicrefugees`), at
  the same moments from the same expected wave (`ahani_prices`): the two differ only in
  how the prices are made.

The arrivals expected for the rest of the day are sized from yesterday's count
(remaining = yesterday's households − today's seen so far) and drawn from the last 24
hours' arrivals — today's seen so far and yesterday's latest, a day's worth in all — as
`qonaq plan reprice` does. Every desk run is scored with `evaluate` on today's problem
and compared with `plan_placement` of today's wave in hindsight. Printed, never asserted.
"""

import argparse
import os
import statistics
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from bench.instances import HUB_WAVE, SCATTERED_WAVE, Instance, WaveShape, national_instance
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.costs import evaluate
from qonaq.placement.desk import (
    STALE_SHARE,
    DeskIndex,
    arrivals_still_expected,
    confirm,
    desk_index,
    expected_wave,
    intraday_prices,
    morning_prices,
    no_prices,
    recommend,
    repricing_points,
)
from qonaq.placement.lp import COLUMN_ROUNDS, sample_prices
from qonaq.placement.model import (
    CHILDREN,
    MEDICAL,
    PERSONS,
    HouseholdRecord,
    IntArray,
    PlacementProblem,
    VacancyRecord,
    build_problem,
)
from qonaq.placement.plan import plan_placement
from qonaq.placement.policy import DEFAULT_POLICY, Policy
from qonaq.placement.pricing import Prices

WAVES: dict[str, WaveShape] = {"hub": HUB_WAVE, "scattered": SCATTERED_WAVE}
METHODS = ("greedy", "stale", "morning", "repriced", "ahani")
# the methods that re-price during the day, timed per re-pricing
REPRICING = ("repriced", "ahani")
# every capacity and vacancy this much larger (relative) makes the LP's optimal duals the
# smallest ones, as Ahani et al. choose: small beside any real slack, large beside HiGHS'
# tolerances
SPARE = 1e-4
# a worker price of exactly 0 tells the desk "no such vacancy priced": an LP's 0 (the jobs
# are filled anyway) is passed on as this
NEAR_ZERO_WORKER_PRICE = 1e-9


@dataclass(frozen=True)
class AhaniSettings:
    """How the baseline's prices are made (`ahani_prices`)."""

    # sampled trajectories whose duals are averaged: Ahani et al.'s -k default
    samples: int = 5
    # households in each sampled LP: the exact LP of a whole remaining wave (tens of
    # thousands of types) takes minutes, one of 500 households a few seconds
    households: int = 500
    # the smallest optimal duals (the paper's choice), else HiGHS' vertex duals
    minimal: bool = True


# prices for the rest of the day from the settlements and open jobs of now, today's
# households seen so far and how many are still expected
Repricer = Callable[
    [list[SettlementRecord], list[VacancyRecord], Sequence[HouseholdRecord], int], Prices
]


@dataclass
class DeskDay:
    """One desk run: the settlement index chosen per household, the sum of the true marginal
    costs the desk showed for the options taken, and each re-pricing's seconds."""

    chosen: IntArray
    marginal_total: float = 0.0
    repricing_seconds: list[float] = field(default_factory=list)
    # CPU seconds of this process (all its threads): the wall time moves with others' load
    repricing_cpu: list[float] = field(default_factory=list)


def settlements_now(
    settlements: Sequence[SettlementRecord], desk: DeskIndex
) -> list[SettlementRecord]:
    """The settlement records with the desk's loads of now (confirmed placements included)."""
    return [
        record.model_copy(
            update={
                "load_persons": int(desk.load[s, PERSONS]),
                "load_children": int(desk.load[s, CHILDREN]),
                "load_medical": int(desk.load[s, MEDICAL]),
            }
        )
        for s, record in enumerate(settlements)
    ]


def vacancies_now(desk: DeskIndex) -> list[VacancyRecord]:
    """The jobs still open at the desk: each settlement's vacancies less its placed workers."""
    open_jobs = desk.vacancies - desk.placed_workers
    return [
        VacancyRecord(settlement_id=desk.ids[s], occupation=name, vacancies=int(open_jobs[s, g]))
        for name, g in desk.occupations.items()
        for s in np.flatnonzero(open_jobs[:, g] > 0).tolist()
    ]


def checkpoints(households: int, rhythm: int) -> set[int]:
    """The arrival counts after which the desk re-prices: every `rhythm`-th of the day."""
    return {households * k // rhythm for k in range(1, rhythm)} - {0, households}


@dataclass(frozen=True)
class Schedule:
    """When the desk re-prices: at every `rhythm`-th of the day when set, else as
    `repricing_points` with `share` (both from yesterday's count, all the desk knows)."""

    share: float = STALE_SHARE
    rhythm: int | None = None

    def stops(self, expected: int) -> set[int]:
        """The arrival counts after which the desk re-prices."""
        if self.rhythm is not None:
            return checkpoints(expected, self.rhythm)
        return set(repricing_points(expected, self.share))

    @property
    def label(self) -> str:
        """How the table's title names it."""
        if self.rhythm is not None:
            return f"re-priced every 1/{self.rhythm} of the day"
        return f"re-priced once {self.share:.0%} of the arrivals still expected have come"


def desk_day(
    today: Instance,
    policy: Policy,
    prices: Prices | None,
    *,
    reprice: Repricer | None = None,
    stops: Collection[int] = (),
) -> DeskDay:
    """Today's households in arrival order, each placed where the desk's first option is;
    with `reprice`, the desk is rebuilt after each of the arrival counts `stops` from the
    loads and open jobs of that moment and the new prices."""
    desk = desk_index(today.settlements, today.vacancies, policy, prices=prices)
    day = DeskDay(chosen=np.full(len(today.households), -1, dtype=np.int64))
    for h, household in enumerate(today.households):
        if h in stops and reprice is not None:
            places, jobs = settlements_now(today.settlements, desk), vacancies_now(desk)
            started, cpu = time.perf_counter(), time.process_time()
            fresh = reprice(places, jobs, today.households[:h], h)
            day.repricing_seconds.append(time.perf_counter() - started)
            day.repricing_cpu.append(time.process_time() - cpu)
            desk = desk_index(places, jobs, policy, prices=fresh)
        options = recommend(desk, household, count=1)
        if options:
            confirm(desk, household, options[0].settlement_id)
            day.chosen[h] = desk.position[options[0].settlement_id]
            day.marginal_total += options[0].marginal_cost
    return day


# prices for the rest of the day from the settlements and open jobs of now, the arrivals
# standing for those still expected, how many are, and a seed
Pricing = Callable[
    [list[SettlementRecord], list[VacancyRecord], list[HouseholdRecord], int, int], Prices
]


def recent_arrivals_repricer(
    yesterday: Sequence[HouseholdRecord], pricing: Pricing, seed: int = 0
) -> Repricer:
    """Re-pricing as `qonaq plan reprice` does it: the last 24 hours' arrivals (today's seen
    so far, then yesterday's latest) stand for the rest of the day, sized by yesterday's
    count, priced by `pricing`."""

    def reprice(
        places: list[SettlementRecord],
        jobs: list[VacancyRecord],
        seen: Sequence[HouseholdRecord],
        count: int,
    ) -> Prices:
        # yesterday had as many by the same moment of its day: arrival order stands for time
        remaining = arrivals_still_expected(len(yesterday), count, count)
        recent = list(seen) + list(yesterday[count:])
        return pricing(places, jobs, recent, remaining, seed + count)

    return reprice


def intraday_repricer(
    yesterday: Sequence[HouseholdRecord], policy: Policy, *, method: str = "flow", seed: int = 0
) -> Repricer:
    """`intraday_prices` of the recent arrivals (`recent_arrivals_repricer`)."""
    return recent_arrivals_repricer(
        yesterday,
        lambda places, jobs, recent, remaining, draw: intraday_prices(
            places, jobs, policy, recent, remaining, method=method, seed=draw
        ),
        seed,
    )


def ahani_prices(
    settlements: Sequence[SettlementRecord],
    vacancies: Sequence[VacancyRecord],
    policy: Policy,
    expected: Sequence[HouseholdRecord],
    remaining: int,
    *,
    seed: int = 0,
    settings: AhaniSettings = AhaniSettings(),
) -> Prices:
    """The dual prices of Ahani et al. for the rest of the day: the average of the
    smallest optimal row duals of `settings.samples` exact LP relaxations (HiGHS, column
    generation run to the end), each over `settings.households` drawn from the expected
    remaining wave — the same wave, drawn with the same seed, as `intraday_prices` —
    against the settlements' loads and open jobs of now.

    Where it departs from the paper, and why:
    * Size: each of the paper's K trajectories is as long as the expected remaining
      arrivals; here each LP takes `households` of them with every capacity, load and
      vacancy scaled by their share of persons (`lp.sample_prices`, as the flows' own
      sample LP does), because the exact LP of a wave of tens of thousands of household
      types takes minutes. A remaining wave no larger than `households` is priced whole,
      by one exact LP.
    * Which duals: the paper picks the element-wise minimal optimal prices with a second
      LP; here every capacity and vacancy is raised by a relative `SPARE` before the one
      LP, whose optimal duals are then those of the original LP that make the capacities
      cheapest (a lexicographic perturbation: the same minimal prices where they exist,
      without a second LP). `minimal=False` keeps HiGHS' vertex duals.
    * Worker prices: an LP's μ = 0 (the vacancy filled by later arrivals anyway) reaches
      the desk as `NEAR_ZERO_WORKER_PRICE`, since the desk reads an exact 0 as "no such
      vacancy priced" and would count the full reward.
    * Resources: the paper prices one capacity per affiliate; this model's LP also has
      congestion bands (inside the persons price π), child and medical places (λ) and jobs
      per occupation (μ), all read from the same LP's rows.
    * Current batch: the paper adds the day's batch being allocated to each trajectory;
      a desk sees one household at a time, so only expected arrivals are sampled.
    * Choice: the desk's own ranking (`recommend`) with these prices — travel, wishes and
      jobs at their prices plus the household's persons at no less than π (the price
      includes the congestion at the margin), as for the re-priced column.
    """
    if remaining <= 0 or not expected:
        return no_prices(settlements, vacancies)
    wave = expected_wave(expected, remaining, seed)
    problem = build_problem(settlements, wave, vacancies, policy)
    if settings.minimal:
        problem = with_spare(problem)
    if remaining <= settings.households:
        drawn = [sample_prices(problem, remaining, seed=seed, rounds=COLUMN_ROUNDS)]
    else:
        drawn = [
            sample_prices(
                problem, settings.households, seed=seed * settings.samples + k, rounds=COLUMN_ROUNDS
            )
            for k in range(settings.samples)
        ]
    workers = np.mean([p.workers for p in drawn], axis=0)
    return Prices(
        persons=np.mean([p.persons for p in drawn], axis=0),
        children=np.mean([p.children for p in drawn], axis=0),
        medical=np.mean([p.medical for p in drawn], axis=0),
        workers=np.where(
            problem.vacancies > 0, np.maximum(workers, NEAR_ZERO_WORKER_PRICE), workers
        ),
    )


def with_spare(problem: PlacementProblem) -> PlacementProblem:
    """The problem with every capacity and vacancy a relative `SPARE` larger."""
    # fractional capacities on purpose, as in lp.sample_prices
    return replace(
        problem,
        capacity=problem.capacity * (1 + SPARE),  # type: ignore[arg-type]
        vacancies=problem.vacancies * (1 + SPARE),  # type: ignore[arg-type]
    )


def ahani_repricer(
    yesterday: Sequence[HouseholdRecord],
    policy: Policy,
    *,
    seed: int = 0,
    settings: AhaniSettings = AhaniSettings(),
) -> Repricer:
    """`ahani_prices` from the same recent arrivals and remaining count as
    `intraday_repricer`."""
    return recent_arrivals_repricer(
        yesterday,
        lambda places, jobs, recent, remaining, draw: ahani_prices(
            places, jobs, policy, recent, remaining, seed=draw, settings=settings
        ),
        seed,
    )


def excess(problem: PlacementProblem, chosen: IntArray, hindsight: float) -> float:
    """How far a desk run's objective is above the hindsight plan's, as a fraction."""
    return evaluate(problem, chosen).objective / hindsight - 1


@dataclass(frozen=True)
class SeedResult:
    """One wave shape and seed pair: the hindsight objective and each method's excess."""

    wave: str
    seed: int
    households: int
    hindsight: float
    excess: dict[str, float]
    # per re-pricing method, each re-pricing's wall and CPU seconds
    repricing_seconds: dict[str, list[float]]
    repricing_cpu: dict[str, list[float]]


def seed_pair(
    persons: int,
    wave: str,
    seed: int,
    schedule: Schedule,
    methods: Sequence[str] = METHODS,
    ahani: AhaniSettings = AhaniSettings(),
) -> SeedResult:
    """The methods' desk days on one seed pair (yesterday `seed`, today `seed + 1`)."""
    policy = DEFAULT_POLICY
    yesterday = national_instance(persons, seed=seed, shape=WAVES[wave])
    today = national_instance(persons, seed=seed + 1, shape=WAVES[wave])
    problem = build_problem(today.settlements, today.households, today.vacancies, policy)
    hindsight = plan_placement(problem).objective
    morning = morning_prices(today.settlements, today.vacancies, policy, yesterday.households)
    stops = schedule.stops(len(yesterday.households))
    days: dict[str, DeskDay] = {}
    for name in methods:
        if name == "greedy":
            days[name] = desk_day(today, policy, None)
        elif name == "stale":
            stale = plan_placement(
                build_problem(
                    yesterday.settlements, yesterday.households, yesterday.vacancies, policy
                )
            ).prices
            days[name] = desk_day(today, policy, stale)
        elif name == "morning":
            days[name] = desk_day(today, policy, morning)
        elif name == "repriced":
            reprice = intraday_repricer(yesterday.households, policy)
            days[name] = desk_day(today, policy, morning, reprice=reprice, stops=stops)
        elif name == "ahani":
            reprice = ahani_repricer(yesterday.households, policy, settings=ahani)
            # the day starts on the method's own prices: yesterday's arrivals, all expected
            opening = reprice(list(today.settlements), list(today.vacancies), [], 0)
            days[name] = desk_day(today, policy, opening, reprice=reprice, stops=stops)
        else:
            raise ValueError(f"unknown desk method {name!r}: use {', '.join(METHODS)}")
    return SeedResult(
        wave=wave,
        seed=seed,
        households=len(today.households),
        hindsight=hindsight,
        excess={name: excess(problem, day.chosen, hindsight) for name, day in days.items()},
        repricing_seconds={m: days[m].repricing_seconds for m in REPRICING if m in days},
        repricing_cpu={m: days[m].repricing_cpu for m in REPRICING if m in days},
    )


def cell(result: SeedResult, method: str) -> str:
    """A method's excess, or a dash when it was not run."""
    return f"{result.excess[method]:+.2%}" if method in result.excess else "–"


def timing(results: Sequence[SeedResult]) -> str:
    """Per re-pricing method: its re-pricings' wall and CPU seconds, p50 / max, and the CPU
    seconds of a day's re-pricings (the mean over the seeds)."""
    cells = []
    for method in REPRICING:
        for kind in ("repricing_seconds", "repricing_cpu"):
            seconds = [s for r in results for s in getattr(r, kind).get(method, [])]
            cells.append(
                f"{statistics.median(seconds):.1f} / {max(seconds):.1f}" if seconds else "–"
            )
        days = [sum(r.repricing_cpu[method]) for r in results if method in r.repricing_cpu]
        cells.append(f"{statistics.fmean(days):.0f}" if days else "–")
    return " | ".join(cells)


def seed_row(result: SeedResult) -> str:
    """One table row: the seed pair, the hindsight objective, each method's excess."""
    return (
        f"| {result.wave} | {result.seed}/{result.seed + 1} | {result.households:,} | "
        f"{result.hindsight:,.0f} | "
        + " | ".join(cell(result, name) for name in METHODS)
        + f" | {timing([result])} | {os.getloadavg()[0]:.1f} |"
    )


def summary_rows(results: Sequence[SeedResult]) -> list[str]:
    """Per wave: each method's average and largest excess, and the re-pricings' p50 / max."""
    rows = []
    for wave in dict.fromkeys(r.wave for r in results):
        mine = [r for r in results if r.wave == wave]
        for label, pick in (("average", statistics.fmean), ("largest", max)):
            rows.append(
                f"| {wave} | {label} | | | "
                + " | ".join(
                    f"{pick(r.excess[m] for r in mine):+.2%}" if m in mine[0].excess else "–"
                    for m in METHODS
                )
                + f" | {timing(mine)} | |"
            )
    return rows


def report(
    persons: int,
    seeds: Sequence[int],
    waves: Sequence[str],
    schedule: Schedule = Schedule(),
    methods: Sequence[str] = METHODS,
    ahani: AhaniSettings = AhaniSettings(),
) -> None:
    """Print the table row by row as each seed pair finishes, then each wave's summary."""
    print(
        f"desk in arrival order vs hindsight, {persons:,} persons, {schedule.label} "
        "(excess over the hindsight plan's objective); ahani: "
        f"{ahani.samples} LPs of {ahani.households} households, "
        f"{'minimal' if ahani.minimal else 'vertex'} duals"
    )
    print(
        "| wave | seeds | households | hindsight | greedy | stale | morning | re-priced | ahani "
        "| re-priced wall s p50 / max | CPU s | CPU s a day | ahani wall s p50 / max | CPU s "
        "| CPU s a day | load avg |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    results = []
    # seed by seed across the waves: a run cut short still covers every wave
    for seed in seeds:
        for wave in waves:
            results.append(seed_pair(persons, wave, seed, schedule, methods, ahani))
            print(seed_row(results[-1]), flush=True)
    for row in summary_rows(results):
        print(row)


def main() -> None:
    """Parse the options and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.desk_quality", description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seeds", default="11,21,31,41,51")
    parser.add_argument("--waves", default="hub,scattered")
    parser.add_argument("--stale-share", type=float, default=STALE_SHARE)
    parser.add_argument("--rhythm", type=int, default=None, help="uniform: every N-th of the day")
    parser.add_argument("--methods", default="greedy,morning,repriced")
    parser.add_argument("--ahani-samples", type=int, default=AhaniSettings.samples)
    parser.add_argument("--ahani-households", type=int, default=AhaniSettings.households)
    parser.add_argument(
        "--ahani-duals", choices=("minimal", "vertex"), default="minimal", help="ahani's duals"
    )
    arguments = parser.parse_args()
    waves = arguments.waves.split(",")
    unknown = [w for w in waves if w not in WAVES]
    if unknown:
        parser.error(f"unknown wave {', '.join(unknown)}: use {', '.join(WAVES)}")
    if arguments.rhythm is not None and arguments.rhythm < 1:
        parser.error("--rhythm must be at least 1")
    if not 0 < arguments.stale_share < 1:
        parser.error("--stale-share must be between 0 and 1")
    methods = arguments.methods.split(",")
    if any(m not in METHODS for m in methods):
        parser.error(f"unknown method in {arguments.methods!r}: use {', '.join(METHODS)}")
    seeds = [int(s) for s in arguments.seeds.split(",")]
    if arguments.ahani_samples < 1 or arguments.ahani_households < 1:
        parser.error("--ahani-samples and --ahani-households must be at least 1")
    ahani = AhaniSettings(
        samples=arguments.ahani_samples,
        households=arguments.ahani_households,
        minimal=arguments.ahani_duals == "minimal",
    )
    schedule = Schedule(share=arguments.stale_share, rhythm=arguments.rhythm)
    report(arguments.persons, seeds, waves, schedule, methods, ahani)


if __name__ == "__main__":
    main()
