"""Bad input files on the command line: exit code 2 and exactly one line on stderr, for every
command that reads them (`place`, `simulate --scenario`, `import settlements`)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from qonaq.cli import app
from tests.placement.test_cli import HOUSEHOLDS, SETTLEMENTS, VACANCIES

runner = CliRunner()
BIG_CELL = "x" * (200 * 1024)
DEEP = 10_000


def one_line_error(result: Result, *words: str) -> str:
    """The single stderr line of a refused input; it names the problem with `words`."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def inputs(folder: Path, **texts: str) -> dict[str, Path]:
    """The three input files of `qonaq place`, any of them replaced by `texts`."""
    files = {"settlements": SETTLEMENTS, "households": HOUSEHOLDS, "vacancies": VACANCIES}
    paths = {}
    for name, text in (files | texts).items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def place(paths: dict[str, Path], out: Path, *extra: str) -> Result:
    args = ["place", "--quiet", "--out", str(out)]
    for name in ("settlements", "households", "vacancies"):
        args += [f"--{name}", str(paths[name])]
    return runner.invoke(app, [*args, *extra])


POLICIES = {
    "inf weight": ("employment_reward = inf", "'employment_reward': must be a finite number"),
    "1e400": ("unplaced_penalty = 1e400", "'unplaced_penalty': must be a finite number"),
    "nan in a list": ("preference_rewards = [nan, 1, 1]", "'preference_rewards.0'"),
    "nan breaks": (
        "[congestion]\nbreaks = [nan, nan, 1.0]\ncosts = [0, 300, 1200]",
        "'congestion.breaks.0'",
    ),
    "weight too big": ("employment_reward = 1e8", "less than or equal to 10000000"),
    "negative cost": (
        "[congestion]\nbreaks = [0.5, 1.0]\ncosts = [-1, 0]",
        "'congestion.costs.0': Input should be greater than or equal to 0",
    ),
    "huge integer": ("[eligibility]\nmin_population = 1" + "0" * 30, "number too large"),
    "a boolean for a number": ("circuity = true", "'circuity': Input should be a valid number"),
    "nested arrays": (f"x = {'[' * DEEP}{']' * DEEP}", "nested deeper than 16 levels"),
    "nested inline tables": (
        f"x = {'{a = ' * DEEP}1{'}' * DEEP}",
        "nested deeper than 16 levels",
    ),
    "nested tables": (f"[{'.'.join(['t'] * DEEP)}]\nx = 1", "nested deeper than 16 levels"),
    "nested dotted keys": (".".join(["k"] * DEEP) + " = 1", "nested deeper than 16 levels"),
    "not UTF-8": ("circuity = 1.5 # caf\udce9", "not UTF-8 text"),
    "too large": ("# " + "x" * (1024 * 1024) + "\ncircuity = 1.5", "larger than 1,048,576 bytes"),
}


@pytest.mark.parametrize("case", POLICIES, ids=list(POLICIES))
def test_a_bad_policy_is_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    text, words = POLICIES[case]
    policy = tmp_path / "policy.toml"
    policy.write_bytes(text.encode("utf-8", "surrogateescape"))
    result = place(inputs(tmp_path), tmp_path / "out", "--policy", str(policy))
    one_line_error(result, "policy.toml", words)
    assert not (tmp_path / "out").exists()


def test_a_directory_as_the_policy_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    result = place(inputs(tmp_path), tmp_path / "out", "--policy", str(tmp_path / "policies"))
    one_line_error(result, "policies: is a directory, not a file")


def test_a_policy_at_every_maximum_still_plans_finite_numbers(tmp_path: Path) -> None:
    policy = tmp_path / "max.toml"
    policy.write_text(
        "circuity = 5.0\nemployment_reward = 1e7\npreference_rewards = [1e7, 1e7, 1e7]\n"
        "unplaced_penalty = 1e7\n[congestion]\nbreaks = [0.5, 1.0]\ncosts = [1e7, 1e7]\n"
    )
    for method in ("lp", "flow"):
        out = tmp_path / method
        result = place(inputs(tmp_path), out, "--policy", str(policy), "--method", method)
        assert result.exit_code == 0, result.output
        summary = json.loads((out / "summary.json").read_text(), parse_constant=float)
        assert all(abs(v) < 1e15 for v in summary.values() if isinstance(v, float)), summary


