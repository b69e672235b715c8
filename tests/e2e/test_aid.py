"""Help in a browser: an arrival asks on a phone in Kazakh, a volunteer offers, commits and
delivers part then all of it; axe-core on the public page and the volunteer's pages."""

from typing import Any

from sqlalchemy import select

from qonaq.aid.models import AidRequest
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import create_user
from qonaq.db.session import transaction
from tests.aid.factories import add_request, verify_volunteer
from tests.e2e.conftest import PASSWORD, LiveSite
from tests.e2e.test_accessibility import _axe_source, _serious
from tests.e2e.test_content_policy import PageWatch
from tests.e2e.test_desk import sign_in, wait_for_path

AKTOBE = "610611"


def _volunteer(site: LiveSite, username: str) -> None:
    with transaction(site.engine) as db_session:
        if db_session.scalars(select(User).where(User.username == username)).first() is None:
            create_user(
                db_session=db_session, username=username, password=PASSWORD, role="volunteer",
                actor=Actor("test"), language="en", organisation="Kamkor",
            )  # fmt: skip
    verify_volunteer(site.engine, username, area=AKTOBE)


def _ask_on_a_phone(browser: Any, site: LiveSite, source: str) -> tuple[int, list[str], int]:
    """Ask for shelter for 3 in Kazakh at 390 px; the request number, axe problems, width."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="kk-KZ"
    )
    page = context.new_page()
    page.goto(f"{site.url}/help/ask?lang=kk")
    assert page.locator("h1").inner_text() == "Көмек сұрау"
    problems = _serious(page, source)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.select_option("#kind", "shelter")
    page.select_option("#urgency", "today")
    page.fill("#people", "3")
    page.select_option("#place", f"settlement:{AKTOBE}")
    page.fill("#first_name", "Айгерим")
    page.fill("#contact", "+7 701 555 0199")
    page.click("#ask")
    # the browser refuses the form without consent; nothing was lost meanwhile
    assert page.locator("#first_name").input_value() == "Айгерим"
    page.check("#consent")
    page.click("#ask")
    wait_for_path(page, "/help/ask/sent")
    number = int(page.locator("#request-number").inner_text())
    context.close()
    return number, problems, width


def test_an_arrival_asks_and_a_volunteer_commits_and_fulfils(
    browser: Any, live_site: LiveSite
) -> None:
    source = _axe_source()
    _volunteer(live_site, "e2e-volunteer")
    request_id, ask_problems, ask_width = _ask_on_a_phone(browser, live_site, source)
    assert ask_problems == [] and ask_width <= 390

    context = browser.new_context(locale="en-US")
    page = context.new_page()
    sign_in(page, live_site, "e2e-volunteer")
    wait_for_path(page, "/aid")
    page.select_option("#offer_kind", "shelter")
    page.fill("#offer_quantity", "6")
    page.fill("#offer_unit", "beds")
    page.select_option("#offer_settlement", AKTOBE)
    page.fill("#offer_conditions", "women and children only")
    page.click("#offer-submit")
    wait_for_path(page, "/aid")
    assert "women and children only" in page.locator("#offers").inner_text()
    axe = {"aid": _serious(page, source)}

    page.click(f"a[href='/aid/requests/{request_id}']")
    wait_for_path(page, f"/aid/requests/{request_id}")
    suggestion = page.locator(".option").first.inner_text()
    assert "offers exactly this kind of help" in suggestion and "available now" in suggestion
    assert "6 left: covers all 3" in suggestion
    axe["request"] = _serious(page, source)
    page.click("button:has-text('Commit')")
    wait_for_path(page, "/aid")
    page.click("#commitments button:has-text('Show contact')")
    assert page.locator("#contact-name").inner_text() == "Айгерим"
    page.go_back()
    page.fill("#commitments input[name=quantity]", "2")
    page.click("#commitments button:has-text('Mark fulfilled')")
    wait_for_path(page, "/aid")
    with transaction(live_site.engine) as db_session:
        request = db_session.get(AidRequest, request_id)
        assert request is not None and (request.status, request.fulfilled) == ("open", 2)

    # the last one, from the request page again
    page.goto(f"{live_site.url}/aid/requests/{request_id}")
    assert page.locator("#still-needed").inner_text() == "1"
    page.click("button:has-text('Commit')")
    wait_for_path(page, "/aid")
    page.click("#commitments button:has-text('Mark fulfilled')")
    wait_for_path(page, "/aid")
    context.close()
    with transaction(live_site.engine) as db_session:
        request = db_session.get(AidRequest, request_id)
        assert request is not None and (request.status, request.fulfilled) == ("fulfilled", 3)
    assert {name: found for name, found in axe.items() if found} == {}


def test_the_help_pages_pass_axe_in_every_language_and_fit_a_phone(
    browser: Any, live_site: LiveSite
) -> None:
    source = _axe_source()
    request_id = add_request(live_site.engine, settlement_id=AKTOBE, kind="legal")
    paths = ("/aid/coordinator", "/aid", f"/aid/requests/{request_id}", "/help/ask",
             "/help/volunteer")  # fmt: skip
    found, widths, legends = {}, {}, {}
    for language, viewport in (("kk", None), ("ru", {"width": 390, "height": 844}), ("en", None)):
        context = browser.new_context(locale="en-US", viewport=viewport)
        page = context.new_page()
        watch = PageWatch(page, live_site)
        sign_in(page, live_site, "coordinator")
        wait_for_path(page, "/coordinator/replan")
        for path in paths:
            page.goto(f"{live_site.url}{path}?lang={language}")
            if path == "/aid/coordinator":
                # the map of open requests is drawn, under the content policy, before the audit
                page.wait_for_selector("#aid-map[data-drawn='1'] .main-svg", state="attached")
                legends[language] = page.locator("#aid-map .legendtext").all_text_contents()
                watch.assert_clean(f"{path} {language}")
            found[f"{path} {language}"] = _serious(page, source)
            if viewport is not None:
                widths[path] = page.evaluate("document.documentElement.scrollWidth")
        context.close()
    assert {"заң көмегі", "юридическая помощь", "legal help"} <= {
        word for words in legends.values() for word in words
    }
    assert "legal help" not in legends["ru"]
    assert {name: problems for name, problems in found.items() if problems} == {}
    assert {path: width for path, width in widths.items() if width > 390} == {}
