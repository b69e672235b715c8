"""`qonaq place`: plan the placement of households from files (the batch mode of the model)."""

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from qonaq.cli.common import user_errors
from qonaq.placement.files import read_inputs, summary, write_plan
from qonaq.placement.model import build_problem
from qonaq.placement.plan import PlacementPlan, plan_placement
from qonaq.placement.policy import load_policy


def place(
    settlements: Path = typer.Option(..., "--settlements", help="settlements.csv"),
    households: Path = typer.Option(..., "--households", help="households.csv"),
    out: Path = typer.Option(..., "--out", help="Directory for assignments.csv and summary.json."),
    vacancies: Path | None = typer.Option(None, "--vacancies", help="vacancies.csv (optional)."),
    policy: Path | None = typer.Option(None, "--policy", help="policy.toml (optional)."),
    method: str = typer.Option(
        "auto", "--method", help="auto, lp (exact LP) or flow (priced flows)."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display or table."),
) -> None:
    """Plan the placement of households in settlements; write assignments.csv and summary.json."""
    started = time.perf_counter()
    console = Console(stderr=True, quiet=quiet)
    with user_errors():
        rules = load_policy(policy)
        places, arrivals, jobs = read_inputs(settlements, households, vacancies)
        problem = build_problem(places, arrivals, jobs, rules)
        with Progress(
            TextColumn("[bold]placing[/]"),
            BarColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("building", total=1.0)
            plan = plan_placement(
                problem,
                method=method,
                progress=lambda message, done: bar.update(
                    task, description=message, completed=done
                ),
            )
        write_plan(plan, out, time.perf_counter() - started)
    Console(quiet=quiet).print(summary_table(plan, time.perf_counter() - started))


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
