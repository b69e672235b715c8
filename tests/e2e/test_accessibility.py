"""axe-core on every page in Kazakh, Russian and English: no critical or serious violation;
and no page scrolls sideways on a 390 px phone."""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import create_user
from qonaq.db.session import transaction
from qonaq.registry.models import Placement
from qonaq.registry.service import confirm_placement, record_arrival, register_household
from qonaq.settlements.models import Settlement
from tests.conftest import unavailable
from tests.e2e.conftest import PASSWORD, LiveSite
from tests.e2e.test_desk import sign_in, wait_for_path
from tests.registry.factories import household

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SETTLEMENT = "610611"  # Aktobe
SERIOUS = ("critical", "serious")


def _axe_source() -> str:
    if not AXE.exists():
        unavailable(f"axe-core is not installed at {AXE} (run `npm ci`)")
    return AXE.read_text(encoding="utf-8")


def _pages(site: LiveSite) -> dict[str, str]:
    """Each page to audit, by name: a placed household with a no-show too, so rows show forms."""
    with transaction(site.engine) as db_session:
        if db_session.scalars(select(User).where(User.username == "axe-host")).first() is None:
            create_user(
                db_session=db_session, username="axe-host", password=PASSWORD, role="host",
                actor=Actor("test"), settlement_id=SETTLEMENT, language="en",
            )  # fmt: skip
        placements: list[Placement] = []
        for _ in range(2):
            found = register_household(db_session=db_session, data=household(2), actor=Actor("t"))
            placement = confirm_placement(
                db_session=db_session, household_id=found.id, settlement_id=SETTLEMENT,
                actor=Actor("desk"), recommended=[SETTLEMENT], override_reason=None,
            )  # fmt: skip
            placements.append(placement)
        pending = register_household(db_session=db_session, data=household(1), actor=Actor("t"))
        db_session.flush()
        host = Actor("axe", role="host", settlement_id=SETTLEMENT)
        record_arrival(
            db_session=db_session, placement_id=placements[1].id, arrived=False, actor=host
        )
        placed, household_id = placements[0], pending.id
        aktobe = db_session.get(Settlement, SETTLEMENT)
        assert aktobe is not None
        region_id = aktobe.region_id
    return {
        "desk": "/desk",
        "household": f"/desk/households/{household_id}",
        "placed household": f"/desk/households/{placed.household_id}",
        "letter": f"/letters/{placed.id}",
        "settlements": "/settlements",
        "settlements of a region": f"/settlements?region={region_id}",
        "replan": "/coordinator/replan",
        "plans": "/coordinator/plans",
        "search": "/desk/search",
        "audit": "/coordinator/audit",
        "dashboard": "/coordinator/dashboard",
        "host": f"/host?settlement={SETTLEMENT}",
        "verify": f"/verify/{placed.id}?code=wrong",
    }


def _drawn(page: Any, name: str) -> None:
    """Wait until the dashboard has drawn its map, region table and pressed list."""
    if name == "dashboard":
        page.wait_for_function("() => Number(document.body.dataset.refreshed || 0) >= 1")


def _serious(page: Any, source: str) -> list[str]:
    # evaluate is not subject to the page's CSP, which would block an injected script tag
    page.evaluate(source)
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][:3]}" for v in violations if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_no_page_has_a_critical_or_serious_violation(
    browser: Any, live_site: LiveSite, language: str
) -> None:
    source = _axe_source()
    pages = _pages(live_site)
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    found: dict[str, list[str]] = {}
    page.goto(f"{live_site.url}/login?lang={language}")
    found["login"] = _serious(page, source)
    sign_in(page, live_site, "coordinator")
    wait_for_path(page, "/coordinator/replan")
    for name, path in pages.items():
        joiner = "&" if "?" in path else "?"
        page.goto(f"{live_site.url}{path}{joiner}lang={language}")
        _drawn(page, name)
        found[name] = _serious(page, source)
    context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_no_page_scrolls_sideways_on_a_phone(browser: Any, live_site: LiveSite) -> None:
    pages = _pages(live_site)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="ru-RU"
    )
    page = context.new_page()
    page.goto(f"{live_site.url}/login?lang=ru")
    widths = {"login": page.evaluate("document.documentElement.scrollWidth")}
    sign_in(page, live_site, "coordinator")
    wait_for_path(page, "/coordinator/replan")
    for name, path in pages.items():
        page.goto(f"{live_site.url}{path}")
        _drawn(page, name)
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert {name: width for name, width in widths.items() if width > 390} == {}
