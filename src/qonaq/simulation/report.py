"""The comparison as figures and one self-contained HTML page (Plotly's offline bundle inlined),
in Kazakh, Russian or English: titles, legends, table headers, policy names and numbers."""

import html
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import numpy as np
import plotly.io as pio
from babel.numbers import format_decimal, format_percent
from plotly.offline import get_plotlyjs

from qonaq.geo.gazetteer import localized_name
from qonaq.i18n import DEFAULT_LANGUAGE, N_, gettext
from qonaq.placement.model import PERSONS, IntArray
from qonaq.simulation.compare import Comparison
from qonaq.simulation.figures import Figure, SettlementLoad, load_map_figure, time_series_figure
from qonaq.simulation.metrics import METRICS, PolicyMetrics, peak_fill
from qonaq.simulation.run import PolicyRun

POLICY_NAMES = {
    "free": N_("free choice"),
    "quota": N_("regional quotas"),
    "qonaq": N_("Qonaq placement"),
}


def policy_name(policy: str, language: str) -> str:
    """A policy as the report names it in `language`."""
    return gettext(language, POLICY_NAMES[policy]) if policy in POLICY_NAMES else policy


def format_metric(metrics: PolicyMetrics, key: str, language: str = "en") -> str:
    """One metric of one policy as the table shows it, written as `language` writes numbers."""
    spec = next(m for m in METRICS if m.key == key)
    value = getattr(metrics, key)
    if spec.format.endswith("%"):
        return format_percent(value, format=spec.format, locale=language)
    return format_decimal(value, format=spec.format, locale=language)


def settlement_loads(
    comparison: Comparison, run: PolicyRun, language: str = "en"
) -> list[SettlementLoad]:
    """Each settlement's arrivals and peak fill ratio under one policy, for the map."""
    country = comparison.country
    arrivals = run.placed_load[-1, :, PERSONS] - country.initial_load[:, PERSONS]
    peaks = peak_fill(run, country)
    return [
        SettlementLoad(
            localized_name(record, language),
            record.lat,
            record.lon,
            int(arrivals[s]),
            float(peaks[s]),
        )
        for s, record in enumerate(country.settlements)
    ]


def dates(comparison: Comparison) -> list[str]:
    """ISO dates of the simulated days."""
    start = comparison.scenario.start_date
    return [(start + timedelta(days=d)).isoformat() for d in range(comparison.scenario.days)]


def report_figures(
    comparison: Comparison, regions_geojson: Mapping[str, Any], language: str = DEFAULT_LANGUAGE
) -> dict[str, Figure]:
    """Every figure of the report by name, in `language`: one map per policy, then the time
    series."""
    country, wave, days = comparison.country, comparison.wave, dates(comparison)
    loads = {run.policy: settlement_loads(comparison, run, language) for run in comparison.runs}
    largest = max((s.arrivals for sites in loads.values() for s in sites), default=1)
    figures = {
        f"map_{policy}": load_map_figure(
            regions_geojson, sites, policy_name(policy, language), largest, language
        )
        for policy, sites in loads.items()
    }
    persons = gettext(language, "persons")
    hubs = {hub.id: localized_name(hub, language) for hub in comparison.hubs}
    entries = np.zeros((len(days), len(country.hub_ids)))
    np.add.at(entries, (wave.arrival_day, wave.hub), wave.size)
    figures["arrivals"] = time_series_figure(
        gettext(language, "Entries per day by hub"), days,
        {hubs.get(hub, hub): entries[:, b].tolist() for b, hub in enumerate(country.hub_ids)},
        persons, stacked=True, language=language,
    )  # fmt: skip
    capacity = country.capacity[None, :, PERSONS]
    series = {
        "settled": (
            N_("Persons settled"),
            lambda run: (
                (run.placed_load[:, :, PERSONS] - country.initial_load[None, :, PERSONS])
                .sum(axis=1)
                .tolist()
            ),
        ),
        "over_capacity": (
            N_("Persons beyond settlements' capacity"),
            lambda run: excess_persons(run.placed_load, capacity).tolist(),
        ),
        "queues": (N_("Waiting at PSCs"), lambda run: run.queue_persons.sum(axis=1).tolist()),
    }
    for name, (title, values) in series.items():
        figures[name] = time_series_figure(
            gettext(language, title), days,
            {policy_name(run.policy, language): values(run) for run in comparison.runs},
            persons, language=language,
        )  # fmt: skip
    return figures