def with_cell(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


CSV_FILES = {
    "a 200 KiB settlements cell": (
        "settlements",
        with_cell(SETTLEMENTS, "Oral,West", f"{BIG_CELL},West"),
        "row 1: a cell longer than 131,072 characters",
    ),
    "a 200 KiB households cell": (
        "households",
        with_cell(HOUSEHOLDS, "h3,4", f"{BIG_CELL},4"),
        "row 3: a cell longer than 131,072 characters",
    ),
    "a 200 KiB vacancies cell": (
        "vacancies",
        with_cell(VACANCIES, "kostanay,it", f"kostanay,{BIG_CELL}"),
        "row 2: a cell longer than 131,072 characters",
    ),
    "load above capacity": (
        "settlements",
        with_cell(SETTLEMENTS, "40,10,4,30,2,0", "40,10,4,41,2,0"),
        "row 1, column 'load_persons': load 41 exceeds cap_persons 40",
    ),
    "children load above capacity": (
        "settlements",
        with_cell(SETTLEMENTS, "25,6,2,5,0,0", "25,6,2,5,7,0"),
        "row 3, column 'load_children': load 7 exceeds cap_children 6",
    ),
    "a NUL in a settlement name": (
        "settlements",
        with_cell(SETTLEMENTS, "Oral,West", "Or\x00al,West"),
        "row 1, column 'name': control character U+0000",
    ),
    "a NUL in a household id": (
        "households",
        with_cell(HOUSEHOLDS, "h2,1", "h\x002,1"),
        "row 2, column 'id': control character U+0000",
    ),
    "an escape in an occupation": (
        "vacancies",
        with_cell(VACANCIES, "astana,teacher", "astana,tea\x1bcher"),
        "row 3, column 'occupation': control character U+001B",
    ),
    "a quoted line break in a household id": (
        "households",
        with_cell(HOUSEHOLDS, "h2,1", '"h\n2",1'),
        "row 2, column 'id': control character U+000A",
    ),
    "a capacity beyond PostgreSQL's INTEGER": (
        "settlements",
        with_cell(SETTLEMENTS, "60,20,5,10", "3000000000,20,5,10"),
        "row 4, column 'cap_persons'",
    ),
    "an infinite latitude": (
        "households",
        with_cell(HOUSEHOLDS, "h4,2,0,0,54.87", "h4,2,0,0,inf"),
        "row 4, column 'origin_lat'",
    ),
}


@pytest.mark.parametrize("case", CSV_FILES, ids=list(CSV_FILES))
def test_a_bad_csv_file_for_place_is_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    name, text, words = CSV_FILES[case]
    result = place(inputs(tmp_path, **{name: text}), tmp_path / "out")
    one_line_error(result, f"{name}.csv: {words}")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["settlements", "households", "vacancies"])
def test_a_directory_as_a_csv_file_is_one_line_and_exit_2(tmp_path: Path, name: str) -> None:
    paths = inputs(tmp_path)
    paths[name] = tmp_path / f"{name}-folder"
    paths[name].mkdir()
    one_line_error(place(paths, tmp_path / "out"), f"{name}-folder: is a directory, not a file")


@pytest.mark.parametrize(
    "case", [c for c in CSV_FILES if CSV_FILES[c][0] == "settlements"] + ["directory"]
)
def test_a_bad_settlements_file_for_import_is_one_line_and_exit_2(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # nothing may reach a database: the file is refused before one is opened
    monkeypatch.setenv("QONAQ_DATABASE_URL", f"sqlite:///{tmp_path / 'absent' / 'no.db'}")
    if case == "directory":
        path, words = tmp_path, "is a directory, not a file"
    else:
        path, words = inputs(tmp_path, settlements=CSV_FILES[case][1])["settlements"], ""
        words = CSV_FILES[case][2]
    result = runner.invoke(app, ["import", "settlements", str(path)])
    one_line_error(result, words)
    assert not (tmp_path / "absent").exists()


SCENARIOS = {
    "inf": ('name = "x"\nstart_date = 2022-09-21\nseed = inf', "'seed': must be a finite"),
    "1e400": ("[transport]\nkm_per_day = 1e400", "'transport.km_per_day': must be a finite"),
    "deep": (f"x = {'[' * DEEP}{']' * DEEP}", "nested deeper than 16 levels"),
    "not TOML": ("name = = 1", "not valid TOML"),
}


@pytest.mark.parametrize("case", SCENARIOS, ids=list(SCENARIOS))
def test_a_bad_scenario_is_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    text, words = SCENARIOS[case]
    (tmp_path / "surge.toml").write_text(text)
    result = runner.invoke(app, ["simulate", "--scenario", str(tmp_path / "surge.toml")])
    one_line_error(result, "surge.toml", words)


def test_a_directory_as_the_scenario_or_its_settlements_is_one_line_and_exit_2(
    tmp_path: Path,
) -> None:
    result = runner.invoke(app, ["simulate", "--scenario", str(tmp_path)])
    one_line_error(result, "is a directory, not a file")
    result = runner.invoke(app, ["simulate", "--scenario", "kz-2022", "--settlements", "/"])
    one_line_error(result, "/: is a directory, not a file")


def test_the_installed_command_prints_one_line_for_a_directory_policy(tmp_path: Path) -> None:
    paths = inputs(tmp_path)
    args = ["place", "--quiet", "--out", str(tmp_path / "out"), "--policy", str(tmp_path)]
    args += ["--settlements", str(paths["settlements"]), "--households", str(paths["households"])]
    done = subprocess.run(
        [sys.executable, "-m", "qonaq.cli", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr == f"error: {tmp_path}: is a directory, not a file\n"
    assert done.stdout == ""
