"""The HTML pages with a browser-like cookie session: CSRF, the letter, its public check, logs."""

import logging
import re

import pytest
import segno
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from qonaq.config import get_settings
from qonaq.db.session import transaction
from qonaq.geo.settlements_file import parse_settlements
from qonaq.settlements.service import import_settlements
from tests.settlements.test_importer import csv_text
from tests.web.conftest import PASSWORD, PUBLIC_URL, Site, make_site, post_login

FORM = {
    "origin": "hub:syrym",
    "language": "ru",
    "member_count": "2",
    "m0_full_name": "Zinaida Secretname",
    "m0_birth_date": "1980-01-15",
    "m0_sex": "F",
    "m0_citizenship": "RUS",
    "m0_document_type": "passport",
    "m0_document_number": "70 0000001",
    "m1_full_name": "Kolya Secretname",
    "m1_birth_date": "2012-04-04",
    "m1_sex": "M",
    "m1_citizenship": "RUS",
    "m1_document_type": "birth_certificate",
    "m1_document_number": "II-AB 000001",
}


def signed_in(site: Site, role: str) -> tuple[TestClient, str]:
    """A client with a session cookie, and the CSRF token of its forms."""
    client = TestClient(site.client.app)
    response = post_login(client, role, PASSWORD)
    assert response.status_code == 303
    page = client.get("/desk" if role != "host" else "/host")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return client, token.group(1)


def test_wrong_password_is_refused(sqlite_site: Site) -> None:
    client = TestClient(sqlite_site.client.app)
    response = post_login(client, "registrar", "nope", url="/login?lang=en")
    assert response.status_code == 401 and "Wrong username or password" in response.text


def test_forms_without_the_csrf_token_are_refused(sqlite_site: Site) -> None:
    client, _token = signed_in(sqlite_site, "registrar")
    response = client.post("/desk/register", data=FORM, follow_redirects=False)
    assert response.status_code == 403
    response = client.post(
        "/desk/register", data={**FORM, "csrf_token": "forged"}, follow_redirects=False
    )
    assert response.status_code == 403


