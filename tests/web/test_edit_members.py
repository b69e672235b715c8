"""Correcting a member, adding and removing members: registration's checks, the duplicate
check, counts kept right (and frozen once placed), audited without values; service, API, page."""

from datetime import date

import pytest
from sqlalchemy import Engine, select

from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.errors import Conflict, Invalid
from qonaq.registry.integrity import integrity_problems
from qonaq.registry.models import Household, Person
from qonaq.registry.search import find_households
from qonaq.registry.service import (
    DuplicateRegistration,
    add_member,
    confirm_placement,
    register_household,
    remove_member,
    update_member,
)
from qonaq.web.deps import SESSION_COOKIE
from tests.registry.factories import household, person, seed_tiny_country
from tests.web.conftest import Site
from tests.web.test_cancel_and_replace import _session_cookie

DESK = Actor("desk", role="registrar")
CHILD = {"document_type": "birth_certificate", "birth_date": date(2019, 3, 3)}


def _registered(engine: Engine, size: int = 2) -> tuple[int, list[int]]:
    with transaction(engine) as db_session:
        found = register_household(db_session=db_session, data=household(size), actor=DESK)
        db_session.flush()
        ids = db_session.scalars(
            select(Person.id).where(Person.household_id == found.id).order_by(Person.id)
        ).all()
        return found.id, list(ids)


def _counts(engine: Engine, household_id: int) -> tuple[int, int, int]:
    with transaction(engine, writes=False) as db_session:
        found = db_session.get(Household, household_id)
        assert found is not None
        assert integrity_problems(db_session=db_session) == []
        return found.size, found.children, found.medical


def _child(number: str) -> object:
    return person(document_number=number, full_name="Малыш Петров", **CHILD)


@pytest.fixture
def country(migrated_engine: Engine) -> Engine:
    seed_tiny_country(migrated_engine)
    return migrated_engine


def test_correct_a_passport_typo_and_it_is_found_by_the_new_number(country: Engine) -> None:
    household_id, (first, _second) = _registered(country)
    with transaction(country) as db_session:
        update_member(
            db_session=db_session, person_id=first, actor=DESK,
            data=person(document_number="45 06 999999", full_name="Ivan Petrov"),
        )  # fmt: skip
    with transaction(country, writes=False) as db_session:
        (found,) = find_households(db_session=db_session, terms="4506999999", language="en")
        assert found.household_id == household_id
        event = db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.update")
        ).one()
        assert event.after is not None and event.after["fields"] == ["document_number"]
        assert "999999" not in str(event.before) + str(event.after)  # never the values
    assert _counts(country, household_id) == (2, 0, 0)


def test_corrections_go_through_registration_checks(country: Engine) -> None:
    _, (first, second) = _registered(country)
    with transaction(country, writes=False) as db_session:
        taken = db_session.get(Person, second)
        assert taken is not None
        number = taken.document_number
    with pytest.raises(DuplicateRegistration), transaction(country) as db_session:
        update_member(
            db_session=db_session, person_id=first, actor=DESK,
            data=person(document_number=number),
        )  # fmt: skip


def test_add_and_remove_members_before_placement_keep_the_counts(country: Engine) -> None:
    household_id, (first, second) = _registered(country)
    with transaction(country) as db_session:
        added = add_member(
            db_session=db_session, household_id=household_id, data=_child("II-МЮ 111111"),
            actor=DESK,
        )  # fmt: skip
        db_session.flush()
        child_id = added.id
    assert _counts(country, household_id) == (3, 1, 0)
    with transaction(country) as db_session:
        remove_member(db_session=db_session, person_id=second, actor=DESK)
    assert _counts(country, household_id) == (2, 1, 0)
    with transaction(country) as db_session:
        remove_member(db_session=db_session, person_id=first, actor=DESK)
    with pytest.raises(Invalid, match="at least one"), transaction(country) as db_session:
        remove_member(db_session=db_session, person_id=child_id, actor=DESK)
    with transaction(country, writes=False) as db_session:
        actions = db_session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == str(household_id))
            .where(AuditEvent.object_type == "household").order_by(AuditEvent.id)
        ).all()  # fmt: skip
    assert actions == [
        "household.register", "household.add_member",
        "household.remove_member", "household.remove_member",
    ]  # fmt: skip