def excess_persons(placed_load: IntArray, capacity: IntArray) -> IntArray:
    """Persons beyond persons capacity, summed over settlements, per day."""
    result: IntArray = np.maximum(placed_load[:, :, PERSONS] - capacity, 0).sum(axis=1)
    return result


def metrics_table_html(comparison: Comparison, language: str = DEFAULT_LANGUAGE) -> str:
    """The comparison table as HTML: one row per metric, one column per policy."""
    head = "".join(
        f'<th scope="col">{html.escape(policy_name(m.policy, language))}</th>'
        for m in comparison.metrics
    )
    rows = "".join(
        f'<tr><td title="{html.escape(gettext(language, spec.meaning))}">'
        f"{html.escape(gettext(language, spec.label))}</td>"
        + "".join(f"<td>{format_metric(m, spec.key, language)}</td>" for m in comparison.metrics)
        + "</tr>"
        for spec in METRICS
    )
    metric = html.escape(gettext(language, "metric"))
    return (
        f'<table><thead><tr><th scope="col">{metric}</th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def figure_html(figure: Figure, element_id: str) -> str:
    """A figure as a div and its drawing script; Plotly itself is inlined once in the page head."""
    result: str = pio.to_html(
        figure, include_plotlyjs=False, full_html=False, div_id=element_id,
        config={"displaylogo": False, "responsive": True},
    )  # fmt: skip
    return result


STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
.maps { display: grid; gap: 0.5rem; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); }
table { border-collapse: collapse; margin: 1rem 0; }
td, th { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
td:first-child, th:first-child { text-align: left; }
"""


def scenario_title(comparison: Comparison, language: str) -> str:
    """The scenario's title in `language` (its English one, or its name, when it has none)."""
    scenario = comparison.scenario
    titles = {"ru": scenario.title_ru, "kk": scenario.title_kk}
    return titles.get(language) or scenario.title or scenario.name


def render_report(
    comparison: Comparison, regions_geojson: Mapping[str, Any], language: str = DEFAULT_LANGUAGE
) -> str:
    """The whole report in `language` as one HTML page that works offline."""
    scenario = comparison.scenario
    figures = report_figures(comparison, regions_geojson, language)
    maps = [name for name in figures if name.startswith("map_")]
    map_divs = "".join(figure_html(figures[name], name) for name in maps)
    series = "".join(figure_html(figures[name], name) for name in figures if name not in maps)
    title = html.escape(scenario_title(comparison, language))
    words = {  # the page's fixed words, each escaped once
        w: html.escape(gettext(language, w))
        for w in (
            "Qonaq surge simulation: %(title)s", "Surge simulation: %(title)s",
            "Where people settled", "Over time",
            "Bubbles: area = persons settled there; colour = the settlement's highest fill ratio.",
        )
    }  # fmt: skip
    about = html.escape(
        gettext(
            language,
            "Scenario %(name)s (source: %(source)s), seed %(seed)s, %(days)s days from %(start)s.",
        )
        % {
            "name": scenario.name, "source": scenario.source, "seed": scenario.seed,
            "days": scenario.days, "start": scenario.start_date.isoformat(),
        }
    )  # fmt: skip
    return f"""<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{words["Qonaq surge simulation: %(title)s"] % {"title": title}}</title>
<style>{STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<h1>{words["Surge simulation: %(title)s"] % {"title": title}}</h1>
<p>{about}
{words["Bubbles: area = persons settled there; colour = the settlement's highest fill ratio."]}</p>
{metrics_table_html(comparison, language)}
<h2>{words["Where people settled"]}</h2>
<div class="maps">{map_divs}</div>
<h2>{words["Over time"]}</h2>
{series}
</body></html>
"""
