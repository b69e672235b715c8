"""`qonaq simulate`: run a surge scenario under several policies and compare them."""

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from qonaq.cli.common import fail, user_errors
from qonaq.geo.gazetteer import load_hubs, load_regions, load_settlements, regions_geojson
from qonaq.geo.settlements_file import SettlementRecord, read_settlements
from qonaq.i18n import DEFAULT_LANGUAGE, LANGUAGES
from qonaq.simulation.compare import Comparison, compare, parse_policies
from qonaq.simulation.metrics import METRICS
from qonaq.simulation.report import format_metric, render_report
from qonaq.simulation.scenario import Scenario, load_scenario

REPORT_FILE = "report.html"
METRICS_FILE = "metrics.json"


def simulate(
    scenario: str = typer.Option(
        "kz-2022", "--scenario", help="A shipped scenario name or a scenario .toml file."
    ),
    policies: str = typer.Option(
        "free,quota,qonaq", "--policies", help="Comma-separated: free, quota, qonaq."
    ),
    out: Path | None = typer.Option(
        None, "--out", help=f"Directory for {REPORT_FILE} and {METRICS_FILE}."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    seed: int | None = typer.Option(None, "--seed", help="Override the scenario's seed."),
    scale: float = typer.Option(
        1.0, "--scale", min=0.001, max=10.0, help="Multiply entries and PSC throughput."
    ),
    settlements_file: Path | None = typer.Option(
        None, "--settlements", help="A settlements.csv instead of the shipped gazetteer."
    ),
    language: str = typer.Option(
        DEFAULT_LANGUAGE, "--language", help="The report's language: kk, ru or en."
    ),
) -> None:
    """Simulate a surge day by day under each policy; print the comparison, write the report."""
    if language not in LANGUAGES:
        raise fail(f"unknown language {language!r}; choose from {', '.join(LANGUAGES)}")
    with user_errors():
        surge = load_scenario(scenario)
        if seed is not None:
            surge = surge.model_copy(update={"seed": seed})
        if scale != 1.0:
            surge = surge.scaled(scale)
        names = parse_policies(policies)
        settlements = (
            load_settlements() if settlements_file is None else read_settlements(settlements_file)
        )
        comparison = run_with_progress(surge, names, settlements)
    metrics = [m.as_dict() for m in comparison.metrics]
    if as_json:
        typer.echo(json.dumps({"scenario": surge.name, "seed": surge.seed, "policies": metrics}))
    else:
        Console().print(comparison_table(comparison))
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
            report = render_report(comparison, regions_geojson(), language)
            (out / REPORT_FILE).write_text(report, "utf-8")
            (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", "utf-8")
        except OSError as exc:
            raise fail(f"cannot write the report into {out}: {exc.strerror or exc}") from None
        if not as_json:
            typer.echo(f"wrote {out / REPORT_FILE} and {out / METRICS_FILE}")


def run_with_progress(
    surge: Scenario, names: tuple[str, ...], settlements: list[SettlementRecord]
) -> Comparison:
    # the bar goes to stderr so `--json` output stays clean
    with Progress(
        TextColumn("{task.description:>6}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("days"), TimeElapsedColumn(), console=Console(stderr=True), transient=True,
    ) as bar:  # fmt: skip
        tasks = {name: bar.add_task(name, total=surge.days) for name in names}

        def advance(policy: str, day: int, days: int) -> None:
            bar.update(tasks[policy], completed=day)

        return compare(surge, names, settlements, load_hubs(), load_regions(), advance)


def comparison_table(comparison: Comparison) -> Table:
    table = Table(title=f"{comparison.scenario.name}: policies compared")
    table.add_column("metric")
    for metrics in comparison.metrics:
        table.add_column(metrics.policy, justify="right")
    for spec in METRICS:
        table.add_row(spec.label, *(format_metric(m, spec.key) for m in comparison.metrics))
    return table