def test_a_placed_household_keeps_its_counts(country: Engine) -> None:
    household_id, (first, _second) = _registered(country)
    with transaction(country) as db_session:
        confirm_placement(
            db_session=db_session, household_id=household_id, settlement_id="aksai", actor=DESK,
            recommended=["aksai"], override_reason=None,
        )  # fmt: skip
    with pytest.raises(Conflict, match="cancel its placement"), transaction(country) as session:
        add_member(
            db_session=session, household_id=household_id, data=_child("I-МЮ 100001"), actor=DESK
        )
    with pytest.raises(Conflict, match="cancel its placement"), transaction(country) as session:
        update_member(
            db_session=session,
            person_id=first,
            actor=DESK,
            data=person(**CHILD, document_number="I-МЮ 222222"),
        )
    with transaction(country) as db_session:  # a typo that changes no count is fine
        update_member(
            db_session=db_session, person_id=first, actor=DESK,
            data=person(full_name="Ivan Petrov-Vodkin"),
        )  # fmt: skip
    assert _counts(country, household_id) == (2, 0, 0)


def test_api_edit_add_remove(site: Site) -> None:
    household_id, (first, second) = _registered(site.engine)
    desk = site.auth("registrar")
    member = {
        "full_name": "Ivan Petrov", "birth_date": "1990-05-17", "sex": "M", "citizenship": "RUS",
        "document_type": "passport", "document_number": "75 7777777",
    }  # fmt: skip
    edited = site.client.put(f"/api/v1/persons/{first}", json=member, headers=desk)
    assert edited.status_code == 200 and edited.json()["size"] == 2
    bad = site.client.put(
        f"/api/v1/persons/{first}", json={**member, "document_number": "75 77"}, headers=desk
    )
    assert bad.status_code == 422 and "75 1234567" in bad.text
    child = {**member, "birth_date": "2018-01-01", "document_type": "birth_certificate",
             "document_number": "IV-МЮ 123123"}  # fmt: skip
    added = site.client.post(f"/api/v1/households/{household_id}/members", json=child, headers=desk)
    assert added.status_code == 201 and (added.json()["size"], added.json()["children"]) == (3, 1)
    again = site.client.post(f"/api/v1/households/{household_id}/members", json=child, headers=desk)
    assert again.status_code == 409
    removed = site.client.delete(f"/api/v1/persons/{second}", headers=desk)
    assert removed.status_code == 200 and removed.json()["size"] == 2
    host = site.client.delete(f"/api/v1/persons/{first}", headers=site.auth("host"))
    assert host.status_code == 403
    assert _counts(site.engine, household_id) == (2, 1, 0)


def test_the_member_form_corrects_and_explains(sqlite_site: Site) -> None:
    household_id, (first, second) = _registered(sqlite_site.engine)
    token, csrf = _session_cookie(sqlite_site.engine, "registrar")
    client = sqlite_site.client
    client.cookies.set(SESSION_COOKIE, token)
    form = client.get(f"/desk/persons/{first}/edit?lang=ru")
    assert form.status_code == 200 and 'value="Ivan Petrov"' in form.text
    fields = {
        "csrf_token": csrf, "member_count": "1", "m0_full_name": "Иван Петров",
        "m0_birth_date": "1990-05-17", "m0_sex": "M", "m0_citizenship": "RUS",
        "m0_document_type": "birth_certificate", "m0_document_number": "75 1234567",
    }  # fmt: skip
    refused = client.post(f"/desk/persons/{first}/edit?lang=ru", data=fields)
    assert refused.status_code == 422 and "III-МЮ 123456" in refused.text
    fields["m0_document_type"] = "passport"
    saved = client.post(f"/desk/persons/{first}/edit", data=fields, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(f"/desk/households/{household_id}?lang=ru").text
    assert "Иван Петров" in page
    removed = client.post(
        f"/desk/persons/{second}/remove", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert _counts(sqlite_site.engine, household_id) == (1, 0, 0)
