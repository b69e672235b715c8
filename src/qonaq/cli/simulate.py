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
    preregistered: str | None = typer.Option(
        None, "--preregistered",
        help="Share(s) of households pre-registered online, e.g. 0.3 or 0,0.3,0.6 to compare.",
    ),
) -> None:  # fmt: skip
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
        shares = parse_shares(preregistered) if preregistered else ()
        if len(shares) > 1:
            if out is not None:
                raise fail("--out writes one comparison: give one --preregistered share with it")
            compare_preregistration(surge, names, settlements, shares, as_json)
            return
        if shares:
            surge = with_preregistered(surge, shares[0])
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


def parse_shares(text: str) -> tuple[float, ...]:
    """Shares like "0,0.3,0.6" (or percentages "30%"), each between 0 and 1."""
    shares = []
    for part in text.split(","):
        word = part.strip()
        try:
            share = float(word.removesuffix("%")) / (100 if word.endswith("%") else 1)
        except ValueError:
            raise ValueError(f"--preregistered: {word!r} is not a share like 0.3 or 30%") from None
        if not 0 <= share <= 1:
            raise ValueError(f"--preregistered: {word!r} is not between 0 and 1 (0 % and 100 %)")
        shares.append(share)
    return tuple(shares)


def with_preregistered(surge: Scenario, share: float) -> Scenario:
    """The same surge with `share` of households pre-registered online."""
    registration = surge.registration.model_copy(update={"preregistered_share": share})
    return surge.model_copy(update={"registration": registration})


def compare_preregistration(
    surge: Scenario, names: tuple[str, ...], settlements: list[SettlementRecord],
    shares: tuple[float, ...], as_json: bool,
) -> None:  # fmt: skip
    """Each policy under each share pre-registered: one table, or JSON."""
    runs = [(share, run_with_progress(with_preregistered(surge, share), names, settlements))
            for share in shares]  # fmt: skip
    if as_json:
        rows = [{"preregistered": share, **m.as_dict()} for share, c in runs for m in c.metrics]
        typer.echo(json.dumps({"scenario": surge.name, "seed": surge.seed, "runs": rows}))
        return
    table = Table(title=f"{surge.name}: share pre-registered online compared")
    table.add_column("metric")
    for share, comparison in runs:
        for metrics in comparison.metrics:
            table.add_column(f"{metrics.policy} {share:.0%}", justify="right")
    for spec in METRICS:
        cells = [format_metric(m, spec.key) for _, c in runs for m in c.metrics]
        table.add_row(spec.label, *cells)
    Console().print(table)


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
