"""In the browser: a language switch keeps the page (a verify link stays genuine), places are
named in the reader's language, sign-in keeps the chosen language, Back after confirming
asks the server again, an expired session keeps the typed form, the dashboard speaks Kazakh."""

import itertools
import re
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import delete, select

from qonaq.auth.models import AuthToken
from qonaq.db.session import transaction
from qonaq.geo.gazetteer import display_name
from qonaq.i18n import gettext
from qonaq.settlements.models import Region, Settlement
from tests.e2e.conftest import LiveSite
from tests.e2e.test_desk import FAMILY, fill_member, sign_in, wait_for_path

_families = itertools.count(1)


def fill_a_family(page: Any, site: LiveSite, language: str) -> None:
    """The desk form with a family of two that speaks `language` (unique documents)."""
    n = next(_families)
    page.goto(f"{site.url}/desk")
    page.select_option("#origin", "hub:syrym")
    for index, (name, born, sex, kind, number) in enumerate(FAMILY[:2]):
        if index > 0:
            page.click("#add-member")
        fill_member(page, index, (name, born, sex, kind, f"{number[:3]}{n:03d}{number[6:]}"))
    page.select_option("#language", language)


def place_a_family(page: Any, site: LiveSite, language: str) -> str:
    """Register a family speaking `language`, confirm its first option; its settlement id."""
    fill_a_family(page, site, language)
    page.click("#register")
    wait_for_path(page, "/desk/households/*")
    option = page.locator(".option").first
    destination = str(option.get_attribute("data-settlement"))
    option.locator("button.confirm").click()
    wait_for_path(page, "/letters/*")
    return destination


def place_name(site: LiveSite, settlement_id: str, language: str) -> str:
    with transaction(site.engine, writes=False) as db_session:
        settlement, region = db_session.execute(
            select(Settlement, Region).join(Region).where(Settlement.id == settlement_id)
        ).one()
        return display_name(settlement, region, language)


def test_a_kazakh_letter_and_its_verify_link_in_every_language(
    page: Any, live_site: LiveSite
) -> None:
    sign_in(page, live_site, "registrar")
    wait_for_path(page, "/desk")
    destination = place_a_family(page, live_site, "kk")
    kazakh = place_name(live_site, destination, "kk")
    assert kazakh != place_name(live_site, destination, "en")
    assert page.locator("#destination").inner_text() == kazakh
    letter_text = page.locator(".letter").inner_text()
    verify = re.search(r"/verify/\d+\?code=\w+", letter_text)
    assert verify is not None
    public = page.context.browser.new_context(locale="en-US").new_page()
    public.goto(f"{live_site.url}{verify.group(0)}&lang=en")
    assert gettext("en", "This placement letter is genuine.") in public.inner_text("main")
    for language in ("kk", "ru"):
        public.click(f"a[data-lang={language}]")
        expect(public.locator("html")).to_have_attribute("lang", language)
        text = public.inner_text("main")
        assert gettext(language, "This placement letter is genuine.") in text
        assert place_name(live_site, destination, language) in text
    public.context.close()


def test_signing_in_keeps_the_language_chosen_on_the_sign_in_page(
    page: Any, live_site: LiveSite
) -> None:
    page.goto(f"{live_site.url}/login?lang=kk")
    page.fill("#username", "registrar")  # an English-speaking user
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    wait_for_path(page, "/desk")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    assert page.locator("h1").inner_text() == gettext("kk", "Register a household")


def test_back_after_confirming_shows_the_placement_and_an_empty_form(
    page: Any, live_site: LiveSite
) -> None:
    sign_in(page, live_site, "registrar")
    wait_for_path(page, "/desk")
    place_a_family(page, live_site, "en")
    page.go_back()
    wait_for_path(page, "/desk/households/*")
    # asked again, the household is placed: no stale options to confirm a second time
    expect(page.locator(".notice")).to_contain_text("Placed in")
    assert page.locator(".option button.confirm").count() == 0
    # one more step back: an empty form, not the last family's name and passport number
    page.go_back()
    wait_for_path(page, "/desk")
    assert page.input_value("[name=m0_full_name]") == ""
    assert page.input_value("[name=m0_document_number]") == ""


