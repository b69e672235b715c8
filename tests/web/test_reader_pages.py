"""Pages keep the reader's language and what the reader typed: language links keep the query,
sign-in keeps the chosen language, refusals are pages (not JSON) that keep the form, and no
page of personal data is cached."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import qonaq.web
from qonaq.auth.service import end_session
from qonaq.db.session import transaction
from qonaq.i18n import gettext, number, percent, signed
from qonaq.jobs.queue import InProcessWorker
from qonaq.web.deps import LANGUAGE_COOKIE, SESSION_COOKIE
from tests.web.conftest import PASSWORD, Site, post_login
from tests.web.test_pages import FORM, placed_letter_path, signed_in
from tests.web.test_refusals import session_client

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def language_links(html: str) -> dict[str, str]:
    """The header's language links by language code."""
    links = re.findall(r'<a href="([^"]+)" hreflang="(\w+)"', html)
    return {code: href.replace("&amp;", "&") for href, code in links}


def test_language_links_keep_the_query_and_replace_only_lang(sqlite_site: Site) -> None:
    public = TestClient(sqlite_site.client.app)
    page = public.get("/verify/7?code=abc123&lang=en&x=%C3%A4+b")
    links = language_links(page.text)
    assert links["kk"] == "/verify/7?code=abc123&x=%C3%A4+b&lang=kk"
    assert links["ru"] == "/verify/7?code=abc123&x=%C3%A4+b&lang=ru"


def test_switching_language_on_a_verify_link_keeps_it_genuine(sqlite_site: Site) -> None:
    client, token = signed_in(sqlite_site, "registrar")
    letter = client.get(placed_letter_path(client, token))
    found = re.search(r"/verify/\d+\?code=\w+", letter.text)
    assert found is not None
    public = TestClient(sqlite_site.client.app)
    genuine = public.get(found.group(0))
    assert genuine.status_code == 200
    in_kazakh = public.get(language_links(genuine.text)["kk"])
    assert in_kazakh.status_code == 200
    assert gettext("kk", "This placement letter is genuine.") in in_kazakh.text


