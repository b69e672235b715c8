"""The coordinator's live dashboard and the simulation report render real Plotly plots."""

from pathlib import Path
from typing import Any

from tests.e2e.conftest import LiveSite
from tests.e2e.test_desk import sign_in


def plotted_traces(page: Any, element_id: str) -> int:
    """How many traces Plotly drew into the element (0 when nothing rendered)."""
    count: int = page.evaluate(
        "id => { const el = document.getElementById(id); "
        "return el && el.data ? el.data.length : 0; }",
        element_id,
    )
    return count


def test_dashboard_draws_the_map_and_charts_and_refreshes(page: Any, live_site: LiveSite) -> None:
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    sign_in(page, live_site, "coordinator")
    page.goto(f"{live_site.url}/coordinator/dashboard")
    page.wait_for_function("() => Number(document.body.dataset.refreshed || 0) >= 1")
    # the map: region outlines, settlement bubbles, households waiting where they registered
    assert plotted_traces(page, "load-map") == 3
    assert plotted_traces(page, "per-day") == 2
    assert plotted_traces(page, "pressed") == 1
    assert page.locator("#load-map .scattergeo, #load-map .geo").count() >= 1
    assert page.locator("#per-day .main-svg").count() >= 1
    # nothing was fetched from outside this machine
    assert [url for url in failed if not url.startswith(live_site.url)] == []


def test_simulation_report_renders_one_map_per_policy(page: Any, tmp_path: Path) -> None:
    from qonaq.geo.gazetteer import load_hubs, load_regions, load_settlements, regions_geojson
    from qonaq.simulation.compare import compare
    from qonaq.simulation.report import render_report
    from qonaq.simulation.scenario import load_scenario

    policies = ("free", "quota", "qonaq")
    surge = load_scenario("kz-2022").scaled(0.05)
    comparison = compare(surge, policies, load_settlements(), load_hubs(), load_regions())
    report = tmp_path / "report.html"
    report.write_text(render_report(comparison, regions_geojson()), "utf-8")
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(report.as_uri())
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 7")
    for policy in policies:
        # region outlines and settlement bubbles on each policy's map
        assert plotted_traces(page, f"map_{policy}") == 2
        bubbles = page.evaluate(f"() => document.getElementById('map_{policy}').data[1].lon.length")
        assert bubbles > 0
    assert plotted_traces(page, "settled") == len(policies)
    assert plotted_traces(page, "queues") == len(policies)
    assert plotted_traces(page, "arrivals") == len(comparison.country.hub_ids)
    assert page.locator("#map_qonaq .main-svg").count() >= 1
    assert failed == []
