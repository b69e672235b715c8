"""A registrar registers a family of four in the browser, places it, prints its letter; a host
confirms the arrival; the pages switch to Kazakh."""

from fnmatch import fnmatch
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import expect

from qonaq.auth.actor import Actor
from qonaq.auth.service import create_user
from qonaq.db.session import transaction
from qonaq.i18n import gettext
from tests.e2e.conftest import PASSWORD, LiveSite

FAMILY = [
    ("Anna Sokolova", "1988-03-02", "F", "passport", "72 1111111"),
    ("Pavel Sokolov", "1986-11-20", "M", "passport", "72 2222222"),
    ("Lena Sokolova", "2015-06-01", "F", "birth_certificate", "IV-MJ 111111"),
    ("Oleg Sokolov", "2019-09-09", "M", "birth_certificate", "IV-MJ 222222"),
]


def sign_in(page: Any, site: LiveSite, username: str) -> None:
    page.goto(f"{site.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def wait_for_path(page: Any, pattern: str) -> None:
    """Wait until the page's path matches; a glob on the whole URL would also match
    `/login?next=/desk` before the sign-in redirect lands."""
    page.wait_for_url(lambda url: fnmatch(urlparse(url).path, pattern))


def fill_member(page: Any, index: int, member: tuple[str, str, str, str, str]) -> None:
    name, born, sex, document_type, number = member
    page.fill(f"[name=m{index}_full_name]", name)
    page.fill(f"[name=m{index}_birth_date]", born)
    page.select_option(f"[name=m{index}_sex]", sex)
    page.select_option(f"[name=m{index}_document_type]", document_type)
    page.fill(f"[name=m{index}_document_number]", number)


def test_register_a_family_of_four_place_it_and_print_the_letter(
    page: Any, live_site: LiveSite
) -> None:
    sign_in(page, live_site, "registrar")
    wait_for_path(page, "/desk")
    page.select_option("#origin", "hub:syrym")
    for index, member in enumerate(FAMILY):
        if index > 0:
            page.click("#add-member")
        fill_member(page, index, member)
    page.check("[name=m0_languages][value=ru]")
    page.click("#register")
    wait_for_path(page, "/desk/households/*")
    options = page.locator(".option")
    assert options.count() == 3
    for n in range(3):
        reasons = options.nth(n).locator(".reasons li")
        assert reasons.count() >= 2
        assert "km" in reasons.first.inner_text()
    assert "4" in page.locator(".card").first.inner_text()
    destination = options.first.get_attribute("data-settlement")
    options.first.locator("button.confirm").click()
    wait_for_path(page, "/letters/*")
    reference = page.locator("#reference").inner_text()
    assert reference.startswith("QN-")
    assert page.locator("#qr svg").count() == 1
    letter_url = page.url

    with transaction(live_site.engine) as db_session:
        create_user(
            db_session=db_session, username="akimat", password=PASSWORD, role="host",
            actor=Actor("test"), settlement_id=destination, language="en",
        )  # fmt: skip
    host = page.context.browser.new_context().new_page()
    sign_in(host, live_site, "akimat")
    wait_for_path(host, "/host*")
    # other tests of the shared site may have placed households there too
    row = host.locator("#arrivals tr[data-placement]", has_text=reference)
    assert row.count() == 1
    row.locator("button.arrived").click()
    expect(row.locator(".status")).to_have_text("arrived")
    host.context.close()
    assert letter_url


def test_switch_to_kazakh_and_see_kazakh_labels(page: Any, live_site: LiveSite) -> None:
    sign_in(page, live_site, "registrar")
    wait_for_path(page, "/desk")
    assert page.locator("h1").inner_text() == "Register a household"
    page.click("a[data-lang=kk]")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    kazakh_title = gettext("kk", "Register a household")
    assert kazakh_title != "Register a household"
    assert page.locator("h1").inner_text() == kazakh_title
    page.goto(f"{live_site.url}/desk")
    # the choice is remembered on the next page
    assert page.locator("#register").inner_text() == gettext(
        "kk", "Register and see placement options"
    )
