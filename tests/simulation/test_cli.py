"""`qonaq simulate`: the table, --json, the report, and bad input as one line with exit 2."""

import json
from pathlib import Path

from typer.testing import CliRunner

from qonaq.cli import app

runner = CliRunner()
QUICK = ["simulate", "--scale", "0.02"]


def test_json_metrics() -> None:
    result = runner.invoke(app, [*QUICK, "--policies", "free,qonaq", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["scenario"] == "kz-2022"
    assert [p["policy"] for p in payload["policies"]] == ["free", "qonaq"]
    assert payload["policies"][1]["settlements_over_capacity"] == 0


def test_table_and_report(tmp_path: Path) -> None:
    result = runner.invoke(app, [*QUICK, "--policies", "quota", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "person-days over capacity" in result.stdout
    assert (tmp_path / "r" / "report.html").stat().st_size > 3_000_000
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())[0]["policy"] == "quota"


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n')
    for args in (
        ["--policies", "free,easy"],
        ["--scenario", "no-such"],
        ["--scenario", str(tmp_path / "missing.toml")],
        ["--scenario", str(bad)],
    ):
        result = runner.invoke(app, [*QUICK, *args])
        assert result.exit_code == 2, args
        assert result.stderr.startswith("error:") and "Traceback" not in result.output


def test_the_report_in_the_language_asked_for(tmp_path: Path) -> None:
    result = runner.invoke(
        app, [*QUICK, "--policies", "quota", "--language", "kk", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "report.html").read_text("utf-8")
    assert '<html lang="kk">' in page and "Адамдар қайда орналасты" in page
    wrong = runner.invoke(app, [*QUICK, "--language", "de"])
    assert wrong.exit_code == 2 and wrong.stderr.startswith("error: unknown language")
