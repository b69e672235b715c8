"""`qonaq transport plan`: the two CSV files, and bad input as one line on stderr, exit 2."""

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from qonaq.cli import app
from qonaq.config import get_settings
from qonaq.db import migrate
from qonaq.db.session import transaction
from qonaq.registry.models import Household
from qonaq.transport.models import Departure
from tests.registry.factories import seed_tiny_country
from tests.transport.test_service import place, tomorrow

runner = CliRunner()


@pytest.fixture
def cli_database(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Iterator[str]:
    """A fresh SQLite database with the tiny country and three placed households."""
    monkeypatch.setenv("QONAQ_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    migrate.upgrade(sqlite_url)
    engine = create_engine(sqlite_url)
    seed_tiny_country(engine)
    for size, town in [(2, "aksai"), (3, "aksai"), (1, "small")]:
        place(engine, size, town)
    engine.dispose()
    yield sqlite_url
    get_settings.cache_clear()


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def departures_in(url: str) -> int:
    engine = create_engine(url)
    with transaction(engine, writes=False) as db_session:
        count = db_session.scalar(select(func.count()).select_from(Departure)) or 0
    engine.dispose()
    return count


def test_plan_writes_departures_and_one_manifest_row_per_household(
    cli_database: str, tmp_path: Path
) -> None:
    day = tomorrow().isoformat()
    result = runner.invoke(
        app, ["transport", "plan", "--from", day, "--to", day, "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "seats used" in result.output
    departures = read(tmp_path / "departures.csv")
    manifest = read(tmp_path / "manifest.csv")
    assert list(departures[0]) == [
        "departure_id",
        "vehicle",
        "seats",
        "boarding_point",
        "departs_at",
        "stops",
    ]
    assert list(manifest[0]) == [
        "departure_id",
        "household_reference",
        "persons",
        "destination_settlement_id",
    ]
    engine = create_engine(cli_database)
    with transaction(engine, writes=False) as db_session:
        references = set(db_session.scalars(select(Household.reference)))
    engine.dispose()
    assert {row["household_reference"] for row in manifest} == references
    assert sorted(int(row["persons"]) for row in manifest) == [1, 2, 3]
    ids = {row["departure_id"] for row in departures}
    assert {row["departure_id"] for row in manifest} <= ids
    for row in departures:
        stops = row["stops"].split(";")
        aboard = [m for m in manifest if m["departure_id"] == row["departure_id"]]
        assert {m["destination_settlement_id"] for m in aboard} <= set(stops)
        assert sum(int(m["persons"]) for m in aboard) <= int(row["seats"])
        assert row["departs_at"].startswith(day) and row["boarding_point"] == "syrym"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--from", "2022-09-30", "--to", "2022-09-28"], "before the first day"),
        (["--from", "28.09.2022", "--to", "2022-09-28"], "is not a date"),
        (["--from", "2022-01-01", "--to", "2022-12-31"], "at most 31 days"),
    ],
)
def test_bad_dates_are_one_line_and_exit_2(
    cli_database: str, tmp_path: Path, args: list[str], words: str
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["transport", "plan", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() and departures_in(cli_database) == 0


def test_a_vehicle_with_negative_seats_is_refused_and_nothing_is_written(
    cli_database: str, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        "[transport.vehicles.bus]\nseats = -50\nspeed_kmh = 70.0\ntariff_per_km = 600\n"
        "fixed_cost = 30000\n"
    )
    out = tmp_path / "out"
    day = tomorrow().isoformat()
    result = runner.invoke(
        app,
        [
            "transport",
            "plan",
            "--from",
            day,
            "--to",
            day,
            "--policy",
            str(policy),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    assert "seats" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() and departures_in(cli_database) == 0
