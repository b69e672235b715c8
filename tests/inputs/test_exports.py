"""CSV exports: a text cell can never run as a spreadsheet formula, and numbers stay numbers."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from qonaq.cli import app
from qonaq.cli.place_files import read_assignments
from qonaq.config import get_settings
from qonaq.csvoutput import FORMULA_STARTS, escape_cell, unescape_cell, write_csv
from tests.inputs.test_cli import inputs
from tests.placement.test_cli import HOUSEHOLDS
from tests.settlements.test_importer import HEADER

runner = CliRunner()


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),
        ("-3.5", "-3.5"),
        ("+7", "+7"),
        ("-1e5", "-1e5"),
        ("-inf", "'-inf"),
        ("Oral", "Oral"),
        ("'quoted'", "'quoted'"),
        ("", ""),
        (-3.5, -3.5),
        (-12, -12),
        (None, None),
    ],
)
def test_text_that_starts_a_formula_gets_a_quote_and_numbers_do_not(
    value: object, written: object
) -> None:
    assert escape_cell(value) == written


@settings(max_examples=300, deadline=None)
@given(text=st.text() | st.sampled_from(FORMULA_STARTS).flatmap(lambda c: st.text().map(c.__add__)))
def test_escaping_is_safe_and_reversible(text: str) -> None:
    written = escape_cell(text)
    assert isinstance(written, str)
    assert unescape_cell(written) == text
    if written.startswith(FORMULA_STARTS):
        float(written)  # only a plain number may start with a sign


def test_write_csv_escapes_text_cells_only() -> None:
    buffer = io.StringIO()
    write_csv(buffer, ("name", "load"), [("=1+1", -3), ("-3.5", 2.5)])
    assert buffer.getvalue() == "name,load\n'=1+1,-3\n-3.5,2.5\n"


def test_place_escapes_household_ids_and_reads_them_back(tmp_path: Path) -> None:
    ids = {"h1": '=HYPERLINK("x")', "h2": "@cmd", "h3": "-5", "h4": "'=quoted"}
    households = HOUSEHOLDS
    for old, new in ids.items():
        households = households.replace(f"\n{old},", f"\n{_csv_cell(new)},")
    out = tmp_path / "out"
    paths = inputs(tmp_path, households=households)
    args = ["place", "--quiet", "--out", str(out)]
    for name in ("settlements", "households", "vacancies"):
        args += [f"--{name}", str(paths[name])]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    column = [row[0] for row in csv.reader(io.StringIO((out / "assignments.csv").read_text()))]
    assert column[1:5] == ['\'=HYPERLINK("x")', "'@cmd", "-5", "''=quoted"]
    assert list(read_assignments(out / "assignments.csv"))[:4] == list(ids.values())


def _csv_cell(text: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([text])
    return buffer.getvalue()


@pytest.fixture
def cli_database(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Iterator[str]:
    monkeypatch.setenv("QONAQ_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def test_settlements_list_csv_escapes_names_and_keeps_numbers(
    cli_database: str, tmp_path: Path
) -> None:
    rows = [
        "s1,=cmd|' /C calc'!A0,+West,51.23,51.37,250000,town,1,5000,1200,250,12,0,0",
        "s2,-Aksai,@Region,51.17,52.99,35000,town,1,700,170,35,0,0,0",
    ]
    path = tmp_path / "settlements.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    assert runner.invoke(app, ["import", "settlements", str(path)]).exit_code == 0
    result = runner.invoke(app, ["settlements", "list", "--format", "csv"])
    assert result.exit_code == 0, result.output
    listed = {row["id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert listed["s1"]["name"] == "'=cmd|' /C calc'!A0"
    assert listed["s1"]["region"] == "'+West"
    assert listed["s2"]["name"] == "'-Aksai"
    assert listed["s2"]["region"] == "'@Region"
    assert listed["s1"]["population"] == "250000" and listed["s1"]["load_persons"] == "12"
