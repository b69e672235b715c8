"""The report: figures built from plain data, one self-contained HTML page with no CDN."""

import re

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
