"""No personal value reaches a log or an error message, on any error path, on both databases:
control characters are refused before the database, and statements never carry parameters
into logs or exceptions."""

import logging
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.registry.schemas import HouseholdCreate, PersonCreate
from qonaq.registry.service import register_household
from tests.web.conftest import make_site

NAME, DOCUMENT, PHONE, BORN = "Zhanna Unforgettable", "45 9988776", "+7 701 555 0199", "1977-03-09"
PERSONAL = (NAME.split()[1], "9988776", "555 0199", BORN)


def _member(**change: object) -> dict[str, object]:
    return {
        "full_name": NAME, "birth_date": BORN, "sex": "F", "citizenship": "RUS",
        "document_type": "passport", "document_number": DOCUMENT, "phone": PHONE, **change,
    }  # fmt: skip


def _leaks(text: str) -> list[str]:
    return [value for value in PERSONAL if value in text]


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    # even with statement logging on, parameters stay hidden (both restored after the test)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    return caplog


@pytest.mark.parametrize(
    "change",
    [
        {"full_name": NAME + "\x00"},
        {"full_name": "Zhanna\x1bUnforgettable"},
        {"document_number": DOCUMENT + "\x00"},
        {"phone": PHONE + "\x00"},
    ],
)
def test_control_characters_are_refused_with_a_422_that_leaks_nothing(
    migrated_engine: Engine, everything_logged: pytest.LogCaptureFixture, change: dict[str, str]
) -> None:
    site = make_site(migrated_engine)
    response = site.client.post(
        "/api/v1/households",
        json={"origin_hub_id": "syrym", "members": [_member(**change)]},
        headers=site.auth("registrar"),
    )
    assert response.status_code == 422, response.text
    assert _leaks(response.text) == [] and _leaks(everything_logged.text) == []


def test_a_control_character_in_the_address_is_a_400(migrated_engine: Engine) -> None:
    site = make_site(migrated_engine)
    for path in ("/api/v1/settlements/oral%00/placements", "/coordinator/audit?action=%00x"):
        response = site.client.get(path, headers=site.auth("coordinator"))
        assert response.status_code == 400, (path, response.status_code)


def test_a_value_the_database_refuses_leaves_no_trace_of_it(
    migrated_engine: Engine, everything_logged: pytest.LogCaptureFixture
) -> None:
    """Validation bypassed on purpose: whatever the database says, no value is repeated."""
    make_site(migrated_engine)
    member = PersonCreate.model_construct(
        **{**_member(), "birth_date": date.fromisoformat(BORN), "iin": None, "languages": [],
           "occupation": None, "needs_medical": False, "disability": False},
    )  # fmt: skip
    again = PersonCreate.model_construct(**{**member.__dict__, "full_name": NAME + "\x00"})
    for data in (
        # a second registration of the same document hits the unique index
        HouseholdCreate.model_construct(
            members=[member, member], origin_hub_id="syrym", origin_settlement_id=None,
            preferences=[], language="ru",
        ),
        # a NUL byte: PostgreSQL refuses it (SQLite stores it; the API refuses it before)
        HouseholdCreate.model_construct(
            members=[again], origin_hub_id="syrym", origin_settlement_id=None, preferences=[],
            language="ru",
        ),
    ):  # fmt: skip
        try:
            with transaction(migrated_engine) as db_session:
                register_household(db_session=db_session, data=data, actor=Actor("t"))
        except (DBAPIError, ValueError) as exc:
            assert _leaks(str(exc)) == [] and _leaks(repr(exc)) == []
    assert _leaks(everything_logged.text) == []


def test_a_control_character_in_a_page_form_keeps_the_form(migrated_engine: Engine) -> None:
    site = make_site(migrated_engine)
    with transaction(migrated_engine) as db_session:
        from qonaq.auth.models import User
        from qonaq.auth.service import start_session

        user = db_session.query(User).filter_by(username="registrar").one()
        token, csrf = start_session(db_session=db_session, user=user)
    client = TestClient(site.client.app, cookies={"qonaq_session": token})
    form = {
        "csrf_token": csrf, "origin": "hub:syrym", "member_count": "1", "language": "ru",
        **{f"m0_{k}": str(v) for k, v in _member(full_name="Zhanna\x00X").items()},
    }  # fmt: skip
    response = client.post("/desk/register?lang=en", data=form)
    assert response.status_code == 422
    assert "control characters" in response.text and DOCUMENT in response.text  # kept


def test_the_access_log_keeps_no_query_string() -> None:
    from qonaq.web.app import WithoutQueryStrings

    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/desk/search?q=Unforgettable", "1.1", 200), None,
    )  # fmt: skip
    assert WithoutQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /desk/search HTTP/1.1" 200'
