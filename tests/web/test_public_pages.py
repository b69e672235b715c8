"""The arrivals' pages without sign-in: start, pre-register (code and QR), the desk's
completion, my status; the flood guard (rate limit, puzzle); nothing personal in logs."""

import logging
import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from qonaq.auth.flood import leading_zero_bits, solve, solves
from qonaq.config import get_settings
from qonaq.db.session import transaction
from qonaq.registry.models import Household
from tests.aid.factories import add_request
from tests.support.public_forms import challenge_fields, post_public
from tests.web.conftest import Site
from tests.web.test_refusals import session_client

NAME, DOCUMENT, BORN = "Zhanna Unforgettable", "45 06 998877", "1977-03-09"
PERSONAL = ("Unforgettable", "998877", BORN)


def _member(**change: str) -> dict[str, str]:
    values = {
        "m0_full_name": NAME, "m0_birth_date": BORN, "m0_sex": "F", "m0_citizenship": "RUS",
        "m0_document_type": "passport", "m0_document_number": DOCUMENT,
    }  # fmt: skip
    return {**values, **change}


def _household(**change: str) -> dict[str, str]:
    return {"member_count": "1", "origin": "hub:syrym", "language": "kk", **_member(**change)}


def _post(client: TestClient, path: str, fields: dict[str, str]) -> Response:
    return post_public(client, path, fields, follow_redirects=False)


def _code(page: str) -> str:
    found = re.search(r'id="code">([0-9A-Z]{4}-[0-9A-Z]{4})<', page)
    assert found is not None, page
    return found.group(1)


@pytest.fixture
def public(sqlite_site: Site) -> Iterator[TestClient]:
    """A browser without any session."""
    yield TestClient(sqlite_site.client.app)


def test_the_start_page_is_the_arrivals_and_staff_keep_their_landing(
    sqlite_site: Site, public: TestClient
) -> None:
    for language, words in (("kk", "Қош келдіңіз"), ("ru", "Добро пожаловать"), ("en", "Welcome")):
        page = public.get(f"/?lang={language}")
        assert page.status_code == 200 and words in page.text
        for link in ("/pre-register", "/status", "/help/ask", "/login"):
            assert f'href="{link}"' in page.text
    registrar, _csrf = session_client(sqlite_site, "registrar")
    landing = registrar.get("/", follow_redirects=False)
    assert landing.status_code == 303 and landing.headers["location"] == "/desk"


def test_public_pages_are_light_and_every_asset_is_local(public: TestClient) -> None:
    for path in ("/", "/pre-register", "/status"):
        page = public.get(path)
        assert page.status_code == 200
        assert len(page.content) < 60_000, (path, len(page.content))
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert all(a.startswith(("/", "#")) for a in assets), assets
        assert "plotly" not in page.text.lower()
    script = public.get("/static/public.js")
    assert script.status_code == 200 and len(script.content) < 3000


def test_preregister_gives_a_code_and_a_qr_and_keeps_it_unplaced(public: TestClient) -> None:
    done = _post(public, "/pre-register?lang=kk", _household())
    assert done.status_code == 200, done.text
    assert "<svg" in done.text and _code(done.text)
    assert "Unforgettable" not in done.text


def test_a_validation_error_keeps_everything_typed(public: TestClient) -> None:
    refused = _post(public, "/pre-register?lang=en", _household(m0_document_number="1234"))
    assert refused.status_code == 422
    text = refused.text
    assert "a Russian passport is written" in text and f'value="{NAME}"' in text
    assert f'value="{BORN}"' in text and 'value="hub:syrym" selected' in text


def test_a_form_without_the_solved_puzzle_or_with_a_spent_one_is_refused(
    public: TestClient,
) -> None:
    page = public.get("/pre-register?lang=en")
    unsolved = public.post(
        "/pre-register?lang=en", data={**_household(), "challenge": "x", "challenge_answer": "1"}
    )
    assert unsolved.status_code == 403 and "check did not finish" in unsolved.text
    assert f'value="{NAME}"' in unsolved.text
    solved = challenge_fields(page.text)
    first = public.post("/pre-register?lang=en", data={**_household(), **solved})
    again = public.post("/pre-register?lang=en", data={**_household(), **solved})
    assert first.status_code == 200 and again.status_code == 403


