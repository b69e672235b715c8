"""A host in the browser: checks a household in by opening its letter's QR link, undoes a
mistaken 'did not come' with a reason; the host's page fits a 390 px phone."""

import itertools
import re
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import create_user
from qonaq.db.session import transaction
from qonaq.registry.service import confirm_placement, register_household
from tests.e2e.conftest import PASSWORD, LiveSite
from tests.e2e.test_desk import sign_in, wait_for_path
from tests.registry.factories import household, person

SETTLEMENT = "610611"  # Aktobe
_names = itertools.count()


def _host(site: LiveSite) -> str:
    """The akimat user of SETTLEMENT (created once for the shared site)."""
    with transaction(site.engine) as db_session:
        found = db_session.scalars(select(User).where(User.username == "aktobe-akimat")).first()
        if found is None:
            create_user(
                db_session=db_session, username="aktobe-akimat", password=PASSWORD, role="host",
                actor=Actor("test"), settlement_id=SETTLEMENT, language="en",
            )  # fmt: skip
    return "aktobe-akimat"


def _placed(site: LiveSite) -> tuple[int, str]:
    """A household of two placed in SETTLEMENT: its placement id and one member's name."""
    name = f"Marat Host{next(_names)}"
    data = household(members=[person(full_name=name), person(full_name="Dana Host")])
    with transaction(site.engine) as db_session:
        found = register_household(db_session=db_session, data=data, actor=Actor("t"))
        placement = confirm_placement(
            db_session=db_session, household_id=found.id, settlement_id=SETTLEMENT,
            actor=Actor("desk"), recommended=[SETTLEMENT], override_reason=None,
        )  # fmt: skip
        db_session.flush()
        return placement.id, name


def _letter_link(page: Any, site: LiveSite, placement_id: int) -> str:
    """The QR link printed on the letter, as a registrar's browser shows it."""
    sign_in(page, site, "registrar")
    wait_for_path(page, "/desk")
    page.goto(f"{site.url}/letters/{placement_id}")
    found = re.search(r"/verify/\d+\?code=[0-9a-f]+", page.locator(".letter").inner_text())
    assert found is not None
    return found.group(0)


def test_a_host_checks_a_household_in_from_its_letters_qr(page: Any, live_site: LiveSite) -> None:
    placement_id, _ = _placed(live_site)
    link = _letter_link(page, live_site, placement_id)
    host = page.context.browser.new_context(locale="en-US").new_page()
    sign_in(host, live_site, _host(live_site))
    wait_for_path(host, "/host")
    host.goto(f"{live_site.url}{link}")
    expect(host.locator("#verify-status")).to_have_text("reserved")
    host.click("#check-in")
    expect(host.locator("#verify-status")).to_have_text("arrived")
    assert host.locator("#check-in").count() == 0
    host.goto(f"{live_site.url}/host")
    expect(host.locator(f"tr[data-placement='{placement_id}'] .status")).to_have_text("arrived")
    host.context.close()


def test_a_host_undoes_a_mistaken_no_show(page: Any, live_site: LiveSite) -> None:
    placement_id, name = _placed(live_site)
    sign_in(page, live_site, _host(live_site))
    wait_for_path(page, "/host")
    page.fill("#search", name.lower())
    page.click("#search-form button[type=submit]")
    row = page.locator(f"tr[data-placement='{placement_id}']")
    expect(row).to_contain_text(name)
    assert page.locator("tr[data-placement]").count() == 1
    row.locator("button.danger").click()
    row = page.locator(f"tr[data-placement='{placement_id}']")
    expect(row.locator(".status")).to_have_text("did not come")
    row.locator("input[name=reason]").fill("typed on the wrong row")
    row.locator("button.undo-no-show").click()
    expect(page.locator(f"tr[data-placement='{placement_id}'] .status")).to_have_text("reserved")


def test_the_host_page_fits_a_phone(browser: Any, live_site: LiveSite) -> None:
    _placed(live_site)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    sign_in(page, live_site, _host(live_site))
    wait_for_path(page, "/host")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    button = page.locator("tr[data-placement] button.arrived").first
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    context.close()


def test_beds_below_the_load_need_the_confirmation_box(page: Any, live_site: LiveSite) -> None:
    _placed(live_site)
    sign_in(page, live_site, _host(live_site))
    wait_for_path(page, "/host")
    page.goto(f"{live_site.url}/host?lang=ru")
    beds = page.input_value("#cap_persons")
    page.fill("#cap_persons", "1")
    page.click("form[action='/host/capacity'] button[type=submit]")
    expect(page.locator(".errors")).to_contain_text("Отметьте подтверждение")
    expect(page.locator("#cap_persons")).not_to_have_value("1")
    page.fill("#cap_persons", "1")
    page.check("#below_load")
    page.click("form[action='/host/capacity'] button[type=submit]")
    expect(page.locator("#cap_persons")).to_have_value("1")
    assert page.locator(".errors").count() == 0
    # the shared site's other tests place households here: give the beds back
    page.fill("#cap_persons", beds)
    page.click("form[action='/host/capacity'] button[type=submit]")
    expect(page.locator("#cap_persons")).to_have_value(beds)
