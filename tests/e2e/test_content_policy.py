"""Every page works in Chromium under the strict content security policy: no violation, no
console error, nothing fetched from outside."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qonaq.config import get_settings
from tests.e2e import plotly_styles
from tests.e2e.conftest import LiveSite
from tests.e2e.test_desk import fill_member, sign_in, wait_for_path

# the page reports each blocked load or inline code; the init script runs before any page script
COLLECT_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", event => {
  const where = `${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`;
  const what = event.blockedURI || "inline";
  window.__violations.push(`${event.violatedDirective} ${what} at ${where}`);
});
"""
ORAL = "608668"
FAMILY = [
    ("Dina Policy", "1990-02-02", "F", "passport", "73 3333333"),
    ("Arman Policy", "2016-07-07", "M", "birth_certificate", "IV-MJ 333333"),
]


class PageWatch:
    """Console errors, CSP violations and requests to other hosts of one browser page."""

    def __init__(self, page: Any, site: LiveSite) -> None:
        self.page = page
        self.site = site
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.add_init_script(COLLECT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror {error}"))
        page.on("request", self._request)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        # a failed load is reported with its URL by _response
        if message.type in ("error", "warning") and not message.text.startswith("Failed to load"):
            self.errors.append(f"{message.type}: {message.text}")

    def _response(self, response: Any) -> None:
        # a page's own status may be an error; what it loads must not be
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.status} {response.url}")

    def _request(self, request: Any) -> None:
        if not request.url.startswith((self.site.url, "data:", "blob:", "about:")):
            self.outside.append(request.url)

    def assert_clean(self, where: str) -> None:
        violations = self.page.evaluate("() => window.__violations")
        assert violations == [], where
        assert self.errors == [], where
        assert self.outside == [], where


@pytest.fixture
def watched(page: Any, live_site: LiveSite) -> PageWatch:
    return PageWatch(page, live_site)


@pytest.fixture
def simulation_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A real kz-2022 report (small scale) where the dashboard looks for it."""
    from qonaq.geo.gazetteer import load_hubs, load_regions, load_settlements, regions_geojson
    from qonaq.simulation.compare import compare
    from qonaq.simulation.report import render_report
    from qonaq.simulation.scenario import load_scenario

    surge = load_scenario("kz-2022").scaled(0.02)
    comparison = compare(surge, ("free", "qonaq"), load_settlements(), load_hubs(), load_regions())
    monkeypatch.setenv("QONAQ_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    report = tmp_path / "simulation" / "report.html"
    report.parent.mkdir()
    report.write_text(render_report(comparison, regions_geojson()), "utf-8")
    yield report
    get_settings.cache_clear()


def test_desk_household_and_letter_run_under_the_policy(
    watched: PageWatch, live_site: LiveSite
) -> None:
    page = watched.page
    page.goto(f"{live_site.url}/login")
    watched.assert_clean("login")
    sign_in(page, live_site, "registrar")
    wait_for_path(page, "/desk")
    page.select_option("#origin", "hub:syrym")
    fill_member(page, 0, FAMILY[0])
    page.click("#add-member")  # desk.js still adds a member block
    fill_member(page, 1, FAMILY[1])
    assert page.locator("fieldset.member").count() == 2
    page.click("#register")
    wait_for_path(page, "/desk/households/*")
    watched.assert_clean("desk and household")
    page.locator(".option button.confirm").first.click()
    wait_for_path(page, "/letters/*")
    assert page.locator("#qr svg").count() == 1
    # the print button works without an inline handler
    page.evaluate("() => { window.print = () => { document.body.dataset.printed = '1'; }; }")
    page.click("[data-action=print]")
    assert page.evaluate("() => document.body.dataset.printed") == "1"
    watched.assert_clean("letter")


def test_coordinator_pages_and_the_dashboard_run_under_the_policy(
    watched: PageWatch, live_site: LiveSite, simulation_report: Path
) -> None:
    page = watched.page
    sign_in(page, live_site, "coordinator")
    wait_for_path(page, "/coordinator/replan")
    page.click("button[value=preview]")
    page.wait_for_selector("#load-changes")
    page.goto(f"{live_site.url}/settlements")
    assert page.locator("#settlements svg.bar rect").count() > 100
    page.goto(f"{live_site.url}/coordinator/audit")
    watched.assert_clean("replan, settlements, audit")
    page.goto(f"{live_site.url}/coordinator/dashboard")
    page.wait_for_function("() => Number(document.body.dataset.refreshed || 0) >= 1")
    assert page.evaluate("() => document.getElementById('load-map').data.length") == 3
    assert page.locator("#per-day .main-svg").count() >= 1
    watched.assert_clean("dashboard")
    page.click("#simulation-link")
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 5")
    assert page.evaluate("() => document.getElementById('map_qonaq').data.length") == 2
    watched.assert_clean("simulation report")


def test_the_api_docs_render_from_local_files_under_the_policy(
    watched: PageWatch, live_site: LiveSite
) -> None:
    page = watched.page
    page.goto(f"{live_site.url}/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/households" in [p.replace("\u200b", "") for p in paths]
    watched.assert_clean("docs")


def test_the_error_page_goes_back_without_an_inline_script(
    watched: PageWatch, live_site: LiveSite
) -> None:
    page = watched.page
    sign_in(page, live_site, "coordinator")
    wait_for_path(page, "/coordinator/replan")
    page.goto(f"{live_site.url}/host?settlement={ORAL}")
    page.eval_on_selector("input[name=settlement_id]", "input => { input.value = 'nowhere'; }")
    page.click("form[action='/host/capacity'] button[type=submit]")
    page.wait_for_selector("a[data-action=back]")
    assert page.url.endswith("/host/capacity")
    page.click("a[data-action=back]")
    wait_for_path(page, "/host")
    assert page.url.endswith(f"/host?settlement={ORAL}")
    watched.assert_clean("error page")


def test_the_shipped_plotly_styles_are_those_of_the_installed_bundle(browser: object) -> None:
    styles = plotly_styles.injected_styles(browser)
    regenerate = (
        "Plotly's injected styles changed: PYTHONPATH=src python -m tests.e2e.plotly_styles"
    )
    assert plotly_styles.STYLESHEET.read_text("utf-8") == plotly_styles.stylesheet(styles), (
        regenerate
    )
    assert plotly_styles.HEAD_FRAGMENT.read_text("utf-8") == plotly_styles.head_fragment(styles), (
        regenerate
    )
