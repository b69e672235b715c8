"""`qonaq place`: files in, files out; bad files give row-numbered errors and exit code 2."""

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from qonaq.cli import place
from qonaq.cli.place_files import parse_households, parse_vacancies, read_assignments
from qonaq.geo.settlements_file import read_settlements
from qonaq.placement.check import is_close, recompute_objective, violations
from qonaq.placement.policy import load_policy

SETTLEMENTS = """\
id,name,region,lat,lon,population,kind,open,cap_persons,cap_children,cap_medical,\
load_persons,load_children,load_medical
oral,Oral,West Kazakhstan,51.23,51.37,350000,regional_centre,true,40,10,4,30,2,0
aktobe,Aktobe,Aktobe,50.28,57.21,500000,regional_centre,true,30,8,3,0,0,0
kostanay,Kostanay,Kostanay,53.21,63.62,250000,regional_centre,true,25,6,2,5,0,0
astana,Astana,Astana,51.17,71.43,1300000,republic_city,true,60,20,5,10,0,0
zhem,Zhem,Aktobe,48.78,58.07,1800,village,true,10,3,1,0,0,0
"""
HOUSEHOLDS = """id,size,children,medical,origin_lat,origin_lon,occupations,preferences
h1,3,1,0,51.23,51.37,it;driver,astana;oral
h2,1,0,0,51.23,51.37,it,
h3,4,2,1,51.23,51.37,teacher,astana
h4,2,0,0,54.87,69.15,driver;driver,
h5,5,3,0,54.87,69.15,builder,kostanay
h6,2,0,1,51.23,51.37,,oral;aktobe;zhem
"""
VACANCIES = """settlement_id,occupation,vacancies
aktobe,driver,2
kostanay,it,1
astana,teacher,1
"""


def app() -> typer.Typer:
    """The place command alone, as `qonaq place` mounts it."""
    cli = typer.Typer()
    cli.command()(place.place)
    cli.command("noop")(lambda: None)  # two commands keep `place` a named sub-command
    return cli


def write_inputs(folder: Path, households: str = HOUSEHOLDS) -> dict[str, Path]:
    files = {"settlements": SETTLEMENTS, "households": households, "vacancies": VACANCIES}
    paths = {}
    for name, text in files.items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def run(paths: dict[str, Path], out: Path, *extra: str) -> object:
    args = [
        "place",
        "--settlements",
        str(paths["settlements"]),
        "--households",
        str(paths["households"]),
        "--vacancies",
        str(paths["vacancies"]),
        "--out",
        str(out),
        *extra,
    ]
    return CliRunner().invoke(app(), args)


def test_place_writes_assignments_and_a_summary_anyone_can_recompute(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    policy = Path(__file__).resolve().parents[2] / "policies" / "protect-megacities.toml"
    result = run(paths, tmp_path / "out", "--policy", str(policy))
    assert result.exit_code == 0, result.output
    assert "objective" in result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    for key in (
        "objective",
        "travel",
        "congestion",
        "employment",
        "preference",
        "unplaced",
        "lower_bound",
        "gap",
        "placed_households",
        "unplaced_households",
        "seconds",
    ):
        assert key in summary
    assignments = read_assignments(tmp_path / "out" / "assignments.csv")
    assert list(assignments) == ["h1", "h2", "h3", "h4", "h5", "h6"]
    places = read_settlements(paths["settlements"])
    ids = {p.id for p in places}
    households = parse_households(str(paths["households"]), ids)
    jobs = parse_vacancies(str(paths["vacancies"]), ids)
    rules = load_policy(policy)
    terms = recompute_objective(places, households, jobs, rules, assignments)
    for key in ("objective", "travel", "congestion", "employment", "preference", "unplaced"):
        assert is_close(summary[key], terms[key]), key
    assert violations(places, households, rules, assignments) == []
    # Zhem has 1,800 people: not eligible under this policy; Astana capped at 0.2 % = 2,600 (> 60)
    assert "zhem" not in assignments.values()


def test_bad_household_rows_are_numbered_on_stderr(tmp_path: Path) -> None:
    bad = (
        HOUSEHOLDS.replace("h2,1,0,0", "h2,0,0,0")
        .replace("h5,5,3,0", "h5,5,7,0")
        .replace("oral;aktobe;zhem", "oral;nowhere")
    )
    paths = write_inputs(tmp_path, bad)
    result = run(paths, tmp_path / "out")
    assert result.exit_code == 2
    assert "row 2, column 'size'" in result.output
    assert "row 5" in result.output and "children cannot exceed size" in result.output
    assert "row 6, column 'preferences': unknown settlement 'nowhere'" in result.output
    assert not (tmp_path / "out").exists()


def test_missing_file_and_bad_policy_exit_2(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    paths["households"] = tmp_path / "absent.csv"
    assert run(paths, tmp_path / "out").exit_code == 2
    paths = write_inputs(tmp_path)
    (tmp_path / "p.toml").write_text("circuity = 'far'")
    result = run(paths, tmp_path / "out", "--policy", str(tmp_path / "p.toml"))
    assert result.exit_code == 2
    assert "circuity" in result.output


def test_an_exact_lp_out_of_time_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = run(write_inputs(tmp_path), tmp_path / "out", "--method", "lp", "--lp-seconds", "0")
    assert result.exit_code == 2
    assert "the exact LP ran out of its 0 s" in result.output
    assert "--method auto" in result.output
    assert not (tmp_path / "out" / "assignments.csv").exists()
