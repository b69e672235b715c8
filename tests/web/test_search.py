"""Finding a household at the desk: by reference, document, IIN and phone through their
digests, by any part of a name in any case; service, API, page and migration, both databases."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select, text

from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import start_session
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.errors import Invalid
from qonaq.registry.personal import erase_person
from qonaq.registry.search import find_households
from qonaq.registry.service import confirm_placement, register_household
from tests.registry.factories import household, person, seed_tiny_country
from tests.web.conftest import Site

DESK = Actor("desk", role="registrar")
IIN = "900517300019"


def _register(engine: Engine, *members: dict[str, object]) -> tuple[int, str]:
    with transaction(engine) as db_session:
        found = register_household(
            db_session=db_session,
            data=household(members=[person(**m) for m in members]),
            actor=DESK,
        )
        return found.id, found.reference


def _find(engine: Engine, terms: str, language: str = "en") -> list[str]:
    with transaction(engine, writes=False) as db_session:
        return [
            m.reference
            for m in find_households(db_session=db_session, terms=terms, language=language)
        ]


@pytest.fixture
def country(migrated_engine: Engine) -> Engine:
    seed_tiny_country(migrated_engine)
    return migrated_engine


def test_find_by_reference_document_iin_phone_and_name(country: Engine) -> None:
    _, reference = _register(
        country,
        {"full_name": "Пётр Иванов", "document_number": "45 06 123456", "iin": IIN,
         "phone": "+7 701 555 86 42"},
        {"full_name": "Anna Smirnova", "document_type": "birth_certificate",
         "document_number": "III-МЮ 654321", "birth_date": date(2016, 2, 3)},
    )  # fmt: skip
    _, other = _register(country, {"full_name": "Ivan Ivanenko"})
    assert _find(country, reference.lower()) == [reference]
    assert _find(country, "4506123456") == [reference]  # typed without spaces
    assert _find(country, "iii-мю 654321") == [reference]
    assert _find(country, IIN) == [reference]
    assert _find(country, "8 (701) 555-86-42") == [reference]  # the 8 prefix is +7
    assert _find(country, "петр ИВАН") == [reference]  # case and ё folded
    assert _find(country, "ivan") == [other]
    assert _find(country, "smirn") == [reference]
    assert _find(country, "45 06 123457") == []
    assert _find(country, "100%") == []  # a LIKE wildcard typed is a character
    with pytest.raises(Invalid, match="at least"):
        _find(country, " a ")


def test_results_name_the_settlement_and_skip_erased_names(country: Engine) -> None:
    household_id, reference = _register(country, {"full_name": "Olga Sidorova"})
    with transaction(country) as db_session:
        confirm_placement(
            db_session=db_session, household_id=household_id, settlement_id="aksai", actor=DESK,
            recommended=["aksai"], override_reason=None,
        )  # fmt: skip
    with transaction(country, writes=False) as db_session:
        (match,) = find_households(db_session=db_session, terms="sidorova", language="ru")
    assert (match.status, match.settlement_id, match.size) == ("placed", "aksai", 1)
    with transaction(country) as db_session:
        person_id = db_session.scalars(
            select(text("id")).select_from(text("persons")).where(text("household_id = :h")),
            {"h": household_id},
        ).one()
        erase_person(db_session=db_session, person_id=person_id, actor=DESK)
    assert _find(country, "sidorova") == [] and _find(country, "erased") == []
    assert _find(country, reference) == [reference]


def test_api_search_is_a_post_for_desks_only(site: Site) -> None:
    _, reference = _register(site.engine, {"full_name": "Dina Akhmetova", "iin": IIN})
    found = site.client.post(
        "/api/v1/households/search", json={"terms": IIN}, headers=site.auth("registrar")
    )
    assert found.status_code == 200
    assert [(h["reference"], h["status"]) for h in found.json()] == [(reference, "pending")]
    host = site.client.post(
        "/api/v1/households/search", json={"terms": IIN}, headers=site.auth("host")
    )
    assert host.status_code == 403
    short = site.client.post(
        "/api/v1/households/search", json={"terms": "D"}, headers=site.auth("registrar")
    )
    assert short.status_code == 422


def test_the_search_page_posts_its_terms(sqlite_site: Site) -> None:
    household_id, reference = _register(sqlite_site.engine, {"full_name": "Марат Сейткали"})
    with transaction(sqlite_site.engine) as db_session:
        user = db_session.scalars(select(User).where(User.username == "registrar")).one()
        token, csrf = start_session(db_session=db_session, user=user)
    client = sqlite_site.client
    client.cookies.set("qonaq_session", token)
    form = client.get("/desk/search?lang=kk")
    assert 'method="post" action="/desk/search"' in form.text
    found = client.post("/desk/search?lang=ru", data={"csrf_token": csrf, "terms": "сейткали"})
    assert found.status_code == 200
    assert f'href="/desk/households/{household_id}">{reference}</a>' in found.text
    assert "ожидает" in found.text or "pending" not in found.text
    nothing = client.post("/desk/search?lang=ru", data={"csrf_token": csrf, "terms": "zz"})
    assert 'id="nothing-found"' in nothing.text and "не найдено" in nothing.text
    short = client.post("/desk/search?lang=ru", data={"csrf_token": csrf, "terms": "z"})
    assert short.status_code == 422 and "не менее 2" in short.text
    forged = client.post("/desk/search", data={"csrf_token": "forged", "terms": "сейткали"})
    assert forged.status_code == 403


def test_migration_gives_existing_members_their_phone_digest_and_folded_name(
    database_url: str,
) -> None:
    migrate.upgrade(database_url, "0003")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO households (id, reference, status, size, children, medical, origin_lat,"
            " origin_lon, language, registered_at) VALUES (1, 'QN-OLD111', 'pending', 1, 0, 0,"
            " 51.5, 52.0, 'ru', :at)"
        ), {"at": datetime.now(UTC)})  # fmt: skip
        conn.execute(text(
            "INSERT INTO persons (id, household_id, full_name, birth_date, sex, citizenship,"
            " document_type, document_key, document_number, phone, languages, needs_medical,"
            " disability) VALUES (1, 1, 'Ерлан Старый', :born, 'M', 'KAZ', 'id_card',"
            " 'KAZ:id_card:012345678', '012345678', '+7 777 123 45 67', 'ru', false, false)"
        ), {"born": date(1980, 1, 1)})  # fmt: skip
    migrate.upgrade(database_url)
    assert _find(engine, "87771234567") == ["QN-OLD111"]
    assert _find(engine, "ерлан стар") == ["QN-OLD111"]
    assert _find(engine, "012345678") == ["QN-OLD111"]
    engine.dispose()
