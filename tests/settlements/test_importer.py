"""The settlements importer: everything valid or nothing written, every bad row reported."""

import pytest
from sqlalchemy import Engine, func, select

from qonaq.db.session import transaction
from qonaq.errors import InputFileError
from qonaq.geo.settlements_file import SETTLEMENT_COLUMNS, parse_settlements
from qonaq.settlements.models import Region, Settlement
from qonaq.settlements.service import import_settlements, list_settlements

HEADER = ",".join(SETTLEMENT_COLUMNS)
GOOD_ROWS = [
    "s1,Oral,West Kazakhstan,51.23,51.37,250000,regional_centre,1,5000,1200,250,0,0,0",
    "s2,Aksai,West Kazakhstan,51.17,52.99,35000,town,1,700,170,35,10,2,1",
    "s3,Zhympity,West Kazakhstan,50.25,52.6,6000,village,0,180,45,9,,,",
]


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def errors_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(InputFileError) as caught:
        parse_settlements("test.csv", text)
    return [(e.row, e.column) for e in caught.value.errors]


def test_valid_file_parses_with_defaults_for_empty_loads() -> None:
    records = parse_settlements("test.csv", csv_text(*GOOD_ROWS))
    assert [r.id for r in records] == ["s1", "s2", "s3"]
    assert records[2].open is False and records[2].load_persons == 0
    assert records[1].load_persons == 10


def test_extra_columns_are_allowed() -> None:
    text = csv_text(*(r + ",note" for r in GOOD_ROWS), header=HEADER + ",remark")
    assert len(parse_settlements("test.csv", text)) == 3


def test_missing_column_is_named() -> None:
    header = HEADER.replace(",cap_medical", "")
    rows = [",".join(r.split(",")[:10] + r.split(",")[11:]) for r in GOOD_ROWS]
    assert errors_of(csv_text(*rows, header=header)) == [(0, "cap_medical")]


@pytest.mark.parametrize(
    ("bad_row", "column"),
    [
        ("s9,X,R,51,51,100,town,1,-5,0,0,0,0,0", "cap_persons"),
        ("s9,X,R,95.5,51,100,town,1,5,0,0,0,0,0", "lat"),
        ("s9,X,R,51,51,many,town,1,5,0,0,0,0,0", "population"),
        ("s9,X,R,51,51,100,hamlet,1,5,0,0,0,0,0", "kind"),
        ("s1,X,R,51,51,100,town,1,5,0,0,0,0,0", "id"),
    ],
)
def test_bad_row_is_reported_with_its_number_and_column(bad_row: str, column: str) -> None:
    assert errors_of(csv_text(*GOOD_ROWS, bad_row)) == [(4, column)]


def test_every_bad_row_is_reported_not_just_the_first() -> None:
    rows = [
        "a,X,R,51,51,100,town,1,-1,0,0,0,0,0",
        "b,X,R,51,51,100,town,1,5,0,0,0,0,0",
        "c,X,R,51,200,100,town,1,5,0,0,0,0,0",
        "b,X,R,51,51,100,town,1,5,0,0,0,0,0",
    ]
    assert errors_of(csv_text(*rows)) == [(1, "cap_persons"), (3, "lon"), (4, "id")]


def _count(engine: Engine) -> int:
    with transaction(engine) as db_session:
        return db_session.scalar(select(func.count()).select_from(Settlement)) or 0


def test_import_creates_regions_and_settlements_then_updates(sqlite_engine: Engine) -> None:
    records = parse_settlements("test.csv", csv_text(*GOOD_ROWS))
    with transaction(sqlite_engine) as db_session:
        result = import_settlements(
            db_session=db_session, records=records, actor_label="test", source="test.csv"
        )
    assert (result.created, result.updated, result.regions_created) == (3, 0, 1)
    changed = parse_settlements("test.csv", csv_text(GOOD_ROWS[0].replace(",5000,", ",6000,")))
    with transaction(sqlite_engine) as db_session:
        result = import_settlements(
            db_session=db_session, records=changed, actor_label="test", source="t2.csv"
        )
        oral = db_session.get(Settlement, "s1")
        assert oral is not None and oral.cap_persons == 6000
        assert db_session.scalar(select(func.count()).select_from(Region)) == 1
        rows = list_settlements(db_session=db_session, region="west kazakhstan", kind="town")
        assert [s.id for s, _ in rows] == ["s2"]
    assert (result.created, result.updated) == (0, 1)
    assert _count(sqlite_engine) == 3
