"""Departures in the browser: a coordinator plans a day, approves a departure, opens its
manifest, marks it boarded; the host sees the arrivals it brings and confirms them. The
pages pass axe-core in kk/ru/en, fit a 390 px phone and break no content-security rule."""

from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import func, select

from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import create_user
from qonaq.db.session import transaction
from qonaq.registry.models import Placement
from qonaq.registry.service import confirm_placement, register_household
from qonaq.transport.models import Departure
from qonaq.transport.service import departure_for_household, placements_on
from tests.e2e.conftest import PASSWORD, LiveSite
from tests.e2e.test_accessibility import _axe_source, _serious
from tests.e2e.test_desk import sign_in, wait_for_path
from tests.registry.factories import household

SETTLEMENT = "610611"  # Aktobe
HOST = "aktobe-transport"


def _setup(site: LiveSite) -> int:
    """A host user for SETTLEMENT and a household of three placed there: its id."""
    with transaction(site.engine) as db_session:
        if db_session.scalars(select(User).where(User.username == HOST)).first() is None:
            create_user(
                db_session=db_session, username=HOST, password=PASSWORD, role="host",
                actor=Actor("test"), settlement_id=SETTLEMENT, language="en",
            )  # fmt: skip
        found = register_household(db_session=db_session, data=household(3), actor=Actor("t"))
        confirm_placement(
            db_session=db_session, household_id=found.id, settlement_id=SETTLEMENT,
            actor=Actor("desk"), recommended=[SETTLEMENT], override_reason=None,
        )  # fmt: skip
        return found.id


def household_placement(site: LiveSite, household_id: int) -> int:
    with transaction(site.engine, writes=False) as db_session:
        return db_session.scalars(
            select(Placement.id).where(Placement.household_id == household_id)
        ).one()


def _watch_csp(page: Any) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return problems


def test_plan_approve_board_and_arrive(browser: Any, live_site: LiveSite) -> None:
    household_id = _setup(live_site)
    day = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    source = _axe_source()
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    csp = _watch_csp(page)
    sign_in(page, live_site, "coordinator")
    wait_for_path(page, "/coordinator/replan")
    page.goto(f"{live_site.url}/coordinator/transport?day={day}")
    page.click("#plan-day")
    wait_for_path(page, "/coordinator/transport")
    expect(page.locator("#departures tbody tr[data-departure]").first).to_be_visible()
    with transaction(live_site.engine, writes=False) as db_session:
        found = departure_for_household(db_session, household_id)
    assert found is not None and found.status == "planned"
    departure_id = found.departure_id
    page.click(f"#departures a[href='/transport/departures/{departure_id}']")
    wait_for_path(page, f"/transport/departures/{departure_id}")
    expect(page.locator("#manifest tbody tr")).not_to_have_count(0)
    pages = (
        f"/coordinator/transport?day={day}",
        f"/transport/departures/{departure_id}",
        f"/transport/boarding?day={day}",
    )
    problems = {}
    for language in ("kk", "ru", "en"):
        for path in pages:
            joiner = "&" if "?" in path else "?"
            page.goto(f"{live_site.url}{path}{joiner}lang={language}")
            problems[f"{path} {language}"] = _serious(page, source)
    assert {k: v for k, v in problems.items() if v} == {}
    page.goto(f"{live_site.url}/transport/departures/{departure_id}")
    page.click("#approve")
    expect(page.locator("#status")).to_have_text("approved")
    page.click("#board")
    expect(page.locator("#status")).to_have_text("boarded")
    context.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    host = phone.new_page()
    csp += _watch_csp(host)
    sign_in(host, live_site, HOST)
    wait_for_path(host, "/host")
    host.goto(f"{live_site.url}/host/arrivals?lang=ru")
    row = host.locator(f"#incoming tr[data-departure='{departure_id}']")
    expect(row).to_be_visible()
    assert host.evaluate("document.documentElement.scrollWidth") <= 390
    assert _serious(host, source) == []
    for path in pages:
        host.goto(f"{live_site.url}{path}")  # a host may not review departures
        expect(host.locator("h1")).not_to_have_text("Departures")
    host.goto(f"{live_site.url}/host/arrivals")
    host.locator(f"#incoming tr[data-departure='{departure_id}'] button.arrived").click()
    # the host's list, filtered to the household the departure brought, to check it in
    wait_for_path(host, "/host")
    expect(host.locator("#brought")).to_be_visible()
    # exactly the placements seated on it (the live site is shared: earlier tests placed
    # other households in Aktobe, which may ride along or not)
    # (a departure may stop at other settlements too: the host sees only its own)
    with transaction(live_site.engine, writes=False) as db_session:
        seated = {
            str(p)
            for p in db_session.scalars(
                select(Placement.id).where(
                    Placement.id.in_(placements_on(departure_id)),
                    Placement.settlement_id == SETTLEMENT,
                )
            )
        }
        to_check_in = db_session.scalar(
            select(func.count()).where(
                Placement.id.in_([int(p) for p in seated]), Placement.status == "reserved"
            )
        )
    expect(host.locator("#arrivals tr[data-placement] button.arrived")).to_have_count(
        to_check_in or 0
    )
    shown = host.eval_on_selector_all(
        "#arrivals tr[data-placement]", "rows => rows.map(r => r.dataset.placement)"
    )
    assert set(shown) == seated and str(household_placement(live_site, household_id)) in seated
    host.goto(f"{live_site.url}/host/arrivals")
    expect(host.locator(f"#incoming tr[data-departure='{departure_id}']")).to_have_count(0)
    phone.close()
    with transaction(live_site.engine, writes=False) as db_session:
        assert db_session.get(Departure, departure_id).status == "arrived"  # type: ignore[union-attr]
    assert csp == []


def test_departure_pages_fit_a_phone(browser: Any, live_site: LiveSite) -> None:
    household_id = _setup(live_site)
    day = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    sign_in(page, live_site, "coordinator")
    wait_for_path(page, "/coordinator/replan")
    page.goto(f"{live_site.url}/coordinator/transport?day={day}&lang=kk")
    page.click("#plan-day")
    wait_for_path(page, "/coordinator/transport")
    with transaction(live_site.engine, writes=False) as db_session:
        found = departure_for_household(db_session, household_id)
    assert found is not None
    widths = {"day": page.evaluate("document.documentElement.scrollWidth")}
    page.goto(f"{live_site.url}/transport/departures/{found.departure_id}?lang=kk")
    widths["manifest"] = page.evaluate("document.documentElement.scrollWidth")
    phone.close()
    assert {k: w for k, w in widths.items() if w > 390} == {}
