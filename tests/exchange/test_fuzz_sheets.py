"""Any bytes under any of the names users give their tables read as a table or fail as one
InputFileError, never another exception: CSV text, broken zips, workbooks with damaged parts."""

import io
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qonaq.errors import InputFileError
from qonaq.exchange.sheets import read_table
from tests.exchange.sheets import write_workbook

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = st.sampled_from(["t.csv", "t.xlsx", "t.xlsm", "t.txt", "t.xls", "t"])


def _read(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            header, rows = read_table(path)
        except InputFileError as exc:
            assert exc.errors and str(exc)
            return
        assert all(isinstance(c, str) for c in header)
        assert all(isinstance(v, str) for row in rows for v in row.values())


@FUZZ
@given(name=NAMES, data=st.binary(max_size=400))
def test_any_bytes_read_or_fail_cleanly(name: str, data: bytes) -> None:
    _read(name, data)


def _a_workbook() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(Path(folder) / "w.xlsx", ("a", "b"), (1, "x"), ("=1+1", None))
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}


PARTS = _a_workbook()


@FUZZ
@given(
    part=st.sampled_from(sorted(PARTS)),
    cut=st.integers(min_value=0, max_value=2000),
    junk=st.binary(max_size=40),
    drop=st.booleans(),
)
def test_a_workbook_with_a_damaged_part_reads_or_fails_cleanly(
    part: str, cut: int, junk: bytes, drop: bool
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in PARTS.items():
            if name == part and drop:
                continue
            archive.writestr(name, data[:cut] + junk if name == part else data)
    _read("t.xlsx", out.getvalue())
