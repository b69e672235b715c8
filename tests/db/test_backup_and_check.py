"""`qonaq db backup` / `restore` round trips every table on SQLite and PostgreSQL;
`qonaq db check` finds every broken invariant."""

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update
from typer.testing import CliRunner

from qonaq.cli import app
from qonaq.config import get_settings
from qonaq.db.models import Base
from qonaq.db.session import transaction
from qonaq.registry.models import Household, Placement
from qonaq.settlements.models import Settlement
from tests.web.conftest import make_site

runner = CliRunner()


@pytest.fixture
def cli_on(migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The CLI pointed at the test database, which holds a few placed households."""
    monkeypatch.setenv("QONAQ_DATABASE_URL", migrated_engine.url.render_as_string(False))
    get_settings.cache_clear()
    site = make_site(migrated_engine)
    registrar = site.auth("registrar")
    for n in range(3):
        body = {
            "origin_hub_id": "syrym",
            "members": [{"full_name": f"Backup Person {n}", "birth_date": "1985-05-05",
                         "sex": "M", "citizenship": "RUS", "document_type": "passport",
                         "document_number": f"40 {n:07d}"}],
        }  # fmt: skip
        household = site.client.post("/api/v1/households", json=body, headers=registrar).json()
        placed = site.client.post(
            f"/api/v1/households/{household['id']}/placement",
            json={"settlement_id": "oral", "override_reason": "backup test"}, headers=registrar,
        )  # fmt: skip
        assert placed.status_code == 201
    yield migrated_engine
    get_settings.cache_clear()


def _every_table(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with transaction(engine, writes=False) as db_session:
        return {
            table.name: sorted((tuple(row) for row in db_session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def test_backup_then_restore_gives_back_every_row(cli_on: Engine, tmp_path: Path) -> None:
    before = _every_table(cli_on)
    target = tmp_path / "qonaq.backup"
    result = runner.invoke(app, ["db", "backup", str(target)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with transaction(cli_on) as db_session:  # the day goes on after the backup
        db_session.execute(update(Settlement).values(cap_persons=Settlement.cap_persons + 1))
        db_session.execute(text("DELETE FROM audit_events"))
    assert _every_table(cli_on) != before
    cli_on.dispose()  # no connection may hold the tables while they are replaced
    result = runner.invoke(app, ["db", "restore", str(target)])
    assert result.exit_code == 0, result.output
    assert _every_table(cli_on) == before
    assert runner.invoke(app, ["db", "check"]).exit_code == 0


def test_restore_of_a_missing_file_is_one_line_and_exit_2(cli_on: Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "restore", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no such backup file" in result.output


def test_check_lists_every_broken_invariant(cli_on: Engine) -> None:
    assert runner.invoke(app, ["db", "check"]).exit_code == 0
    with transaction(cli_on) as db_session:
        db_session.execute(
            update(Settlement).where(Settlement.id == "aksai").values(load_persons=7)
        )
        first = db_session.scalars(select(Placement).order_by(Placement.id)).first()
        assert first is not None
        db_session.execute(
            update(Placement).where(Placement.id == first.id).values(status="cancelled")
        )
        db_session.add(Household(reference="QN-EMPTY1", size=1, origin_lat=51.0, origin_lon=51.0))
    result = runner.invoke(app, ["db", "check"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "settlement aksai: persons load 7 but its active placements hold 0" in lines
    assert "settlement oral: persons load 3 but its active placements hold 2" in lines
    assert f"household {first.household_id}: placed but no active placement" in lines
    assert any(line.endswith(": no members") for line in lines)
