"""Exports: stable English columns, counts and references only, typed XLSX cells under a frozen
header, and a loads export that imports back as the same capacities."""

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.exchange.exports import EXPORTS, export_rows
from qonaq.exchange.imports import import_capacities
from qonaq.exchange.sheets import csv_chunks, xlsx_chunks
from qonaq.registry.service import confirm_placement, record_arrival, register_household
from qonaq.settlements.service import declare_capacity
from tests.exchange.sheets import workbook_rows
from tests.exchange.test_imports import capacities
from tests.registry.factories import household, person, seed_tiny_country

CLI = Actor("cli")


@pytest.fixture
def placed(migrated_engine: Engine) -> Engine:
    """The tiny country with three households placed, one of them arrived."""
    seed_tiny_country(migrated_engine)
    with transaction(migrated_engine) as db_session:
        for number, (size, where) in enumerate([(3, "oral"), (2, "oral"), (1, "small")]):
            members = [person(full_name=f"Secret Name{number}{i}") for i in range(size)]
            found = register_household(
                db_session=db_session, data=household(members=members), actor=CLI
            )
            placement = confirm_placement(
                db_session=db_session, household_id=found.id, settlement_id=where, actor=CLI,
                recommended=[where], override_reason=None,
            )  # fmt: skip
            db_session.flush()
            if number == 0:
                record_arrival(
                    db_session=db_session, placement_id=placement.id, arrived=True, actor=CLI
                )
    return migrated_engine


def rows(engine: Engine, what: str) -> list[tuple[object, ...]]:
    with transaction(engine, writes=False) as db_session:
        return list(export_rows(db_session, what))


def csv_text(engine: Engine, what: str) -> str:
    with transaction(engine, writes=False) as db_session:
        return "".join(csv_chunks(EXPORTS[what].columns, export_rows(db_session, what)))


def xlsx_bytes(engine: Engine, what: str) -> bytes:
    with transaction(engine, writes=False) as db_session:
        return b"".join(xlsx_chunks(what, EXPORTS[what].columns, export_rows(db_session, what)))


def test_placements_are_references_and_counts_without_personal_data(placed: Engine) -> None:
    text = csv_text(placed, "placements")
    header, *lines = text.splitlines()
    assert header == (
        "placement_id,reference,settlement_id,settlement_name,region,status,persons,children,"
        "medical,placed_at_utc,expected_arrival"
    )
    statuses = [(line.split(",")[2], line.split(",")[5], line.split(",")[6]) for line in lines]
    assert statuses == [
        ("oral", "arrived", "3"),
        ("oral", "reserved", "2"),
        ("small", "reserved", "1"),
    ]
    assert "Secret" not in text and "75 " not in text


def test_loads_and_arrivals_count_per_settlement(placed: Engine) -> None:
    loads = {row[0]: row for row in rows(placed, "loads")}
    columns = EXPORTS["loads"].columns
    oral = dict(zip(columns, loads["oral"], strict=True))
    assert (oral["cap_persons"], oral["load_persons"], oral["free_persons"]) == (5000, 5, 4995)
    assert oral["region"] == "West Kazakhstan" and oral["open"] is True
    arrivals = [
        dict(zip(EXPORTS["arrivals"].columns, r, strict=True)) for r in rows(placed, "arrivals")
    ]
    by_place = {a["settlement_id"]: a for a in arrivals}
    assert set(by_place) == {"oral", "small"} and all(isinstance(a["day"], date) for a in arrivals)
    assert (by_place["oral"]["households"], by_place["oral"]["persons"]) == (2, 5)
    assert (by_place["oral"]["arrived_households"], by_place["oral"]["arrived_persons"]) == (1, 3)
    assert (by_place["oral"]["expected_households"], by_place["oral"]["expected_persons"]) == (1, 2)
    assert by_place["small"]["no_show_households"] == 0


def test_xlsx_has_a_frozen_header_and_typed_cells(placed: Engine) -> None:
    data = xlsx_bytes(placed, "placements")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    header, first, *_ = workbook_rows(data)
    assert header == EXPORTS["placements"].columns
    record = dict(zip(header, first, strict=True))
    assert isinstance(record["placement_id"], int) and isinstance(record["persons"], int)
    assert isinstance(record["placed_at_utc"], datetime)
    assert isinstance(record["expected_arrival"], datetime)  # a day: midnight, shown as a date
    assert sheet["K2"].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_loads_exported_import_back_as_the_same_capacities(
    placed: Engine, tmp_path: Path, kind: str
) -> None:
    with transaction(placed) as db_session:
        declare_capacity(db_session=db_session, settlement_id="aksai", persons=900, children=210,
                         medical=44, actor=CLI)  # fmt: skip
    exported = capacities(placed)
    path = tmp_path / f"loads.{kind}"
    if kind == "csv":
        path.write_text(csv_text(placed, "loads"), encoding="utf-8")
    else:
        path.write_bytes(xlsx_bytes(placed, "loads"))
    with transaction(placed) as db_session:
        for sid in ("oral", "aksai"):
            declare_capacity(db_session=db_session, settlement_id=sid, persons=6, children=1,
                             medical=1, actor=CLI)  # fmt: skip
    with transaction(placed) as db_session:
        done = import_capacities(db_session=db_session, path=path, actor=CLI)
    assert (done.declared, done.unchanged) == (2, 1)
    assert {k: v[:3] for k, v in capacities(placed).items()} == {
        k: v[:3] for k, v in exported.items()
    }


def test_a_text_cell_that_looks_like_a_formula_stays_text() -> None:
    data = b"".join(xlsx_chunks("t", ("name", "n"), [("=1+1", 2), ("@SUM(A1)", 3)]))
    assert workbook_rows(data)[1:] == [("=1+1", 2), ("@SUM(A1)", 3)]
    text = "".join(csv_chunks(("name",), [("=1+1",)]))
    assert text == "name\n'=1+1\n"
