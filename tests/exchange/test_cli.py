"""`qonaq import vacancies|capacities` and `qonaq export`: one stderr line per bad row and
exit 2 (never a traceback), files written whole, exports audited."""

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qonaq.audit.models import AuditEvent
from qonaq.cli import app
from qonaq.db.session import make_engine, transaction
from qonaq.exchange.exports import EXPORTS
from qonaq.exchange.imports import CAPACITY_COLUMNS, VACANCY_COLUMNS
from tests.cli.test_cli import cli_database
from tests.exchange.sheets import workbook_rows, write_csv, write_workbook
from tests.exchange.test_imports import capacities, vacancies
from tests.registry.factories import seed_tiny_country

__all__ = ["cli_database"]
runner = CliRunner()


@pytest.fixture
def tiny_cli(cli_database: str) -> str:
    """The CLI's database, migrated, with the tiny country."""
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    engine = make_engine(cli_database)
    seed_tiny_country(engine)
    engine.dispose()
    return cli_database


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_three_bad_rows_are_three_lines_and_nothing_is_written(
    tiny_cli: str, tmp_path: Path, kind: str
) -> None:
    write = write_csv if kind == "csv" else write_workbook
    path = write(
        tmp_path / f"jobs.{kind}", VACANCY_COLUMNS,
        ("oral", "it", 4), ("nowhere", "it", 1), ("oral", "medicine", "lots"), ("oral", "it", 2),
    )  # fmt: skip
    result = runner.invoke(app, ["import", "vacancies", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {path}: row 2, column 'settlement_id': unknown settlement 'nowhere'",
        f"error: {path}: row 3, column 'vacancies': "
        "Input should be a valid integer, unable to parse string as an integer",
        f"error: {path}: row 4, column 'occupation': repeats row 1",
    ]
    assert vacancies(make_engine(tiny_cli)) == {}


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.csv", b""), ("empty.xlsx", b""), ("renamed.xlsx", b"settlement_id,occupation\n")],
)
def test_an_empty_or_renamed_file_is_one_line_and_exit_2(
    tiny_cli: str, tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    for kind in ("vacancies", "capacities"):
        result = runner.invoke(app, ["import", kind, str(path)])
        assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
        assert "Traceback" not in result.output and result.stderr.startswith("error: ")


def test_a_missing_file_is_one_line_and_exit_2(tiny_cli: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "capacities", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2 and result.stderr.strip().endswith("file not found")


def test_good_files_import_and_say_what_they_did(tiny_cli: str, tmp_path: Path) -> None:
    jobs = write_workbook(tmp_path / "jobs.xlsx", VACANCY_COLUMNS, ("oral", "it", 4))
    result = runner.invoke(app, ["import", "vacancies", str(jobs)])
    assert result.exit_code == 0 and "4 open jobs in 1 rows for 1 settlements" in result.stdout
    caps = write_csv(tmp_path / "caps.csv", CAPACITY_COLUMNS, ("small", 12, 10, 10))
    result = runner.invoke(app, ["import", "capacities", str(caps)])
    assert result.exit_code == 0 and "1 declared, 0 unchanged" in result.stdout
    assert capacities(make_engine(tiny_cli))["small"] == (12, 10, 10, "declared")


def test_export_writes_csv_to_stdout_and_xlsx_to_a_file_audited(
    tiny_cli: str, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["export", "loads"])
    assert result.exit_code == 0, result.output
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(table[0]) == EXPORTS["loads"].columns
    assert sorted(row[0] for row in table[1:]) == ["aksai", "oral", "small"]
    out = tmp_path / "exports" / "loads.xlsx"
    out.parent.mkdir()
    result = runner.invoke(app, ["export", "loads", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert workbook_rows(out.read_bytes())[0] == EXPORTS["loads"].columns
    assert [p.name for p in out.parent.iterdir()] == ["loads.xlsx"]  # no temporary file left
    with transaction(make_engine(tiny_cli), writes=False) as db_session:
        exports = db_session.execute(
            select(AuditEvent.object_id, AuditEvent.after).where(AuditEvent.action == "data.export")
        ).all()
    assert [(what, after["format"]) for what, after in exports] == [
        ("loads", "csv"),
        ("loads", "xlsx"),
    ]


def test_export_to_a_missing_folder_is_one_line(tiny_cli: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "arrivals", "--out", str(tmp_path / "no" / "a.csv")])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
