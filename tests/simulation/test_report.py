"""The report: figures built from plain data, one self-contained HTML page with no CDN."""

import re
from typing import Any

import pytest

from qonaq.geo.gazetteer import regions_geojson
from qonaq.simulation.compare import Comparison
from qonaq.simulation.figures import SettlementLoad, load_map_figure, time_series_figure
from qonaq.simulation.report import render_report, report_figures
from tests.simulation.factories import run_small


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return run_small()


def test_map_figure_from_plain_data() -> None:
    sites = [
        SettlementLoad("Oral", 51.23, 51.37, 1200, 1.4),
        SettlementLoad("Aksai", 51.17, 52.99, 0, 0.0),
    ]
    figure = load_map_figure(regions_geojson(), sites, "free")
    outlines, bubbles = figure["data"]
    assert outlines["type"] == bubbles["type"] == "scattergeo"
    assert None in outlines["lon"] and len(bubbles["lat"]) == 1
    # no base layer that would fetch topojson from a CDN
    geo = figure["layout"]["geo"]
    assert geo["visible"] is False and "locationmode" not in outlines


def test_time_series_has_one_trace_per_series() -> None:
    figure = time_series_figure("t", ["2022-09-21", "2022-09-22"], {"a": [1, 2], "b": [3, 4]}, "n")
    assert [trace["name"] for trace in figure["data"]] == ["a", "b"]


def test_report_figures(comparison: Comparison) -> None:
    figures = report_figures(comparison, regions_geojson())
    assert [name for name in figures if name.startswith("map_")] == [
        "map_free", "map_quota", "map_qonaq",
    ]  # fmt: skip
    assert len(figures["arrivals"]["data"]) == len(comparison.country.hub_ids)
    for name in ("settled", "over_capacity", "queues"):
        assert len(figures[name]["data"]) == 3


def test_report_is_self_contained(comparison: Comparison) -> None:
    page = render_report(comparison, regions_geojson())
    # plotly.js itself is inlined, and nothing is loaded from the network
    assert "plotly.js v" in page and len(page) > 3_000_000
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", page, re.IGNORECASE)
    assert page.count("Plotly.newPlot") == 3 + 4
    for policy in ("free", "quota", "qonaq"):
        assert f'id="map_{policy}"' in page


HEADINGS = re.compile(r"<(title|h1|h2|th)[^>]*>(.*?)</\1>|<td title=\"([^\"]*)\">(.*?)</td>", re.S)


def _words_of(page: str, figures: dict[str, Any]) -> set[str]:
    """Every heading of the page and every title, legend and axis word of its figures."""
    words = set()
    for match in HEADINGS.finditer(page):
        words |= {w for w in match.groups()[1:] if w}
    for figure in figures.values():
        layout = figure["layout"]
        words.add(layout["title"]["text"])
        words.add(layout.get("yaxis", {}).get("title", {}).get("text", ""))
        for trace in figure["data"]:
            if trace.get("showlegend", True):
                words.add(trace["name"])
            bar = trace.get("marker", {}).get("colorbar")
            if bar:
                words.add(bar["title"]["text"])
    return {w for w in words if w and re.search("[A-Za-z]{3}", w)}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_kazakh_and_russian_reports_have_no_english_headings(
    comparison: Comparison, language: str
) -> None:
    geojson = regions_geojson()
    english = _words_of(
        render_report(comparison, geojson, "en"), report_figures(comparison, geojson, "en")
    )
    assert {"Where people settled", "free choice", "stayers (persons)", "persons"} <= english
    page = render_report(comparison, geojson, language)
    translated = _words_of(page, report_figures(comparison, geojson, language))
    assert english & translated == set()
    assert f'<html lang="{language}">' in page
    # numbers as the language writes them: a space between thousands, a decimal comma
    table = page[page.index("<table>") : page.index("</table>")]
    assert re.search(r"<td>\d{1,3}\xa0\d{3}</td>", table) and re.search(r"<td>\d+,\d+</td>", table)
    hubs = report_figures(comparison, geojson, language)["arrivals"]["data"]
    assert "Сырым" in [trace["name"] for trace in hubs]
