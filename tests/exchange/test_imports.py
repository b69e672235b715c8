"""Vacancies and capacities from CSV and XLSX: all rows valid or nothing written, every bad row
reported by number and column, capacity below the load refused unless allowed, audited."""

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.errors import Conflict, InputFileError
from qonaq.exchange.imports import (
    CAPACITY_COLUMNS,
    VACANCY_COLUMNS,
    import_capacities,
    import_vacancies,
)
from qonaq.exchange.sheets import UNSAVED_FORMULA
from qonaq.registry.service import confirm_placement, register_household
from qonaq.settlements.models import Settlement, Vacancy
from tests.exchange.sheets import save_formula_values, write_csv, write_workbook
from tests.registry.factories import household, seed_tiny_country

Writer = Callable[..., Path]
WRITERS = {"csv": write_csv, "xlsx": write_workbook}
CLI = Actor("cli")


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The tiny country (oral, aksai, small) on SQLite, then on PostgreSQL."""
    seed_tiny_country(migrated_engine)
    return migrated_engine


@pytest.fixture
def tiny(sqlite_engine: Engine) -> Engine:
    """The tiny country on SQLite only, for tests about files rather than databases."""
    seed_tiny_country(sqlite_engine)
    return sqlite_engine


def capacities(engine: Engine) -> dict[str, tuple[int, int, int, str]]:
    with transaction(engine, writes=False) as db_session:
        return {
            s.id: (s.cap_persons, s.cap_children, s.cap_medical, s.capacity_source)
            for s in db_session.scalars(select(Settlement))
        }


def vacancies(engine: Engine) -> dict[tuple[str, str], int]:
    with transaction(engine, writes=False) as db_session:
        return {
            (v.settlement_id, v.occupation): v.vacancies
            for v in db_session.scalars(select(Vacancy))
        }


def actions(engine: Engine) -> list[str]:
    with transaction(engine, writes=False) as db_session:
        return list(db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def load_capacities(engine: Engine, path: Path, below_load: bool = False) -> tuple[int, int]:
    with transaction(engine) as db_session:
        done = import_capacities(db_session=db_session, path=path, actor=CLI, below_load=below_load)
    return done.declared, done.unchanged


def load_vacancies(engine: Engine, path: Path, replace_all: bool = False) -> int:
    with transaction(engine) as db_session:
        return import_vacancies(
            db_session=db_session, path=path, actor=CLI, replace_all=replace_all
        ).jobs


def problems(call: Callable[[], object]) -> list[tuple[int, str]]:
    with pytest.raises(InputFileError) as caught:
        call()
    return [(e.row, e.column) for e in caught.value.errors]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_good_capacities_are_declared_and_audited(
    engine: Engine, tmp_path: Path, kind: str
) -> None:
    path = WRITERS[kind](
        tmp_path / f"akimat.{kind}", CAPACITY_COLUMNS,
        ("oral", 6000, 1300, 260), ("aksai", 700, 170, 35),
    )  # fmt: skip
    assert load_capacities(engine, path) == (1, 1)
    found = capacities(engine)
    assert found["oral"] == (6000, 1300, 260, "declared")
    # a row that declares what is already there changes nothing, not even the source
    assert found["aksai"] == (700, 170, 35, "estimate")
    assert actions(engine)[-2:] == ["capacity.declare", "capacities.import"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_three_bad_capacity_rows_write_nothing_and_are_all_named(
    engine: Engine, tmp_path: Path, kind: str
) -> None:
    before, logged = capacities(engine), actions(engine)
    path = WRITERS[kind](
        tmp_path / f"akimat.{kind}", CAPACITY_COLUMNS,
        ("oral", 6000, 1300, 260), ("atlantis", 5, 5, 5), ("aksai", 700, -1, 35),
        ("small", "many", 10, 10),
    )  # fmt: skip
    found = problems(lambda: load_capacities(engine, path))
    assert found == [(2, "settlement_id"), (3, "cap_children"), (4, "cap_persons")]
    assert capacities(engine) == before and actions(engine) == logged


def test_capacity_below_the_load_is_refused_unless_allowed(tiny: Engine, tmp_path: Path) -> None:
    with transaction(tiny) as db_session:
        found = register_household(db_session=db_session, data=household(size=3), actor=CLI)
        confirm_placement(
            db_session=db_session, household_id=found.id, settlement_id="small", actor=CLI,
            recommended=["small"], override_reason=None,
        )  # fmt: skip
    path = write_csv(tmp_path / "small.csv", CAPACITY_COLUMNS, ("small", 2, 10, 10))
    with pytest.raises(InputFileError) as caught:
        load_capacities(tiny, path)
    (error,) = caught.value.errors
    assert (error.row, error.column) == (1, "cap_persons")
    assert "below the 3 persons" in error.message and "--below-load" in error.message
    assert capacities(tiny)["small"][0] == 10
    assert load_capacities(tiny, path, below_load=True) == (1, 0)
    assert capacities(tiny)["small"][:3] == (2, 10, 10)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_good_vacancies_replace_those_of_the_named_settlements(
    engine: Engine, tmp_path: Path, kind: str
) -> None:
    first = WRITERS[kind](
        tmp_path / f"first.{kind}", VACANCY_COLUMNS,
        ("oral", "it", 40), ("oral", "medicine", 7), ("aksai", "Driver", 3),
    )  # fmt: skip
    assert load_vacancies(engine, first) == 50
    second = WRITERS[kind](tmp_path / f"second.{kind}", VACANCY_COLUMNS, ("oral", "trade", 5))
    assert load_vacancies(engine, second) == 5
    # oral's jobs are the second file's; aksai, not named there, keeps its own
    assert vacancies(engine) == {("oral", "trade"): 5, ("aksai", "driver"): 3}
    assert load_vacancies(engine, second, replace_all=True) == 5
    assert vacancies(engine) == {("oral", "trade"): 5}
    assert actions(engine).count("vacancies.import") == 3


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_three_bad_vacancy_rows_write_nothing_and_are_all_named(
    engine: Engine, tmp_path: Path, kind: str
) -> None:
    good = WRITERS[kind](tmp_path / f"good.{kind}", VACANCY_COLUMNS, ("aksai", "it", 2))
    load_vacancies(engine, good)
    bad = WRITERS[kind](
        tmp_path / f"bad.{kind}", VACANCY_COLUMNS,
        ("oral", "it", 4), ("nowhere", "it", 1), ("oral", "astronaut", 1), ("oral", "IT", 2),
    )  # fmt: skip
    found = problems(lambda: load_vacancies(engine, bad))
    assert found == [(2, "settlement_id"), (3, "occupation"), (4, "occupation")]
    assert vacancies(engine) == {("aksai", "it"): 2}


def test_a_workbook_with_empty_rows_extra_columns_and_saved_formulas_reads_sensibly(
    tiny: Engine, tmp_path: Path
) -> None:
    path = write_workbook(
        tmp_path / "akimat.xlsx",
        ("settlement_id", "note", "cap_persons", "cap_children", "cap_medical", None, "x"),
        ("oral", "checked by the akimat", "=5000+1000", 1300.0, 260, None, "ignored"),
        (None, None, None, None, None),
        ("aksai", None, 800, 200, 40, "stray", None),
    )  # fmt: skip
    save_formula_values(path, {"C2": "6000"})
    assert load_capacities(tiny, path) == (2, 0)
    assert capacities(tiny)["oral"][:3] == (6000, 1300, 260)
    assert capacities(tiny)["aksai"][:3] == (800, 200, 40)


def test_a_formula_never_computed_is_named_and_empty_rows_keep_the_numbering(
    tiny: Engine, tmp_path: Path
) -> None:
    path = write_workbook(
        tmp_path / "akimat.xlsx", CAPACITY_COLUMNS,
        ("oral", "=5000+1000", 1300, 260), (), (), ("aksai", 800, 2.5, 40),
    )  # fmt: skip
    with pytest.raises(InputFileError) as caught:
        load_capacities(tiny, path)
    assert [(e.row, e.column, e.message) for e in caught.value.errors][:1] == [
        (1, "cap_persons", UNSAVED_FORMULA)
    ]
    assert problems(lambda: load_capacities(tiny, path)) == [(1, "cap_persons")]
    save_formula_values(path, {"B2": "6000"})
    assert problems(lambda: load_capacities(tiny, path)) == [(4, "cap_children")]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.csv", b"", "empty file"),
        ("empty.xlsx", b"", "empty file"),
        ("blank.csv", b"\n \n", "empty file"),
        ("renamed.xlsx", b"settlement_id,cap_persons\noral,1\n", "not an XLSX workbook"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable XLSX workbook"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "old Excel .xls"),
        ("header.csv", ",".join(CAPACITY_COLUMNS).encode() + b"\n", "no data rows"),
    ],
)
def test_a_file_that_is_no_table_is_one_clear_problem(
    tiny: Engine, tmp_path: Path, name: str, content: bytes, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError) as caught:
        load_capacities(tiny, path)
    (error,) = caught.value.errors
    assert error.row == 0 and words in error.message


def test_a_workbook_named_csv_is_told_to_be_named_xlsx(tiny: Engine, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "book.xlsx", CAPACITY_COLUMNS, ("oral", 1, 1, 1))
    renamed = path.rename(tmp_path / "book.csv")
    with pytest.raises(InputFileError) as caught:
        load_capacities(tiny, renamed)
    assert "name it .xlsx" in str(caught.value)


DESKS = 6


def test_an_import_racing_desks_never_leaves_capacity_below_the_load(
    engine: Engine, tmp_path: Path
) -> None:
    """Desks fill `small` (room for 10) while an akimat's file lowers it to 4: whichever commits
    first, the import is refused or the desks find no room, never capacity below the load."""
    with transaction(engine) as db_session:
        waiting = [
            register_household(db_session=db_session, data=household(size=2), actor=CLI).id
            for _ in range(DESKS)
        ]
    path = write_csv(tmp_path / "small.csv", CAPACITY_COLUMNS, ("small", 4, 10, 10))
    barrier = threading.Barrier(DESKS + 1)
    outcomes: list[str] = []

    def desk(household_id: int) -> None:
        barrier.wait()
        try:
            with transaction(engine) as db_session:
                confirm_placement(
                    db_session=db_session, household_id=household_id, settlement_id="small",
                    actor=Actor("desk"), recommended=["small"], override_reason=None,
                )  # fmt: skip
            outcomes.append("placed")
        except Conflict:
            outcomes.append("full")

    def akimat() -> None:
        barrier.wait()
        try:
            load_capacities(engine, path)
            outcomes.append("declared")
        except InputFileError:
            outcomes.append("refused")

    threads = [threading.Thread(target=desk, args=(h,)) for h in waiting]
    threads.append(threading.Thread(target=akimat))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == DESKS + 1, outcomes
    with transaction(engine, writes=False) as db_session:
        small = db_session.get(Settlement, "small")
        assert small is not None
        cap, load = small.cap_persons, small.load_persons
    assert load <= cap and load == 2 * outcomes.count("placed")
    assert cap == (4 if "declared" in outcomes else 10)


def test_a_russian_excel_csv_with_semicolons_reads(tiny: Engine, tmp_path: Path) -> None:
    path = tmp_path / "akimat.csv"
    path.write_bytes(
        b"\xef\xbb\xbfsettlement_id;cap_persons;cap_children;cap_medical\r\noral;6000;1300;260\r\n"
    )
    assert load_capacities(tiny, path) == (1, 0)
    assert capacities(tiny)["oral"][:3] == (6000, 1300, 260)


def test_a_windows_1251_csv_is_told_how_to_save_it(tiny: Engine, tmp_path: Path) -> None:
    path = tmp_path / "akimat.csv"
    path.write_bytes("settlement_id;cap_persons;примечание\noral;6000;да\n".encode("cp1251"))
    with pytest.raises(InputFileError) as caught:
        load_capacities(tiny, path)
    (error,) = caught.value.errors
    assert "not UTF-8 text" in error.message and "CSV UTF-8 or XLSX" in error.message


def test_a_sheet_longer_than_any_table_is_one_problem(
    tiny: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qonaq.exchange.sheets.MAX_ROWS", 3)
    rows = [("oral", 1, 1, 1)] * 4
    path = write_workbook(tmp_path / "long.xlsx", CAPACITY_COLUMNS, *rows)
    with pytest.raises(InputFileError) as caught:
        load_capacities(tiny, path)
    assert [str(e) for e in caught.value.errors] == ["more than 3 rows"]
    ok = write_workbook(tmp_path / "ok.xlsx", CAPACITY_COLUMNS, *rows[:3])
    assert problems(lambda: load_capacities(tiny, ok)) == [
        (2, "settlement_id"),
        (3, "settlement_id"),
    ]