def placed_letter_path(client: TestClient, token: str) -> str:
    """Register FORM's household, confirm its first option; the path of its letter."""
    response = client.post(
        "/desk/register", data={**FORM, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    options = re.findall(r'data-settlement="([^"]+)"', page.text)
    assert 1 <= len(options) <= 3
    confirmed = client.post(
        f"{response.headers['location']}/confirm",
        data={"csrf_token": token, "settlement_id": options[0]},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    return str(confirmed.headers["location"])


def test_register_place_print_and_verify(
    sqlite_site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, token = signed_in(sqlite_site, "registrar")
    letter = client.get(placed_letter_path(client, token))
    assert letter.status_code == 200 and "<svg" in letter.text
    # the letter is in the household's language (Russian here)
    assert 'lang="ru"' in letter.text
    verify_url = re.search(rf"({PUBLIC_URL}/verify/\d+\?code=\w+)", letter.text)
    assert verify_url is not None
    public = TestClient(sqlite_site.client.app)
    genuine = public.get(verify_url.group(1).removeprefix(PUBLIC_URL))
    assert genuine.status_code == 200 and "Secretname" not in genuine.text
    forged = public.get(
        re.sub(r"code=\w+", "code=0000", verify_url.group(1)).removeprefix(PUBLIC_URL)
    )
    assert forged.status_code == 404
    assert "Secretname" not in caplog.text and "70 0000001" not in caplog.text


def test_a_refused_page_action_shows_the_error_page_with_the_signed_in_header(
    sqlite_site: Site,
) -> None:
    client, token = signed_in(sqlite_site, "coordinator")
    response = client.post(
        "/host/capacity",
        data={
            "csrf_token": token, "settlement_id": "nowhere",
            "cap_persons": "1", "cap_children": "1", "cap_medical": "1",
        },
    )  # fmt: skip
    assert response.status_code == 404
    assert "unknown settlement nowhere" in response.text
    assert 'action="/logout"' in response.text  # the header still knows who is signed in


def test_the_letters_qr_link_ignores_a_forged_host_header(sqlite_site: Site) -> None:
    client, token = signed_in(sqlite_site, "registrar")
    path = placed_letter_path(client, token)
    letter = client.get(path, headers={"Host": "evil.example"})
    assert letter.status_code == 200
    assert "evil.example" not in letter.text
    link = re.search(rf"{PUBLIC_URL}/verify/\d+\?code=\w+", letter.text)
    assert link is not None
    # the QR code encodes that link: the same SVG segno draws for it
    assert segno.make(link.group(0), error="m").svg_inline(scale=4) in letter.text


def test_without_a_public_url_the_link_uses_the_configured_host_and_port(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QONAQ_HOST", "10.0.0.7")
    monkeypatch.setenv("QONAQ_PORT", "8080")
    monkeypatch.delenv("QONAQ_PUBLIC_URL", raising=False)
    get_settings.cache_clear()
    try:
        site = make_site(sqlite_engine, public_url=None)
    finally:
        get_settings.cache_clear()
    client, token = signed_in(site, "registrar")
    letter = client.get(placed_letter_path(client, token), headers={"Host": "evil.example"})
    assert "http://10.0.0.7:8080/verify/" in letter.text
    assert "evil.example" not in letter.text and "testserver" not in letter.text


def test_duplicate_on_the_form_links_the_existing_household(sqlite_site: Site) -> None:
    client, token = signed_in(sqlite_site, "registrar")
    first = client.post(
        "/desk/register", data={**FORM, "csrf_token": token}, follow_redirects=False
    )
    again = client.post("/desk/register", data={**FORM, "csrf_token": token})
    assert again.status_code == 409
    assert first.headers["location"] in again.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"m0_birth_date": "2999-01-01"}, "future"),
        ({"m0_iin": "800115400013"}, "iin"),
        ({"member_count": "0", "m0_full_name": "", "m1_full_name": ""}, "members"),
        ({"origin": "hub:nowhere"}, "unknown entry hub"),
        ({"preference_0": "atlantis"}, "unknown settlement"),
    ],
)
def test_bad_forms_are_shown_again_with_the_reason(
    sqlite_site: Site, change: dict[str, str], message: str
) -> None:
    client, token = signed_in(sqlite_site, "registrar")
    form = {**FORM, "csrf_token": token, **change}
    if change.get("member_count") == "0":
        form = {
            k: v for k, v in form.items() if not k.startswith("m1_") and not k.startswith("m0_")
        }
    response = client.post("/desk/register", data=form)
    assert 400 <= response.status_code < 500
    assert message in response.text.lower()


def test_host_declares_capacity_on_its_page(sqlite_site: Site) -> None:
    client, token = signed_in(sqlite_site, "host")
    page = client.get("/host")
    assert "Small" in page.text
    form = {"csrf_token": token, "settlement_id": "small", "cap_children": "5", "cap_medical": "2"}
    bad = client.post("/host/capacity", data={**form, "cap_persons": "-3"})
    assert bad.status_code == 422
    good = client.post("/host/capacity", data={**form, "cap_persons": "25"}, follow_redirects=False)
    assert good.status_code == 303
    # a host's form names only its own settlement, whatever id is posted
    other = client.post(
        "/host/capacity",
        data={**form, "settlement_id": "oral", "cap_persons": "1"},
        follow_redirects=False,
    )
    assert other.status_code == 303
    settlements = {
        s["id"]: s
        for s in sqlite_site.client.get(
            "/api/v1/settlements", headers=sqlite_site.auth("admin")
        ).json()
    }
    assert (
        settlements["small"]["cap_persons"] == 1
        and settlements["small"]["capacity_source"] == "declared"
    )
    assert settlements["oral"]["cap_persons"] == 5000


def test_form_errors_are_in_the_readers_language(sqlite_site: Site) -> None:
    from qonaq.i18n import gettext

    client, token = signed_in(sqlite_site, "registrar")
    form = {**FORM, "csrf_token": token, "m0_birth_date": "2999-01-01", "m1_full_name": ""}
    response = client.post("/desk/register?lang=kk", data=form)
    assert response.status_code == 422
    assert gettext("kk", "birth date is in the future") in response.text
    assert gettext("kk", "Birth date") in response.text
    assert "birth date is in the future" not in response.text


def test_an_override_without_reason_is_shown_again_and_nothing_is_placed(
    sqlite_site: Site,
) -> None:
    far_away = "far,Far,East Kazakhstan,49.9,82.6,30000,town,1,500,100,20,0,0,0"
    with transaction(sqlite_site.engine) as db_session:
        records = parse_settlements("far.csv", csv_text(far_away))
        import_settlements(
            db_session=db_session, records=records, actor_label="test", source="far.csv"
        )
    client, token = signed_in(sqlite_site, "registrar")
    registered = client.post(
        "/desk/register", data={**FORM, "csrf_token": token}, follow_redirects=False
    )
    household_url = registered.headers["location"]
    page = client.get(household_url)
    recommended = set(re.findall(r'data-settlement="([^"]+)"', page.text))
    assert len(recommended) == 3 and "far" not in recommended
    refused = client.post(
        f"{household_url}/confirm", data={"csrf_token": token, "settlement_id": "far"}
    )
    assert refused.status_code == 409 and "written reason" in refused.text
    # the page still offers the options, and the household is still pending
    assert "data-settlement" in refused.text
    household_id = household_url.rsplit("/", 1)[1]
    status = sqlite_site.client.get(
        f"/api/v1/households/{household_id}", headers=sqlite_site.auth("registrar")
    )
    assert status.json()["status"] == "pending"
