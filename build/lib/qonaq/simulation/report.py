"""The comparison as figures and one self-contained HTML page (Plotly's offline bundle inlined)."""

import html
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import numpy as np
import plotly.io as pio
from plotly.offline import get_plotlyjs

from qonaq.placement.model import PERSONS, IntArray
from qonaq.simulation.compare import Comparison
from qonaq.simulation.figures import Figure, SettlementLoad, load_map_figure, time_series_figure
from qonaq.simulation.metrics import METRICS, PolicyMetrics, peak_fill
from qonaq.simulation.run import PolicyRun


def format_metric(metrics: PolicyMetrics, key: str) -> str:
    """One metric of one policy as the table shows it."""
    spec = next(m for m in METRICS if m.key == key)
    return spec.format.format(getattr(metrics, key))


def settlement_loads(comparison: Comparison, run: PolicyRun) -> list[SettlementLoad]:
    """Each settlement's arrivals and peak fill ratio under one policy, for the map."""
    country = comparison.country
    arrivals = run.placed_load[-1, :, PERSONS] - country.initial_load[:, PERSONS]
    peaks = peak_fill(run, country)
    return [
        SettlementLoad(record.name, record.lat, record.lon, int(arrivals[s]), float(peaks[s]))
        for s, record in enumerate(country.settlements)
    ]


def dates(comparison: Comparison) -> list[str]:
    """ISO dates of the simulated days."""
    start = comparison.scenario.start_date
    return [(start + timedelta(days=d)).isoformat() for d in range(comparison.scenario.days)]


def report_figures(comparison: Comparison, regions_geojson: Mapping[str, Any]) -> dict[str, Figure]:
    """Every figure of the report by name: one map per policy, then the time series."""
    country, wave, days = comparison.country, comparison.wave, dates(comparison)
    loads = {run.policy: settlement_loads(comparison, run) for run in comparison.runs}
    largest = max((s.arrivals for sites in loads.values() for s in sites), default=1)
    figures = {
        f"map_{policy}": load_map_figure(regions_geojson, sites, policy, largest)
        for policy, sites in loads.items()
    }
    entries = np.zeros((len(days), len(country.hub_ids)))
    np.add.at(entries, (wave.arrival_day, wave.hub), wave.size)
    figures["arrivals"] = time_series_figure(
        "Entries per day by hub", days,
        {hub: entries[:, b].tolist() for b, hub in enumerate(country.hub_ids)},
        "persons", stacked=True,
    )  # fmt: skip
    capacity = country.capacity[None, :, PERSONS]
    figures["settled"] = time_series_figure(
        "Persons settled",
        days,
        {
            run.policy: (run.placed_load[:, :, PERSONS] - country.initial_load[None, :, PERSONS])
            .sum(axis=1)
            .tolist()
            for run in comparison.runs
        },
        "persons",
    )
    figures["over_capacity"] = time_series_figure(
        "Persons beyond settlements' capacity",
        days,
        {run.policy: excess_persons(run.placed_load, capacity).tolist() for run in comparison.runs},
        "persons",
    )
    figures["queues"] = time_series_figure(
        "Waiting at PSCs",
        days,
        {run.policy: run.queue_persons.sum(axis=1).tolist() for run in comparison.runs},
        "persons",
    )
    return figures


def excess_persons(placed_load: IntArray, capacity: IntArray) -> IntArray:
    """Persons beyond persons capacity, summed over settlements, per day."""
    result: IntArray = np.maximum(placed_load[:, :, PERSONS] - capacity, 0).sum(axis=1)
    return result


def metrics_table_html(comparison: Comparison) -> str:
    """The comparison table as HTML: one row per metric, one column per policy."""
    head = "".join(f"<th>{html.escape(m.policy)}</th>" for m in comparison.metrics)
    rows = "".join(
        f'<tr><td title="{html.escape(spec.meaning)}">{html.escape(spec.label)}</td>'
        + "".join(f"<td>{format_metric(m, spec.key)}</td>" for m in comparison.metrics)
        + "</tr>"
        for spec in METRICS
    )
    return f"<table><thead><tr><th>metric</th>{head}</tr></thead><tbody>{rows}</tbody></table>"


def figure_html(figure: Figure, element_id: str) -> str:
    """A figure as a div and its drawing script; Plotly itself is inlined once in the page head."""
    result: str = pio.to_html(
        figure, include_plotlyjs=False, full_html=False, div_id=element_id,
        config={"displaylogo": False, "responsive": True},
    )  # fmt: skip
    return result


STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
.maps { display: grid; gap: 0.5rem; }
table { border-collapse: collapse; margin: 1rem 0; }
td, th { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
td:first-child, th:first-child { text-align: left; }
"""


def render_report(comparison: Comparison, regions_geojson: Mapping[str, Any]) -> str:
    """The whole report as one HTML page that works offline."""
    scenario = comparison.scenario
    figures = report_figures(comparison, regions_geojson)
    maps = [name for name in figures if name.startswith("map_")]
    map_divs = "".join(figure_html(figures[name], name) for name in maps)
    series = "".join(figure_html(figures[name], name) for name in figures if name not in maps)
    title = html.escape(scenario.title or scenario.name)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Qonaq surge simulation: {title}</title>
<style>{STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<h1>Surge simulation: {title}</h1>
<p>Scenario <code>{html.escape(scenario.name)}</code> (source: {html.escape(scenario.source)}),
seed {scenario.seed}, {scenario.days} days from {scenario.start_date.isoformat()}.
Bubbles: area = persons settled there; colour = the settlement's highest fill ratio.</p>
{metrics_table_html(comparison)}
<h2>Where people settled</h2>
<div class="maps" style="grid-template-columns: repeat({len(maps)}, 1fr)">{map_divs}</div>
<h2>Over time</h2>
{series}
</body></html>
"""