def test_the_puzzle_is_what_the_page_says() -> None:
    challenge = "1700000000.abcdef.8.sig"
    answer = solve(challenge)
    assert solves(challenge, answer, 8) and not solves(challenge, str(int(answer) - 1), 8)
    assert leading_zero_bits(b"\x00\x0f") == 12 and leading_zero_bits(b"\x80") == 0


def test_too_many_posts_from_one_client_get_a_429_in_its_language_keeping_the_form(
    public: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QONAQ_PUBLIC_POSTS_PER_HOUR", "2")
    get_settings.cache_clear()
    try:
        for _ in range(2):
            assert _post(public, "/status?lang=ru", {"code": "AAAA-BBBB"}).status_code == 404
        limited = _post(public, "/status?lang=ru", {"code": "AAAA-BBBB", "birth_date": BORN})
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
        assert "Слишком много" in limited.text and 'value="AAAA-BBBB"' in limited.text
        # the other form counts its own posts
        other = _post(public, "/pre-register?lang=ru", _household())
        assert other.status_code == 200
    finally:
        get_settings.cache_clear()


def test_a_wrong_code_and_a_wrong_birth_date_answer_alike_and_as_slowly(
    public: TestClient,
) -> None:
    code = _code(_post(public, "/pre-register?lang=en", _household()).text)
    answers = {}
    for name, fields in {
        "right": {"code": code, "birth_date": BORN},
        "wrong birth date": {"code": code, "birth_date": "1977-03-10"},
        "wrong code": {"code": "AAAA-BBBB", "birth_date": BORN},
        "no date": {"code": code, "birth_date": "soon"},
    }.items():
        started = time.monotonic()
        response = _post(public, "/status?lang=en", fields)
        answers[name] = (response, time.monotonic() - started)
    right = answers.pop("right")[0]
    assert right.status_code == 200 and "Pre-registered" in right.text
    bodies = set()
    for name, (response, took) in answers.items():
        assert response.status_code == 404 and took >= 0.4, (name, took)
        text = re.sub(r'value="[^"]*"', "", response.text)
        bodies.add(text)
    assert len(bodies) == 1


def test_preregistered_found_at_the_desk_completed_and_shown_placed(
    sqlite_site: Site, public: TestClient
) -> None:
    code = _code(_post(public, "/pre-register?lang=en", _household()).text)
    desk, csrf = session_client(sqlite_site, "registrar")
    found = desk.post("/desk/search?lang=en", data={"terms": DOCUMENT, "csrf_token": csrf})
    assert found.status_code == 200 and 'data-preregistration="' in found.text
    scanned = desk.get(
        f"/desk/preregistrations?code=https://qonaq.example.kz/desk/preregistrations?code={code}",
        follow_redirects=False,
    )
    assert scanned.status_code == 303
    form = desk.get(scanned.headers["location"] + "?lang=en")
    assert 'id="self-declared"' in form.text and f'value="{NAME}"' in form.text
    action = re.search(r'id="register-form"', form.text) and re.search(
        r'action="(/desk/preregistrations/\d+/complete)"', form.text
    )
    assert action
    corrected = {**_household(m0_full_name="Zhanna Unforgettable-Ova"), "csrf_token": csrf}
    done = desk.post(action.group(1), data=corrected, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/desk/households/")
    household_page = desk.get(done.headers["location"] + "?lang=en")
    assert "Unforgettable-Ova" in household_page.text
    again = desk.get(scanned.headers["location"], follow_redirects=False)
    assert again.headers["location"] == done.headers["location"]
    household_id = int(done.headers["location"].rsplit("/", 1)[1])
    with transaction(sqlite_site.engine, writes=False) as db_session:
        reference = db_session.get(Household, household_id).reference  # type: ignore[union-attr]
    add_request(sqlite_site.engine, household_code=reference, kind="sim_card")
    status = _post(public, "/status?lang=ru", {"code": code, "birth_date": BORN})
    assert status.status_code == 200 and "Ваши просьбы о помощи" in status.text
    assert "SIM-карта" in status.text and "доставлено 0 из 3" in status.text
    assert "998877" not in status.text and "Unforgettable" not in status.text


def test_nothing_personal_reaches_a_log(
    public: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    _post(public, "/pre-register?lang=en", _household(m0_document_number="1234"))
    code = _code(_post(public, "/pre-register?lang=en", _household()).text)
    _post(public, "/status?lang=en", {"code": code, "birth_date": BORN})
    assert caplog.text and [v for v in (*PERSONAL, code) if v in caplog.text] == []
