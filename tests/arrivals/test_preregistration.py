"""Pre-registration: kept encrypted and unplaced, found by code or document, completed once
through the desk's checks, its status for the household only, and purged when it expires."""

import threading
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from qonaq.arrivals.models import Preregistration, PreregistrationDocument
from qonaq.arrivals.service import (
    arrival_status,
    code_in,
    complete_preregistration,
    find_preregistrations,
    new_code,
    preregister,
    purge_expired_preregistrations,
)
from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import start_session
from qonaq.cli import app
from qonaq.config import get_settings
from qonaq.db.base import utc_now
from qonaq.db.session import transaction
from qonaq.errors import Conflict, NotFound
from qonaq.registry.models import Household, Person, Placement
from qonaq.registry.service import DuplicateRegistration, confirm_placement, register_household
from qonaq.web.app import create_app
from qonaq.web.deps import SESSION_COOKIE
from tests.aid.factories import add_request
from tests.e2e.conftest import serve_in_thread
from tests.registry.factories import household, person, seed_tiny_country
from tests.transport.test_service import place, plan
from tests.web.conftest import make_site

runner = CliRunner()
DESK = Actor("desk", role="registrar")
BORN = date(1990, 5, 17)


def _preregister(engine: Engine, size: int = 2, **overrides: object) -> tuple[int, str]:
    with transaction(engine) as db_session:
        row, code = preregister(db_session=db_session, data=household(size, **overrides))
        return row.id, code


def test_a_code_is_eight_unambiguous_characters_and_is_read_however_it_is_typed() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 9 and code[4] == "-"
        assert not set(code.replace("-", "")) & set("01ILO")
        assert code_in(code.lower().replace("-", " ")) == code.replace("-", "")
        assert code_in(f"https://qonaq.kz/desk/preregistrations?code={code}") == code.replace(
            "-", ""
        )
    assert code_in("IVAN PETROV") is None and code_in("75 1000001") is None


