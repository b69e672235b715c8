"""`qonaq aid`: import offers all or nothing, export without personal data, expire, verify."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from qonaq.aid.models import AidOffer, AidRequest
from qonaq.cli import app
from qonaq.config import get_settings
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from tests.aid.factories import add_request, seed_aid_world, verify_volunteer

runner = CliRunner()
HEADER = "username,kind,quantity,settlement_id,unit,radius_km,available_until,conditions\n"


@pytest.fixture
def cli_world(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Iterator[str]:
    """The CLI on a fresh SQLite database with the tiny country and one user per role."""
    monkeypatch.setenv("QONAQ_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    migrate.upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    seed_aid_world(engine)
    engine.dispose()
    yield sqlite_url
    get_settings.cache_clear()


def _offers(url: str) -> int:
    engine = make_engine(url)
    with transaction(engine) as db_session:
        count = db_session.scalar(select(func.count()).select_from(AidOffer)) or 0
    engine.dispose()
    return count


def test_one_bad_row_imports_no_offer_and_names_every_problem(
    cli_world: str, tmp_path: Path
) -> None:
    engine = make_engine(cli_world)
    verify_volunteer(engine)
    engine.dispose()
    bad = tmp_path / "offers.csv"
    bad.write_text(
        HEADER
        + "volunteer,shelter,6,oral,beds,30,,women and children only\n"
        + "nobody,food,40,oral,meals a day,,,\n"
        + "registrar,food,40,oral,,,,\n"
        + "volunteer,food,5,atlantis,,,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["aid", "import-offers", str(bad)])
    assert result.exit_code == 2
    for problem in ("row 2, column 'username'", "row 3, column 'username'", "row 4, column"):
        assert problem in result.stderr
    assert _offers(cli_world) == 0
    bad.write_text(HEADER + "volunteer,food,0,oral,,,,\nvolunteer,fish,1,oral,,,,\n", "utf-8")
    result = runner.invoke(app, ["aid", "import-offers", str(bad)])
    assert "row 1, column 'quantity'" in result.stderr and "row 2, column 'kind'" in result.stderr
    assert _offers(cli_world) == 0
    good = tmp_path / "good.csv"
    until = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    good.write_text(
        HEADER + f"volunteer,shelter,6,oral,beds,30,{until},no pets\nhost,food,40,small,,,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["aid", "import-offers", str(good)])
    assert result.exit_code == 0, result.stderr
    assert _offers(cli_world) == 2


def test_export_has_no_contact_and_expire_closes_stale_requests(cli_world: str) -> None:
    engine = make_engine(cli_world)
    add_request(engine, first_name="=HYPERLINK(1)", contact="+7 701 999 8877")
    with transaction(engine) as db_session:
        request = db_session.scalars(select(AidRequest)).one()
        request.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    engine.dispose()
    exported = runner.invoke(app, ["aid", "export", "requests"])
    assert exported.exit_code == 0
    assert exported.stdout.splitlines()[0].startswith("id,kind,urgency,status")
    assert "999 8877" not in exported.stdout and "HYPERLINK" not in exported.stdout
    expired = runner.invoke(app, ["aid", "expire"])
    assert expired.stdout.strip() == "expired 0 offer(s) and 1 request(s)"
    assert ",expired," in runner.invoke(app, ["aid", "export", "requests"]).stdout
    assert runner.invoke(app, ["aid", "verify", "nobody"]).exit_code == 2


def test_rotating_the_keys_reencrypts_requests_and_volunteers(
    cli_world: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from cryptography.fernet import Fernet

    from qonaq.aid.models import Volunteer

    old_key = os.environ["QONAQ_DATA_KEYS"].split(",")[0]
    engine = make_engine(cli_world)
    verify_volunteer(engine)
    add_request(engine, contact="+7 701 444 5566")
    engine.dispose()
    new_key = Fernet.generate_key().decode()
    monkeypatch.setenv("QONAQ_DATA_KEYS", f"{new_key},{old_key}")
    get_settings.cache_clear()
    result = runner.invoke(app, ["db", "rotate-keys", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 2 requests for help and volunteers" in result.stdout
    monkeypatch.setenv("QONAQ_DATA_KEYS", new_key)  # the old key is gone
    get_settings.cache_clear()
    engine = make_engine(cli_world)
    with transaction(engine) as db_session:
        assert db_session.scalars(select(AidRequest.contact)).one() == "+7 701 444 5566"
        assert db_session.scalars(select(Volunteer.full_name)).one() == "Dana Volunteer"
    engine.dispose()


def test_the_retention_erases_contacts_of_closed_requests_only(
    cli_world: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(cli_world)
    closed = add_request(engine, contact="+7 701 111 2233")
    still_open = add_request(engine, contact="+7 701 444 5566")
    with transaction(engine) as db_session:
        request = db_session.get(AidRequest, closed)
        assert request is not None
        request.status, request.closed_at = "expired", datetime.now(UTC) - timedelta(days=3)
    monkeypatch.setenv("QONAQ_RETENTION_DAYS", "2")
    get_settings.cache_clear()
    for expected in ("erased the contacts of 1 closed requests for help", None):
        result = runner.invoke(app, ["db", "purge"])
        assert result.exit_code == 0, result.output
        assert (expected in result.stdout) if expected else "closed requests" not in result.stdout
    with transaction(engine) as db_session:
        contacts = dict(db_session.execute(select(AidRequest.id, AidRequest.contact)).all())
        assert contacts == {closed: "erased", still_open: "+7 701 444 5566"}
        assert db_session.get(AidRequest, closed).kind == "food"  # type: ignore[union-attr]
    engine.dispose()
