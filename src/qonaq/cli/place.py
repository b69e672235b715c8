"""`qonaq place`: plan the placement of households from files (the batch mode of the model)."""

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from qonaq.cli.common import fail, user_errors
from qonaq.cli.place_files import read_inputs, summary, write_plan
from qonaq.placement.lp import SolverTimeLimit
from qonaq.placement.model import PlacementProblem, build_problem
from qonaq.placement.options import PlanOptions
from qonaq.placement.plan import PlacementPlan, plan_placement
from qonaq.placement.policy import Policy, load_policy


def place(
    settlements: Path | None = typer.Option(None, "--settlements", help="settlements.csv"),
    households: Path | None = typer.Option(None, "--households", help="households.csv"),
    out: Path = typer.Option(..., "--out", help="Directory for assignments.csv and summary.json."),
    vacancies: Path | None = typer.Option(None, "--vacancies", help="vacancies.csv (optional)."),
    policy: Path | None = typer.Option(None, "--policy", help="policy.toml (optional)."),
    method: str = typer.Option(
        "auto", "--method", help="auto, lp (exact LP) or flow (priced flows)."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display or table."),
    from_db: bool = typer.Option(
        False, "--from-db", help="Plan the pending households of the database instead of files."
    ),
    apply: bool = typer.Option(
        False, "--apply", help="With --from-db: reserve the planned places (audited as 'cli')."
    ),
    memory_limit_gb: float | None = typer.Option(
        None,
        "--memory-limit-gb",
        min=0.1,
        help="Refuse (exit 2) a wave estimated to need more; default: the memory available.",
    ),
    lp_seconds: float = typer.Option(
        60.0, "--lp-seconds", min=0.0, help="HiGHS' time limit per round of --method lp."
    ),
    seconds: float | None = typer.Option(
        None,
        "--seconds",
        min=0.1,
        help="Wall-clock limit on the ascent and the local search (default: work limits, "
        "so the same files give the same plan).",
    ),
) -> None:
    """Plan the placement of households in settlements; write assignments.csv and summary.json."""
    started = time.perf_counter()
    console = Console(stderr=True, quiet=quiet)
    if from_db == (settlements is not None or households is not None):
        raise fail("give either --settlements and --households, or --from-db")
    if apply and not from_db:
        raise fail("--apply places households of the database: use it with --from-db")
    options = PlanOptions(
        seconds=seconds,
        lp_seconds=lp_seconds,
        memory_limit_bytes=None if memory_limit_gb is None else int(memory_limit_gb * 2**30),
    )
    with user_errors():
        rules = load_policy(policy)
        if from_db:
            plan = _place_from_db(rules, method, options, console, out, apply, started)
        else:
            if settlements is None or households is None:
                raise fail("--settlements and --households are both needed")
            places, arrivals, jobs = read_inputs(settlements, households, vacancies)
            plan = _solve(build_problem(places, arrivals, jobs, rules), method, options, console)
            write_plan(plan, out, time.perf_counter() - started)
    Console(quiet=quiet).print(summary_table(plan, time.perf_counter() - started))


def _solve(
    problem: PlacementProblem, method: str, options: PlanOptions, console: Console
) -> PlacementPlan:
    with Progress(
        TextColumn("[bold]placing[/]"),
        BarColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("building", total=1.0)
        try:
            return plan_placement(
                problem,
                method=method,
                options=options,
                progress=lambda message, done: bar.update(
                    task, description=message, completed=done
                ),
            )
        except SolverTimeLimit:
            raise fail(
                f"the exact LP ran out of its {options.lp_seconds:.0f} s on this wave: "
                "use --method auto (it switches to the priced flows) or --method flow"
            ) from None


def _place_from_db(
    rules: Policy,
    method: str,
    options: PlanOptions,
    console: Console,
    out: Path,
    apply: bool,
    started: float,
) -> PlacementPlan:
    # the database's modules only here: a plan from files starts without them
    from qonaq.auth.actor import Actor
    from qonaq.db import migrate
    from qonaq.db.session import make_engine, transaction
    from qonaq.registry.engine_records import pending_problem
    from qonaq.registry.replans import apply_stored_plan, store_plan

    cli_actor = Actor(label="cli", role="admin")
    # plan in a read transaction (desks keep confirming meanwhile), then keep the plan and
    # apply exactly it in one write transaction that skips whoever a desk placed meanwhile
    migrate.upgrade()
    engine = make_engine()
    with transaction(engine, writes=False) as db_session:
        problem, pending = pending_problem(db_session=db_session, policy=rules)
        plan = _solve(problem, method, options, console)
        write_plan(plan, out, time.perf_counter() - started)
    if apply:
        with transaction(engine) as db_session:
            stored = store_plan(
                db_session=db_session, plan=plan, household_ids=[h.id for h in pending],
                policy=rules.name, actor=cli_actor,
            )  # fmt: skip
            applied = apply_stored_plan(
                db_session=db_session, plan_id=stored.id, actor=cli_actor, circuity=rules.circuity
            )
        console.print(
            f"plan {applied.plan_id}: reserved places for {applied.placed:,} households; "
            f"skipped {applied.not_pending:,} placed meanwhile, {applied.no_room:,} without room"
        )
    return plan


def summary_table(plan: PlacementPlan, seconds: float) -> Table:
    """The plan's objective, its parts, the bound and the counts, for the terminal."""
    table = Table(title=f"placement plan · policy {plan.problem.policy.name}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    facts = summary(plan, seconds)
    for key in (
        "objective",
        "travel",
        "congestion",
        "employment",
        "preference",
        "unplaced",
        "lower_bound",
    ):
        table.add_row(key.replace("_", " "), f"{float(facts[key]):,.1f}")
    table.add_row("gap", f"{plan.gap:.3%}")
    table.add_row("placed households", f"{plan.placed_households:,}")
    table.add_row("unplaced households", f"{plan.unplaced_households:,}")
    table.add_row("seconds", f"{seconds:.2f}")
    return table