def test_a_preregistration_waits_unplaced_and_its_personal_data_is_encrypted(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    data = household(1, members=[person(full_name="Aigerim Secretname")])
    with transaction(migrated_engine) as db_session:
        _row, code = preregister(db_session=db_session, data=data)
        stored = db_session.execute(
            text("SELECT declared, code_key, status FROM preregistrations")
        ).one()
        assert db_session.scalar(select(func.count()).select_from(Household)) == 0
    assert "Secretname" not in stored.declared and data.members[0].document_number[3:] not in (
        stored.declared
    )
    assert code.replace("-", "") not in stored.code_key and stored.status == "waiting"


def test_the_origin_and_wishes_are_checked_as_at_the_desk(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    with pytest.raises(NotFound), transaction(migrated_engine) as db_session:
        preregister(db_session=db_session, data=household(1, preferences=["atlantis"]))


def test_the_desk_finds_it_by_code_or_by_a_declared_document(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    member = person()
    with transaction(migrated_engine) as db_session:
        row, code = preregister(db_session=db_session, data=household(1, members=[member]))
        preregister(db_session=db_session, data=household(1))  # another household
        by_code = find_preregistrations(db_session=db_session, terms=code.lower())
        by_document = find_preregistrations(
            db_session=db_session, terms=member.document_number.replace(" ", "")
        )
        nothing = find_preregistrations(db_session=db_session, terms="Ivan")
    assert [m.preregistration_id for m in by_code] == [row.id]
    assert [m.preregistration_id for m in by_document] == [row.id]
    assert nothing == []


def test_completion_registers_it_through_the_desk_checks_and_clears_the_declaration(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    preregistration_id, _code = _preregister(migrated_engine, 2)
    corrected = household(2, preferences=["aksai"])
    with transaction(migrated_engine) as db_session:
        found = complete_preregistration(
            db_session=db_session, preregistration_id=preregistration_id, data=corrected,
            actor=DESK,
        )  # fmt: skip
        household_id = found.id
    with transaction(migrated_engine) as db_session:
        row = db_session.get(Preregistration, preregistration_id)
        assert row is not None and row.status == "completed" and row.household_id == household_id
        assert row.declared is None
        assert db_session.scalar(select(func.count()).select_from(PreregistrationDocument)) == 0
        registered = db_session.get(Household, household_id)
        assert registered is not None and registered.status == "pending"
        assert registered.size == 2 and registered.preference_1 == "aksai"
        with pytest.raises(Conflict, match="already completed"):
            complete_preregistration(
                db_session=db_session, preregistration_id=preregistration_id,
                data=household(1), actor=DESK,
            )  # fmt: skip


def test_completion_refuses_a_member_already_registered(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    member = person()
    with transaction(migrated_engine) as db_session:
        register_household(db_session=db_session, data=household(1, members=[member]), actor=DESK)
    preregistration_id, _code = _preregister(migrated_engine, 1, members=[member])
    with pytest.raises(DuplicateRegistration), transaction(migrated_engine) as db_session:
        complete_preregistration(
            db_session=db_session, preregistration_id=preregistration_id,
            data=household(1, members=[member]), actor=DESK,
        )  # fmt: skip
    with transaction(migrated_engine) as db_session:
        row = db_session.get(Preregistration, preregistration_id)
        assert row is not None and row.status == "waiting"  # the refusal rolled the claim back


def test_status_shows_each_state_and_answers_a_wrong_code_or_birth_date_alike(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    with transaction(migrated_engine) as db_session:
        db_session.execute(text("UPDATE settlements SET name_ru = 'Аксай' WHERE id = 'aksai'"))
    preregistration_id, code = _preregister(migrated_engine, 1)

    def status(code_typed: str, born: date) -> object:
        with transaction(migrated_engine, writes=False) as db_session:
            return arrival_status(
                db_session=db_session, code=code_typed, birth_date=born, language="ru"
            )

    waiting = status(code, BORN)
    assert waiting is not None and waiting.state == "preregistered"  # type: ignore[attr-defined]
    assert status(code, BORN + timedelta(days=1)) is None
    assert status("AAAA-BBBB", BORN) is None
    with transaction(migrated_engine) as db_session:
        household_id = complete_preregistration(
            db_session=db_session, preregistration_id=preregistration_id, data=household(1),
            actor=DESK,
        ).id  # fmt: skip
    assert status(code, BORN).state == "pending"  # type: ignore[union-attr]
    with transaction(migrated_engine) as db_session:
        confirm_placement(
            db_session=db_session, household_id=household_id, settlement_id="aksai", actor=DESK,
            recommended=["aksai"], override_reason=None,
        )  # fmt: skip
    placed = status(code.lower(), BORN)
    assert placed is not None and placed.state == "placed"  # type: ignore[attr-defined]
    assert placed.settlement_name == "Аксай"  # type: ignore[attr-defined]
    assert placed.expected_arrival is not None  # type: ignore[attr-defined]
    assert status(code, BORN - timedelta(days=1)) is None


def test_expired_preregistrations_are_purged_and_completed_ones_stay(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    old_id, _old = _preregister(migrated_engine, 1)
    fresh_id, _fresh = _preregister(migrated_engine, 1)
    done_id, _done = _preregister(migrated_engine, 1)
    with transaction(migrated_engine) as db_session:
        complete_preregistration(
            db_session=db_session, preregistration_id=done_id, data=household(1), actor=DESK
        )
        db_session.execute(
            Preregistration.__table__.update()
            .where(Preregistration.id.in_([old_id, done_id]))
            .values(expires_at=utc_now() - timedelta(days=1))
        )
    with transaction(migrated_engine) as db_session:
        dry = purge_expired_preregistrations(db_session=db_session, actor=DESK, dry_run=True)
    with transaction(migrated_engine) as db_session:
        done = purge_expired_preregistrations(db_session=db_session, actor=DESK)
    assert dry.count == 1 and done.count == 1
    with transaction(migrated_engine) as db_session:
        left = set(db_session.scalars(select(Preregistration.id)))
        documents = set(db_session.scalars(select(PreregistrationDocument.preregistration_id)))
        # an expired one can no longer be completed (the claim checks the expiry too)
    assert left == {fresh_id, done_id} and documents == {fresh_id}


def test_an_expired_preregistration_cannot_be_completed(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    preregistration_id, _code = _preregister(migrated_engine, 1)
    with transaction(migrated_engine) as db_session:
        db_session.execute(
            Preregistration.__table__.update().values(expires_at=utc_now() - timedelta(seconds=1))
        )
    with pytest.raises(Conflict, match="expired"), transaction(migrated_engine) as db_session:
        complete_preregistration(
            db_session=db_session, preregistration_id=preregistration_id, data=household(1),
            actor=DESK,
        )  # fmt: skip


DESKS = 2


def test_two_desks_completing_one_preregistration_register_it_once(
    migrated_engine: Engine,
) -> None:
    """Two registrars post the completion form of one pre-registration at the same moment."""
    make_site(migrated_engine)
    member = person()
    preregistration_id, _code = _preregister(migrated_engine, 1, members=[member])
    with transaction(migrated_engine) as db_session:
        registrar = db_session.scalars(select(User).where(User.username == "registrar")).one()
        sessions = [start_session(db_session=db_session, user=registrar) for _ in range(DESKS)]
    server, url = serve_in_thread(create_app(migrated_engine, letter_secret=b"race"))
    barrier = threading.Barrier(DESKS)
    answers: list[httpx.Response] = []
    form = {
        "member_count": "1", "origin": "hub:syrym", "language": "ru",
        "m0_full_name": member.full_name, "m0_birth_date": member.birth_date.isoformat(),
        "m0_sex": "M", "m0_citizenship": "RUS", "m0_document_type": "passport",
        "m0_document_number": member.document_number,
    }  # fmt: skip

    def desk(token: str, csrf: str, number: str) -> None:
        # each registrar corrected the passport differently: only the claim stops a second one
        typed = {**form, "m0_document_number": number, "csrf_token": csrf}
        with httpx.Client(base_url=url, cookies={SESSION_COOKIE: token}, timeout=60) as client:
            barrier.wait()
            answers.append(
                client.post(
                    f"/desk/preregistrations/{preregistration_id}/complete?lang=en", data=typed
                )
            )

    numbers = [f"75 900000{n}" for n in range(DESKS)]
    threads = [
        threading.Thread(target=desk, args=(*pair, number))
        for pair, number in zip(sessions, numbers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.should_exit = True
    done, refused = sorted(answers, key=lambda r: r.status_code)
    assert done.status_code == 303 and done.headers["location"].startswith("/desk/households/")
    assert refused.status_code == 409, refused.text
    with transaction(migrated_engine) as db_session:
        assert db_session.scalar(select(func.count()).select_from(Household)) == 1
        assert db_session.scalar(select(func.count()).select_from(Person)) == 1
        assert db_session.scalar(select(func.count()).select_from(Placement)) == 0


def test_qonaq_db_purge_deletes_the_expired_preregistrations(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_tiny_country(migrated_engine)
    expired_id, _code = _preregister(migrated_engine, 2)
    waiting_id, _other = _preregister(migrated_engine, 1)
    with transaction(migrated_engine) as db_session:
        db_session.execute(
            Preregistration.__table__.update()
            .where(Preregistration.id == expired_id)
            .values(created_at=utc_now() - timedelta(days=8), expires_at=utc_now())
        )
    monkeypatch.setenv("QONAQ_DATABASE_URL", migrated_engine.url.render_as_string(False))
    monkeypatch.setenv("QONAQ_PREREGISTRATION_DAYS", "7")
    get_settings.cache_clear()
    try:
        dry = runner.invoke(app, ["db", "purge", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert "would delete 1 pre-registrations not completed within 7 days" in dry.stdout
        done = runner.invoke(app, ["db", "purge"])
        assert "deleted 1 pre-registrations" in done.stdout, done.output
    finally:
        get_settings.cache_clear()
    with transaction(migrated_engine) as db_session:
        assert set(db_session.scalars(select(Preregistration.id))) == {waiting_id}
        event = db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "preregistration.purge")
        ).one()
        assert event.after == {"deleted": 1}


def test_rotate_keys_re_encrypts_waiting_preregistrations_and_their_documents_stay_found(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet

    old_key = Fernet.generate_key().decode()
    monkeypatch.setenv("QONAQ_DATABASE_URL", migrated_engine.url.render_as_string(False))
    monkeypatch.setenv("QONAQ_DATA_KEYS", old_key)
    get_settings.cache_clear()
    try:
        seed_tiny_country(migrated_engine)
        member = person()
        preregistration_id, _code = _preregister(migrated_engine, 1, members=[member])
        new_key = Fernet.generate_key().decode()
        monkeypatch.setenv("QONAQ_DATA_KEYS", f"{new_key},{old_key}")
        monkeypatch.setenv("QONAQ_HASH_KEY", "another hashing key")
        get_settings.cache_clear()
        result = runner.invoke(app, ["db", "rotate-keys"])
        assert "re-encrypted 1 waiting pre-registrations" in result.stdout, result.output
        monkeypatch.setenv("QONAQ_DATA_KEYS", new_key)
        get_settings.cache_clear()
        with transaction(migrated_engine) as db_session:
            row = db_session.get(Preregistration, preregistration_id)
            assert row is not None and member.full_name in (row.declared or "")
            found = find_preregistrations(db_session=db_session, terms=member.document_number)
            assert [m.preregistration_id for m in found] == [preregistration_id]
    finally:
        get_settings.cache_clear()


def test_status_shows_the_households_departure_and_its_own_requests_for_help(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    preregistration_id, code = _preregister(migrated_engine, 1)
    with transaction(migrated_engine) as db_session:
        registered = complete_preregistration(
            db_session=db_session, preregistration_id=preregistration_id, data=household(1),
            actor=DESK,
        )  # fmt: skip
        household_id, reference = registered.id, registered.reference
        confirm_placement(
            db_session=db_session, household_id=household_id, settlement_id="aksai", actor=DESK,
            recommended=["aksai"], override_reason=None,
        )  # fmt: skip
    other_id, _ = place(migrated_engine, 2, "aksai")
    plan(migrated_engine)
    add_request(migrated_engine, household_code=reference, kind="clothes")
    add_request(migrated_engine, kind="food")  # nobody's household: not shown to anyone
    with transaction(migrated_engine, writes=False) as db_session:
        other_reference = db_session.get(Household, other_id).reference  # type: ignore[union-attr]
    add_request(migrated_engine, household_code=other_reference, kind="medical")
    with transaction(migrated_engine, writes=False) as db_session:
        seen = arrival_status(db_session=db_session, code=code, birth_date=BORN, language="en")
    assert seen is not None and seen.departure is not None
    assert seen.departure.departs_at.date() > utc_now().date()
    assert seen.boarding_point == "Syrym"
    assert [(r.kind, r.status) for r in seen.help_requests] == [("clothes", "open")]