def test_places_are_named_in_the_readers_language(sqlite_site: Site) -> None:
    # the tiny country's region has a Russian name; its settlements only English ones
    client, token = signed_in(sqlite_site, "registrar")
    letter = client.get(placed_letter_path(client, token))  # a Russian-speaking household
    assert "(Западно-Казахстанская)" in letter.text
    found = re.search(r"/verify/\d+\?code=\w+", letter.text)
    assert found is not None
    verify = TestClient(sqlite_site.client.app).get(found.group(0) + "&lang=kk")
    assert "(Батыс Қазақстан)" in verify.text
    registered = client.post(
        "/desk/register",
        data={**FORM, "m0_document_number": "70 0000009", "m1_document_number": "II-AB 000009",
              "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    options = client.get(registered.headers["location"] + "?lang=ru")
    assert options.status_code == 200 and "(Западно-Казахстанская)" in options.text
    coordinator, csrf = session_client(sqlite_site, "coordinator")
    queued = coordinator.post(
        "/coordinator/replan?lang=kk", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert queued.status_code == 303
    InProcessWorker(sqlite_site.engine).run_queued()
    preview = coordinator.get(queued.headers["location"] + "&lang=kk")
    assert preview.status_code == 200 and "(Батыс Қазақстан)" in preview.text


def test_sign_in_keeps_the_language_chosen_on_the_sign_in_page(sqlite_site: Site) -> None:
    browser = TestClient(sqlite_site.client.app)
    browser.get("/login?lang=kk")
    assert post_login(browser, "registrar", PASSWORD).status_code == 303
    assert browser.cookies.get(LANGUAGE_COOKIE) == "kk"
    assert 'lang="kk"' in browser.get("/desk").text
    # without a choice, the user's own language (English for the test users)
    fresh = TestClient(sqlite_site.client.app)
    assert post_login(fresh, "registrar", PASSWORD).status_code == 303
    assert fresh.cookies.get(LANGUAGE_COOKIE) == "en"


@pytest.mark.parametrize("path", ["/desk", "/desk/households/1", "/login", "/verify/1?code=x"])
def test_pages_are_never_cached(sqlite_site: Site, path: str) -> None:
    client, _csrf = session_client(sqlite_site, "registrar")
    assert client.get(path).headers["cache-control"] == "no-store"


def test_api_answers_are_never_cached(sqlite_site: Site) -> None:
    auth = sqlite_site.auth("registrar")
    for path in ("/api/v1/households/1", "/api/v1/settlements", "/api/v1/openapi.json"):
        response = sqlite_site.client.get(path, headers=auth)
        assert response.headers["cache-control"] == "no-store", path


def test_a_refused_role_is_a_page_in_the_readers_language(sqlite_site: Site) -> None:
    client, _csrf = session_client(sqlite_site, "host")
    response = client.get("/desk?lang=ru")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert gettext("ru", "Your role may not do this.") in response.text
    api = sqlite_site.client.get("/api/v1/households/1", headers=sqlite_site.auth("host"))
    assert api.status_code == 403 and api.json() == {"detail": "your role may not do this"}


def test_a_form_address_opened_as_a_page_is_a_page(sqlite_site: Site) -> None:
    client, _csrf = session_client(sqlite_site, "registrar")
    response = client.get("/desk/register?lang=kk")
    assert response.status_code == 405
    assert (
        gettext("kk", "This address is not a page to open: go back and use the page's buttons.")
        in response.text
    )
    assert "Method Not Allowed" not in response.text and 'lang="kk"' in response.text
    assert sqlite_site.client.get("/api/v1/nothing").json() == {"detail": "Not Found"}


def test_a_stale_form_is_offered_again_with_the_current_token(sqlite_site: Site) -> None:
    client, csrf = session_client(sqlite_site, "registrar")
    data = {**FORM, "csrf_token": "from-an-older-session"}
    stale = client.post("/desk/register?lang=ru", data=data, headers=SAME_ORIGIN)
    assert stale.status_code == 403
    assert 'value="Zinaida Secretname"' in stale.text and f'value="{csrf}"' in stale.text
    again = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', stale.text))
    sent = client.post("/desk/register", data=again, follow_redirects=False)
    assert sent.status_code == 303 and "/desk/households/" in sent.headers["location"]
    # another site's post is not turned into a one-click form
    forged = client.post("/desk/register?lang=ru", data=data, headers={"Origin": "https://evil"})
    assert forged.status_code == 403 and "Secretname" not in forged.text
    assert gettext("ru", "Cannot do this") in forged.text


def test_an_expired_session_keeps_the_typed_form_across_the_sign_in(sqlite_site: Site) -> None:
    client, csrf = signed_in(sqlite_site, "registrar")
    with transaction(sqlite_site.engine) as db_session:
        end_session(db_session=db_session, token=client.cookies[SESSION_COOKIE])
    data = {**FORM, "csrf_token": csrf}
    expired = client.post("/desk/register?lang=ru", data=data, headers=SAME_ORIGIN)
    assert expired.status_code == 401 and "{" not in expired.text.split("<main>")[1][:50]
    assert gettext("ru", "Your session has ended. Sign in again to send what you typed.") in (
        expired.text
    )
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', expired.text))
    assert form["resume:m0_full_name"] == "Zinaida Secretname" and "resume:csrf_token" not in form
    wrong = client.post("/login", data={**form, "username": "registrar", "password": "no"})
    assert wrong.status_code == 401 and 'value="Zinaida Secretname"' in wrong.text
    resumed = client.post("/login", data={**form, "username": "registrar", "password": PASSWORD})
    assert resumed.status_code == 200 and 'action="/desk/register"' in resumed.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', resumed.text))
    sent = client.post("/desk/register", data=fields, follow_redirects=False)
    assert sent.status_code == 303 and "/desk/households/" in sent.headers["location"]
    household = client.get(sent.headers["location"])
    assert household.status_code == 200


def test_an_expired_session_on_a_page_returns_to_it_with_its_query(sqlite_site: Site) -> None:
    browser = TestClient(sqlite_site.client.app)
    response = browser.get("/coordinator/audit?action=x&page=2", follow_redirects=False)
    assert response.status_code == 303
    assert (
        response.headers["location"] == "/login?next=%2Fcoordinator%2Faudit%3Faction%3Dx%26page%3D2"
    )


def test_the_dashboard_data_is_in_the_readers_language(sqlite_site: Site) -> None:
    view = sqlite_site.client.get(
        "/api/v1/dashboard?language=ru", headers=sqlite_site.auth("coordinator")
    ).json()
    names = [trace["name"] for trace in view["per_day"]["data"]]
    assert names == [gettext("ru", "registered"), gettext("ru", "placed")]
    # every settlement on the map, none placed yet, with its free room in Russian numbers
    hover = view["load_map"]["data"][1]["text"]
    assert len(hover) == 3
    oral = next(text for text in hover if text.startswith("Oral"))
    assert oral.startswith("Oral (Западно-Казахстанская)")
    assert "5\xa0000" in oral and "0\xa0%" in oral
    assert view["load_map"]["layout"]["separators"] == ", "


def test_numbers_on_pages_are_written_as_the_reader_writes_them() -> None:
    assert number(1234567.4, "ru") == "1\xa0234\xa0567"
    assert number(1234567, "en") == "1,234,567"
    assert signed(1234, "kk") == "+1\xa0234" and signed(-56, "en") == "-56"
    assert percent(0.0123, "ru") == "1,23%" and percent(0.0123, "en") == "1.23%"
    # no template formats a number the US way any more
    us_style = re.compile(r'"\{:[+,.0-9]*[f%]?\}"\.format')
    pages = sorted((Path(qonaq.web.__file__).parent / "templates").glob("*.html"))
    assert pages and [p.name for p in pages if us_style.search(p.read_text())] == []