def test_an_expired_session_keeps_the_typed_form(page: Any, live_site: LiveSite) -> None:
    sign_in(page, live_site, "registrar")
    wait_for_path(page, "/desk")
    fill_a_family(page, live_site, "ru")
    typed = page.input_value("[name=m0_full_name]")
    with transaction(live_site.engine) as db_session:
        db_session.execute(delete(AuthToken).where(AuthToken.kind == "session"))
    page.click("#register")
    expect(page.locator(".errors")).to_contain_text("Your session has ended")
    page.fill("#username", "registrar")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    page.click("#resume button[type=submit]")
    wait_for_path(page, "/desk/households/*")
    assert page.locator(".option").count() >= 1
    with transaction(live_site.engine, writes=False) as db_session:
        from qonaq.registry.models import Person

        names = db_session.scalars(select(Person.full_name)).all()
    assert typed in names


def test_the_dashboard_speaks_kazakh(page: Any, live_site: LiveSite) -> None:
    sign_in(page, live_site, "registrar")
    wait_for_path(page, "/desk")
    place_a_family(page, live_site, "kk")
    page.context.clear_cookies()
    sign_in(page, live_site, "coordinator")
    page.goto(f"{live_site.url}/coordinator/dashboard?lang=kk")
    page.wait_for_function("() => Number(document.body.dataset.refreshed || 0) >= 1")
    figure = page.evaluate(
        "() => ['load-map', 'per-day', 'pressed'].map(id => {"
        " const el = document.getElementById(id);"
        " return {data: el.data, title: el.layout.title.text, sep: el.layout.separators}; })"
    )
    load_map, per_day, pressed = figure
    title = page.inner_text("#load-map-title")
    assert title == gettext("kk", "Placed persons and fill ratio")
    assert [t["name"] for t in per_day["data"]] == [
        gettext("kk", "registered"),
        gettext("kk", "placed"),
    ]
    assert "registered" not in str(per_day["data"]) and "fill ratio" not in str(load_map)
    assert {load_map["sep"], per_day["sep"], pressed["sep"]} == {", "}
    # every settlement on the map, with or without placements, named in Kazakh
    with transaction(live_site.engine, writes=False) as db_session:
        places = db_session.execute(select(Settlement, Region).join(Region)).all()
    bubbles = load_map["data"][1]
    assert len(bubbles["text"]) == len(places)
    names = {display_name(s, r, "kk") for s, r in places}
    assert {text.split("<br>")[0] for text in bubbles["text"]} == names
    assert gettext("kk", "fill") in bubbles["text"][0]
    # the time of the last refresh as Kazakh and Russian pages write it (24 h, no AM/PM)
    updated = page.inner_text("#updated")
    assert re.fullmatch(r"\d\d:\d\d:\d\d", updated), updated
    assert_nothing_is_cut_off(page)
    # on a phone too
    page.set_viewport_size({"width": 390, "height": 900})
    page.reload()
    page.wait_for_function("() => Number(document.body.dataset.refreshed || 0) >= 1")
    assert_nothing_is_cut_off(page)


def assert_nothing_is_cut_off(page: Any) -> None:
    """Chart titles (headings that wrap) and the pressed chart's settlement names lie
    inside their cards."""
    for chart in ("load-map", "per-day", "pressed"):
        card = page.locator(f"#{chart}").bounding_box()
        title = page.locator(f"#{chart}-title")
        assert title.inner_text().strip(), chart
        box = title.bounding_box()
        assert box["x"] >= card["x"] - 1, chart
        assert box["x"] + box["width"] <= card["x"] + card["width"] + 1, chart
        assert page.evaluate(
            "id => { const h = document.getElementById(id); "
            "return h.scrollWidth <= h.clientWidth; }",
            f"{chart}-title",
        ), chart
    card = page.locator("#pressed").bounding_box()
    labels = page.locator("#pressed .ytick text").all()
    assert labels
    for label in labels:
        box = label.bounding_box()
        assert box is not None and box["x"] >= card["x"] - 1, label.inner_text()
