"""The command line: seeding, importing, listing, and bad input as one line and exit 2."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qonaq import __version__
from qonaq.cli import COMMANDS, app
from qonaq.config import get_settings
from tests.settlements.test_importer import GOOD_ROWS, csv_text

runner = CliRunner()


@pytest.fixture
def cli_database(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Iterator[str]:
    """Point the CLI at a fresh SQLite database."""
    monkeypatch.setenv("QONAQ_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.stdout


def test_help_everywhere() -> None:
    for args in (
        ["--help"],
        ["db", "--help"],
        ["settlements", "list", "--help"],
        ["place", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
        assert "Usage" in result.stdout


def test_every_command_is_listed_and_answers_its_help() -> None:
    listed = runner.invoke(app, ["--help"])
    assert listed.exit_code == 0
    for name in COMMANDS:
        assert name in listed.stdout
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.stdout, name
    unknown = runner.invoke(app, ["nosuch"])
    assert unknown.exit_code == 2 and "No such command" in unknown.output


def test_the_command_line_starts_without_the_modules_of_other_commands() -> None:
    # what `qonaq place` loads: not the database, the web server or the job queue
    script = (
        "import sys; from qonaq.cli import app; import qonaq.cli.place; "
        "print(','.join(sorted(m for m in ('sqlalchemy', 'fastapi', 'procrastinate', "
        "'openpyxl', 'qonaq.placement.plan') if m in sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "qonaq.placement.plan"


def test_seed_kz_then_list_by_region_and_kind(cli_database: str) -> None:
    assert runner.invoke(app, ["db", "seed", "kz"]).exit_code == 0
    result = runner.invoke(
        app,
        [
            "settlements",
            "list",
            "--region",
            "Mangystau",
            "--kind",
            "regional_centre",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == ["610612"]
    assert rows[0]["name"] == "Aktau" and rows[0]["capacity_source"] == "estimate"
    table = runner.invoke(app, ["settlements", "list", "--kind", "republic_city"])
    assert table.exit_code == 0 and "3 settlements" in table.stdout
    listed = runner.invoke(
        app, ["settlements", "list", "--kind", "republic_city", "--format", "csv"]
    )
    names = {line.split(",")[1] for line in listed.stdout.splitlines()[1:]}
    assert names == {"Almaty", "Astana", "Shymkent"}


def test_bad_import_reports_rows_and_writes_nothing(cli_database: str, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(csv_text(*GOOD_ROWS))
    assert runner.invoke(app, ["import", "settlements", str(good)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        csv_text("n1,New,R,51,51,100,town,1,5,0,0,0,0,0", "n2,Bad,R,91,51,100,town,1,5,0,0,0,0,0")
    )
    result = runner.invoke(app, ["import", "settlements", str(bad)])
    assert result.exit_code == 2
    assert "row 2, column 'lat'" in result.stderr
    listed = runner.invoke(app, ["settlements", "list", "--format", "csv"])
    assert [line.split(",")[0] for line in listed.stdout.splitlines()[1:]] == ["s1", "s2", "s3"]


def test_unknown_region_is_one_line_and_exit_2(cli_database: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["settlements", "list", "--region", "Atlantis"])
    assert result.exit_code == 2 and "unknown region" in result.stderr


def test_simulate_json_is_pure_json_on_stdout() -> None:
    # a real process: solver libraries print from C, which CliRunner would not see
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "qonaq.cli", "simulate", "--scale", "0.02", "--json"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [p["policy"] for p in report["policies"]] == ["free", "quota", "qonaq"]


def test_place_from_db_plans_and_applies_the_pending_households(
    cli_database: str, tmp_path: Path
) -> None:
    from qonaq.auth.actor import Actor
    from qonaq.db import migrate
    from qonaq.db.session import make_engine, transaction
    from qonaq.registry.service import register_household
    from tests.registry.factories import household, seed_tiny_country

    migrate.upgrade(cli_database)
    engine = make_engine(cli_database)
    seed_tiny_country(engine)
    with transaction(engine) as db_session:
        for size in (1, 2, 3, 4):
            register_household(db_session=db_session, data=household(size), actor=Actor("test"))
    engine.dispose()
    preview = runner.invoke(app, ["place", "--from-db", "--out", str(tmp_path / "p"), "--quiet"])
    assert preview.exit_code == 0, preview.output
    rows = (tmp_path / "p" / "assignments.csv").read_text().splitlines()
    assert len(rows) == 5 and all(row.split(",")[1] for row in rows[1:])
    assert json.loads((tmp_path / "p" / "summary.json").read_text())["placed_households"] == 4
    applied = runner.invoke(app, ["place", "--from-db", "--apply", "--out", str(tmp_path / "a")])
    assert applied.exit_code == 0, applied.output
    listed = json.loads(runner.invoke(app, ["settlements", "list", "--format", "json"]).stdout)
    assert sum(s["load_persons"] for s in listed) == 10
    again = runner.invoke(app, ["place", "--from-db", "--out", str(tmp_path / "b"), "--quiet"])
    assert again.exit_code == 0
    assert (tmp_path / "b" / "assignments.csv").read_text().splitlines() == [
        "household_id,settlement_id"
    ]


def test_place_needs_files_or_the_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["place", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--from-db" in result.stderr


def test_openapi_prints_the_api_document() -> None:
    result = runner.invoke(app, ["openapi"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert "/api/v1/households" in document["paths"]
    assert "/api/v1/households/{household_id}/placement" in document["paths"]


def test_users_create_refuses_a_host_without_settlement(cli_database: str) -> None:
    result = runner.invoke(
        app, ["users", "create", "akim", "--role", "host", "--password", "long enough pw"]
    )
    assert result.exit_code == 2 and "--settlement" in result.stderr
    created = runner.invoke(app, ["users", "create", "reg", "--role", "registrar"])
    assert created.exit_code == 0 and "with password" in created.stdout
