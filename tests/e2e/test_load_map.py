"""A coordinator in the browser: from the load map, the region table and the pressed list to a
settlement's page; closes it to new placements and opens it again from there."""

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.registry.service import confirm_placement, register_household
from qonaq.settlements.models import Settlement
from tests.e2e.conftest import LiveSite
from tests.e2e.test_desk import sign_in, wait_for_path
from tests.registry.factories import household

SETTLEMENT = "610611"  # Aktobe


def _place_in_aktobe(site: LiveSite) -> None:
    with transaction(site.engine) as db_session:
        found = register_household(db_session=db_session, data=household(3), actor=Actor("t"))
        confirm_placement(
            db_session=db_session, household_id=found.id, settlement_id=SETTLEMENT,
            actor=Actor("desk"), recommended=[SETTLEMENT], override_reason=None,
        )  # fmt: skip


def _open_dashboard(page: Any, site: LiveSite) -> None:
    page.goto(f"{site.url}/coordinator/dashboard")
    page.wait_for_function("() => Number(document.body.dataset.refreshed || 0) >= 1")


def _point_of(page: Any, settlement_id: str) -> tuple[float, float]:
    """Where the settlement's bubble is drawn on the map, in page pixels."""
    index = page.evaluate(
        "id => document.getElementById('load-map').data[1].customdata.indexOf(id)", settlement_id
    )
    assert index >= 0
    bubble = page.locator("#load-map .trace.scattergeo").nth(1).locator(".point").nth(index)
    # the mouse reaches only what is on screen: the cards above may push the map below it
    bubble.scroll_into_view_if_needed()
    box = bubble.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_click_on_the_map_or_a_link_opens_the_settlements_page(
    page: Any, live_site: LiveSite
) -> None:
    _place_in_aktobe(live_site)
    sign_in(page, live_site, "coordinator")
    wait_for_path(page, "/coordinator/replan")
    _open_dashboard(page, live_site)
    assert page.locator("#regions tbody tr").count() == 20
    x, y = _point_of(page, SETTLEMENT)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_url(f"**/host?settlement={SETTLEMENT}")
    expect(page.locator("h1")).to_contain_text("Aktobe")
    _open_dashboard(page, live_site)
    page.locator(f"#pressed-list a[href='/host?settlement={SETTLEMENT}']").click()
    page.wait_for_url(f"**/host?settlement={SETTLEMENT}")
    _open_dashboard(page, live_site)
    region = page.locator("#regions tbody a").first
    name = region.inner_text()
    region.click()
    wait_for_path(page, "/settlements")
    expect(page.locator("h1")).to_contain_text(name)
    page.locator("#settlements a").first.click()
    wait_for_path(page, "/host")


def test_a_coordinator_closes_a_settlement_and_opens_it_again(
    page: Any, live_site: LiveSite
) -> None:
    with transaction(live_site.engine, writes=False) as db_session:
        village = db_session.scalars(
            select(Settlement.id).where(Settlement.kind == "village").order_by(Settlement.id)
        ).first()
    assert village is not None
    sign_in(page, live_site, "coordinator")
    wait_for_path(page, "/coordinator/replan")
    page.goto(f"{live_site.url}/host?settlement={village}")
    page.fill("#open-reason", "the bridge is closed")
    page.click("#close-settlement")
    page.wait_for_selector("#open-settlement")
    expect(page.locator("#open-state")).to_contain_text("Closed to new placements")
    _open_dashboard(page, live_site)
    hover = page.evaluate(
        "id => { const t = document.getElementById('load-map').data[1]; "
        "return t.text[t.customdata.indexOf(id)]; }",
        village,
    )
    assert "closed to new placements" in hover
    page.goto(f"{live_site.url}/host?settlement={village}")
    page.fill("#open-reason", "the bridge is repaired")
    page.click("#open-settlement")
    page.wait_for_selector("#close-settlement")
    expect(page.locator("#open-state")).to_contain_text("Open: the desks may place")
