"""An arrival pre-registers on a phone in Kazakh and gets a code; a registrar finds it by the
QR's link, corrects and completes it, and places the household; the household's status page
shows the place. The public pages are axe-clean in kk/ru/en and fit a 390 px phone."""

import re
import statistics
import time
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import LiveSite
from tests.e2e.test_accessibility import _axe_source, _serious
from tests.e2e.test_content_policy import PageWatch
from tests.e2e.test_desk import fill_member, sign_in, wait_for_path

FAMILY = [
    ("Dana Abenova", "1991-04-12", "F", "passport", "75 3131313"),
    ("Timur Abenov", "2016-08-30", "M", "birth_certificate", "II-МЮ 313131"),
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _preregister(page: Any, site: LiveSite, language: str) -> str:
    page.goto(f"{site.url}/?lang={language}")
    page.click("#door-preregister")
    wait_for_path(page, "/pre-register")
    page.select_option("#origin", "hub:syrym")
    page.select_option("#preference_0", index=2)
    for index, member in enumerate(FAMILY):
        if index > 0:
            page.click("#add-member")
        fill_member(page, index, member)
    page.check("[name=m1_needs_medical]")
    page.click("#send")
    expect(page.locator("#code")).to_be_visible()
    code: str = page.locator("#code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
    return code


def _width(page: Any) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def test_preregister_on_a_phone_in_kazakh_complete_at_the_desk_and_see_the_place(
    browser: Any, live_site: LiveSite
) -> None:
    phone = browser.new_context(locale="kk-KZ", **PHONE).new_page()
    code = _preregister(phone, live_site, "kk")
    assert "Алдын ала тіркеу кодыңыз" in phone.content()
    assert phone.locator(".qr svg").count() == 1 and _width(phone) <= 390

    desk = browser.new_context(locale="en-US").new_page()
    sign_in(desk, live_site, "registrar")
    wait_for_path(desk, "/desk")
    desk.goto(f"{live_site.url}/desk/search?lang=en")
    # a scanner types the QR's content: the link with the code
    desk.fill("#terms", f"{live_site.url}/desk/preregistrations?code={code}")
    desk.click("#find")
    desk.locator("#declared a").first.click()
    wait_for_path(desk, "/desk/preregistrations/*")
    expect(desk.locator("#self-declared")).to_be_visible()
    assert desk.input_value("[name=m0_full_name]") == "Dana Abenova"
    assert desk.input_value("[name=m1_document_number]") == "II-МЮ 313131"
    assert desk.is_checked("[name=m1_needs_medical]")
    desk.fill("[name=m1_full_name]", "Timur Abenov Jr")  # the registrar corrects a name
    desk.click("#register")
    wait_for_path(desk, "/desk/households/*")
    assert "Timur Abenov Jr" in desk.content()
    desk.locator(".option").first.locator("button.confirm").click()
    wait_for_path(desk, "/letters/*")

    phone.goto(f"{live_site.url}/status?lang=kk")
    phone.fill("#code", code.lower())
    phone.fill("#birth_date", "2016-08-30")
    phone.click("#show-status")
    expect(phone.locator("#placed-in")).to_be_visible()
    expect(phone.locator("#expected")).to_be_visible()
    shown = phone.content()
    assert "Орналастырылдыңыз" in shown
    assert "313131" not in shown and "Abenov" not in shown and _width(phone) <= 390


def test_public_pages_are_axe_clean_and_fit_a_phone_in_every_language(
    browser: Any, live_site: LiveSite
) -> None:
    source = _axe_source()
    found: dict[str, list[str]] = {}
    widths: dict[str, int] = {}
    context = browser.new_context(locale="ru-RU", **PHONE)
    page = context.new_page()
    for language in ("kk", "ru", "en"):
        for name, path in (
            ("start", "/"),
            ("pre-register", "/pre-register"),
            ("status", "/status"),
        ):
            page.goto(f"{live_site.url}{path}?lang={language}")
            found[f"{name} {language}"] = _serious(page, source)
            widths[f"{name} {language}"] = _width(page)
        code = _preregister(page, live_site, language)
        found[f"code {language}"] = _serious(page, source)
        widths[f"code {language}"] = _width(page)
        page.goto(f"{live_site.url}/status?lang={language}")
        page.fill("#code", code)
        page.fill("#birth_date", FAMILY[0][1])
        page.click("#show-status")
        expect(page.locator("#status")).to_be_visible()
        found[f"my status {language}"] = _serious(page, source)
        widths[f"my status {language}"] = _width(page)
    context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}
    assert {name: width for name, width in widths.items() if width > 390} == {}


def test_a_form_typed_before_the_puzzle_is_solved_is_sent_once_it_is(
    browser: Any, live_site: LiveSite
) -> None:
    """A slow phone (CPU 6x slower): the page solves the puzzle in well under a few seconds,
    and a status form sent at once waits for it instead of being refused."""
    page = browser.new_context(locale="en-US", **PHONE).new_page()
    page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 6})
    took = []
    for _ in range(5):
        page.goto(f"{live_site.url}/status?lang=en")
        started = time.monotonic()
        page.wait_for_function("document.querySelector('[name=challenge_answer]').value !== ''")
        took.append(time.monotonic() - started)
    print(f"puzzle solved in {statistics.median(took):.2f} s median, {max(took):.2f} s at most")
    assert statistics.median(took) < 3
    page.goto(f"{live_site.url}/status?lang=en")
    page.fill("#code", "AAAA-BBBB")
    page.fill("#birth_date", "1990-01-01")
    page.click("#show-status")
    expect(page.locator(".errors")).to_contain_text("No household matches")


def test_the_public_pages_run_under_the_policy_and_load_nothing_from_outside(
    page: Any, live_site: LiveSite
) -> None:
    watched = PageWatch(page, live_site)
    code = _preregister(page, live_site, "ru")
    page.evaluate("() => { window.print = () => { document.body.dataset.printed = '1'; }; }")
    page.click("#print")
    assert page.evaluate("() => document.body.dataset.printed") == "1"
    page.goto(f"{live_site.url}/status?lang=ru")
    page.fill("#code", code)
    page.fill("#birth_date", FAMILY[0][1])
    page.click("#show-status")
    expect(page.locator("#status")).to_be_visible()
    watched.assert_clean("start, pre-register, code, status")
