"""Personal data: encrypted at rest, deduplicated by keyed digests, keys rotated, a person
exported and erased, households purged after the retention; on both databases."""

import json
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, func, select, text, update
from typer.testing import CliRunner

from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.cli import app
from qonaq.config import Settings, get_settings
from qonaq.db import migrate
from qonaq.db.base import Base
from qonaq.db.crypto import Keyring, UndecryptableValue
from qonaq.db.session import make_engine, transaction
from qonaq.registry.models import Household, Person, Placement
from qonaq.registry.service import (
    DuplicateRegistration,
    confirm_placement,
    record_arrival,
    register_household,
)
from qonaq.settlements.models import Settlement
from tests.registry.factories import household, person, seed_tiny_country

DESK = Actor(label="desk-1", role="registrar")
HOST = Actor(label="host-aksai", role="host", settlement_id="aksai")
DOCUMENT = "75 7531902"
IIN = "900517300019"
PHONE = "+7 701 555 8642"
SECRETS = ("7531902", DOCUMENT, IIN, "5558642", "555 8642")
runner = CliRunner()


@pytest.fixture
def country(migrated_engine: Engine) -> Engine:
    seed_tiny_country(migrated_engine)
    return migrated_engine


@pytest.fixture
def cli_on(country: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The CLI pointed at the test database (SQLite, then PostgreSQL)."""
    monkeypatch.setenv("QONAQ_DATABASE_URL", country.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield country
    get_settings.cache_clear()


def use_keys(
    monkeypatch: pytest.MonkeyPatch, *, data_keys: str, hash_key: str | None = None
) -> None:
    monkeypatch.setenv("QONAQ_DATA_KEYS", data_keys)
    if hash_key is not None:
        monkeypatch.setenv("QONAQ_HASH_KEY", hash_key)
    get_settings.cache_clear()


def register_known(engine: Engine) -> Household:
    member = person(document_number=DOCUMENT, iin=IIN, phone=PHONE, full_name="Aigerim Known")
    with transaction(engine) as db_session:
        return register_household(
            db_session=db_session, data=household(members=[member, person()]), actor=DESK
        )


def stored_text(engine: Engine) -> str:
    """Every row of every table, as the database returns it to plain SQL."""
    with engine.connect() as conn:
        return "\n".join(
            str(conn.execute(text(f"SELECT * FROM {name}")).all()) for name in Base.metadata.tables
        )


def test_document_iin_and_phone_never_reach_the_database_in_clear(country: Engine) -> None:
    register_known(country)
    stored = stored_text(country)
    for secret in SECRETS:
        assert secret not in stored
    if country.dialect.name == "sqlite":
        country.dispose()
        raw = Path(country.url.database or "").read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in raw
        assert b"Aigerim Known" in raw  # the file is readable: the check above could fail
    with transaction(country) as db_session:
        member = db_session.scalars(select(Person).where(Person.full_name == "Aigerim Known")).one()
        assert (member.document_number, member.iin, member.phone) == (DOCUMENT, IIN, PHONE)


def test_the_same_document_typed_otherwise_or_the_same_iin_is_still_refused(
    country: Engine,
) -> None:
    existing = register_known(country)
    for again in (
        person(document_number="757531902"),
        person(iin=IIN, document_number="99 0000001"),
    ):
        with pytest.raises(DuplicateRegistration) as caught, transaction(country) as db_session:
            register_household(db_session=db_session, data=household(members=[again]), actor=DESK)
        assert caught.value.reference == existing.reference
    # another country's passport with the same number is another document
    with transaction(country) as db_session:
        other = person(document_number=DOCUMENT, citizenship="UZB")
        register_household(db_session=db_session, data=household(members=[other]), actor=DESK)


def test_encrypted_columns_refuse_sql_comparison_but_not_null_checks() -> None:
    with pytest.raises(TypeError, match="digest"):
        select(Person).where(Person.iin == IIN)
    with pytest.raises(TypeError, match="digest"):
        select(Person).where(Person.document_number.in_([DOCUMENT]))
    assert "IS NOT NULL" in str(select(Person.id).where(Person.iin.is_not(None)))


def test_keys_are_generated_once_readable_by_the_owner_only(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", data_keys="", hash_key="")
    keys = settings.resolved_data_keys()
    assert len(keys) == 1 and Fernet(keys[0])
    assert settings.resolved_data_keys() == keys
    assert settings.resolved_hash_key() == settings.resolved_hash_key()
    for name in ("data_key", "hash_key"):
        mode = stat.S_IMODE((tmp_path / "var" / name).stat().st_mode)
        assert mode == 0o600, name
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == ["data_key", "hash_key"]


def test_a_bad_data_key_is_named() -> None:
    settings = Settings(data_keys="not-a-key")
    with pytest.raises(ValueError, match="data key 1 of QONAQ_DATA_KEYS"):
        Keyring(settings.resolved_data_keys(), b"x")


def test_rotation_re_encrypts_with_the_new_key_so_the_old_one_can_go(
    cli_on: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_key = Fernet.generate_key().decode()
    use_keys(monkeypatch, data_keys=old_key)
    register_known(cli_on)
    _register_plain(cli_on)
    _register_plain(cli_on)
    before = stored_text(cli_on)
    new_key = runner.invoke(app, ["db", "new-key"]).stdout.strip()
    use_keys(monkeypatch, data_keys=f"{new_key},{old_key}", hash_key="a new hashing key")
    result = runner.invoke(app, ["db", "rotate-keys", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 6 persons in 3 transaction(s)" in result.stdout
    use_keys(monkeypatch, data_keys=new_key)
    with transaction(cli_on) as db_session:
        member = db_session.scalars(select(Person).where(Person.full_name == "Aigerim Known")).one()
        assert (member.document_number, member.iin, member.phone) == (DOCUMENT, IIN, PHONE)
        assert len(db_session.scalars(select(Person.document_number)).all()) == 6
        assert (
            db_session.scalar(select(func.count()).where(AuditEvent.action == "data.rotate_keys"))
            == 1
        )
    assert stored_text(cli_on) != before
    # the digests follow the new hashing key: the same document is still refused
    with pytest.raises(DuplicateRegistration), transaction(cli_on) as db_session:
        again = person(document_number=DOCUMENT)
        register_household(db_session=db_session, data=household(members=[again]), actor=DESK)


def test_a_key_removed_before_rotation_is_an_error_not_garbage(
    cli_on: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_keys(monkeypatch, data_keys=Fernet.generate_key().decode())
    register_known(cli_on)
    use_keys(monkeypatch, data_keys=Fernet.generate_key().decode())
    with pytest.raises(UndecryptableValue), transaction(cli_on) as db_session:
        db_session.scalars(select(Person)).all()
    result = runner.invoke(app, ["db", "rotate-keys"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "QONAQ_DATA_KEYS" in result.stderr


def test_export_gives_everything_held_on_one_person_and_is_audited(cli_on: Engine) -> None:
    family = register_known(cli_on)
    _place_and_arrive(cli_on, family.id)
    member_id = _member_id(cli_on, "Aigerim Known")
    result = runner.invoke(app, ["person", "export", str(member_id)])
    assert result.exit_code == 0, result.output
    held = json.loads(result.stdout)
    assert held["person"]["document_number"] == DOCUMENT
    assert (held["person"]["iin"], held["person"]["phone"]) == (IIN, PHONE)
    assert held["person"]["birth_date"] == "1990-05-17" and held["person"]["languages"] == ["ru"]
    assert held["household"]["reference"] == family.reference
    assert [p["status"] for p in held["placements"]] == ["arrived"]
    actions = [event["action"] for event in held["audit"]]
    assert actions == ["household.register", "placement.confirm", "placement.arrived"]
    # only this member: the other member's document is not in the export
    assert "Ivan Petrov" not in result.stdout
    with transaction(cli_on) as db_session:
        exported = db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.export")
        ).one()
        assert exported.object_id == str(member_id) and exported.actor_label == "cli"
    found = runner.invoke(app, ["person", "find", "--iin", IIN])
    assert found.exit_code == 0 and found.stdout.split() == [str(member_id), family.reference]
    by_document = runner.invoke(
        app, ["person", "find", "--citizenship", "RUS", "--document-type", "passport",
              "--document-number", "757531902"],
    )  # fmt: skip
    assert by_document.stdout.split() == [str(member_id), family.reference]


def test_erase_removes_personal_fields_and_keeps_counts_and_loads(cli_on: Engine) -> None:
    family = register_known(cli_on)
    _place_and_arrive(cli_on, family.id)
    member_id = _member_id(cli_on, "Aigerim Known")
    declined = runner.invoke(app, ["person", "erase", str(member_id)], input="n\n")
    assert declined.exit_code == 1 and _member_id(cli_on, "Aigerim Known") == member_id
    result = runner.invoke(app, ["person", "erase", str(member_id), "--yes"])
    assert result.exit_code == 0 and "erased" in result.stdout
    stored = stored_text(cli_on)
    for secret in (*SECRETS, "Aigerim Known"):
        assert secret not in stored
    with transaction(cli_on) as db_session:
        erased = db_session.get(Person, member_id)
        assert erased is not None and erased.erased_at is not None
        assert (erased.full_name, erased.birth_date) == ("erased", date(1990, 7, 1))
        assert (erased.document_number, erased.iin, erased.phone) == (None, None, None)
        assert (erased.document_key, erased.iin_key) == (None, None)
        kept = db_session.get(Household, family.id)
        assert kept is not None and (kept.size, kept.status) == (2, "arrived")
        aksai = db_session.get(Settlement, "aksai")
        assert aksai is not None and aksai.load_persons == 2
        event = db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.erase")
        ).one()
        assert "Aigerim" not in json.dumps(event.after) and IIN not in json.dumps(event.after)
    again = runner.invoke(app, ["person", "erase", str(member_id), "--yes"])
    assert again.exit_code == 0 and "already erased" in again.stdout
    exported = json.loads(runner.invoke(app, ["person", "export", str(member_id)]).stdout)
    assert exported["person"]["full_name"] == "erased" and exported["person"]["iin"] is None


def test_unknown_person_ids_are_one_line_and_exit_2(cli_on: Engine) -> None:
    for command in (["person", "export", "999"], ["person", "erase", "999", "--yes"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, command
        assert result.stderr == "error: no person 999\n"
    result = runner.invoke(app, ["person", "find", "--iin", IIN])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1


def test_purge_erases_only_households_inactive_for_the_retention(
    cli_on: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    forgotten = register_known(cli_on)
    arrived_long_ago = _register_plain(cli_on)
    _place_and_arrive(cli_on, arrived_long_ago.id)
    arrived_lately = _register_plain(cli_on)
    _place_and_arrive(cli_on, arrived_lately.id)
    recent = _register_plain(cli_on)
    _age(cli_on, [forgotten.id, arrived_long_ago.id, arrived_lately.id], days=800)
    _age_events(cli_on, arrived_lately.id, days=10)
    monkeypatch.setenv("QONAQ_RETENTION_DAYS", "730")
    get_settings.cache_clear()
    dry = runner.invoke(app, ["db", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.startswith("would erase 4 persons of 2 households")
    assert "Aigerim" not in dry.stdout and "Ivan" not in dry.stdout
    assert _erased_households(cli_on) == set()
    done = runner.invoke(app, ["db", "purge"])
    assert done.stdout.startswith("erased 4 persons of 2 households"), done.output
    assert _erased_households(cli_on) == {forgotten.id, arrived_long_ago.id}
    for secret in SECRETS:
        assert secret not in stored_text(cli_on)
    with transaction(cli_on) as db_session:
        purged = db_session.scalars(
            select(AuditEvent.object_id).where(AuditEvent.action == "household.purge")
        ).all()
        assert sorted(purged) == sorted([str(forgotten.id), str(arrived_long_ago.id)])
        assert db_session.get(Household, recent.id) is not None
    assert runner.invoke(app, ["db", "purge"]).stdout.startswith("erased 0 persons of 0")


def test_migration_encrypts_existing_plain_rows_and_downgrade_restores_them(
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
            " document_type, document_key, document_number, iin, phone, languages, needs_medical,"
            " disability) VALUES (1, 1, 'Old Row', :born, 'M', 'RUS', 'passport',"
            " 'RUS:passport:757531902', :number, :iin, :phone, 'ru', false, false)"
        ), {"born": date(1990, 5, 17), "number": DOCUMENT, "iin": IIN, "phone": PHONE})  # fmt: skip
    migrate.upgrade(database_url)
    for secret in SECRETS:
        assert secret not in stored_text(engine)
    seed_tiny_country(engine)
    with transaction(engine) as db_session:
        old = db_session.get(Person, 1)
        assert old is not None and (old.document_number, old.iin, old.phone) == (
            DOCUMENT,
            IIN,
            PHONE,
        )
    with pytest.raises(DuplicateRegistration), transaction(engine) as db_session:
        again = person(document_number="757531902")
        register_household(db_session=db_session, data=household(members=[again]), actor=DESK)
    migrate.downgrade(database_url, "0003")
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT document_key, document_number, iin, phone FROM persons WHERE id = 1")
        ).one()
    assert tuple(row) == ("RUS:passport:757531902", DOCUMENT, IIN, PHONE)
    engine.dispose()


def _register_plain(engine: Engine) -> Household:
    with transaction(engine) as db_session:
        return register_household(
            db_session=db_session, data=household(members=[person(), person()]), actor=DESK
        )


def _place_and_arrive(engine: Engine, household_id: int) -> None:
    with transaction(engine) as db_session:
        placement = confirm_placement(
            db_session=db_session, household_id=household_id, settlement_id="aksai",
            actor=DESK, recommended=["aksai"], override_reason=None,
        )  # fmt: skip
    with transaction(engine) as db_session:
        record_arrival(db_session=db_session, placement_id=placement.id, arrived=True, actor=HOST)


def _member_id(engine: Engine, name: str) -> int:
    with transaction(engine) as db_session:
        return db_session.scalars(select(Person.id).where(Person.full_name == name)).one()


def _age(engine: Engine, household_ids: list[int], days: int) -> None:
    """Move every date of these households (registration, placements, audit) `days` back."""
    then = datetime.now(UTC) - timedelta(days=days)
    with transaction(engine) as db_session:
        db_session.execute(
            update(Household).where(Household.id.in_(household_ids)).values(registered_at=then)
        )
        placements = db_session.scalars(
            select(Placement.id).where(Placement.household_id.in_(household_ids))
        ).all()
        db_session.execute(
            update(Placement).where(Placement.id.in_(placements)).values(created_at=then)
        )
        db_session.execute(
            update(AuditEvent)
            .where(
                ((AuditEvent.object_type == "household")
                 & AuditEvent.object_id.in_([str(h) for h in household_ids]))
                | ((AuditEvent.object_type == "placement")
                   & AuditEvent.object_id.in_([str(p) for p in placements]))
            )
            .values(at=then)
        )  # fmt: skip


def _age_events(engine: Engine, household_id: int, days: int) -> None:
    """The household's arrival was recorded `days` ago."""
    with transaction(engine) as db_session:
        placement_id = db_session.scalars(
            select(Placement.id).where(Placement.household_id == household_id)
        ).one()
        arrival = db_session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "placement.arrived", AuditEvent.object_id == str(placement_id)
            )
        ).one()
        arrival.at = datetime.now(UTC) - timedelta(days=days)


def _erased_households(engine: Engine) -> set[int]:
    with transaction(engine) as db_session:
        return set(
            db_session.scalars(select(Person.household_id).where(Person.erased_at.is_not(None)))
        )
