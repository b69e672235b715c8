"""`python -m bench.exports [ROWS]`: how fast placements go out as CSV and XLSX, and that the
memory they take does not grow with the rows; how fast a national vacancies workbook reads.
Printed, never asserted."""

import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from bench.__main__ import machine
from qonaq.exchange.exports import EXPORTS
from qonaq.exchange.imports import VACANCY_COLUMNS
from qonaq.exchange.sheets import csv_chunks, read_table, write_xlsx, xlsx_chunks
from qonaq.registry.schemas import OCCUPATION_GROUPS

SETTLEMENTS = 346


def placements(count: int) -> Iterator[tuple[object, ...]]:
    """Rows shaped as the placements export's, generated (the database is not what is timed)."""
    now = datetime.now(UTC)
    for i in range(count):
        yield (i, f"Q{i:09d}", "610612", "Aktau", "Mangystau Region", "reserved", 4, 2, 0, now,
               date(2022, 1, 10))  # fmt: skip


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_export(kind: str, count: int) -> str:
    columns = EXPORTS["placements"].columns
    before, start, size = peak_mb(), time.perf_counter(), 0
    if kind == "csv":
        for text in csv_chunks(columns, placements(count)):
            size += len(text.encode())
    else:
        for chunk in xlsx_chunks("placements", columns, placements(count)):
            size += len(chunk)
    seconds = time.perf_counter() - start
    return (
        f"{kind:4} {count:>9,} rows  {seconds:6.1f} s  {count / seconds:>9,.0f} rows/s  "
        f"{size / 1e6:6.1f} MB  peak RSS {before:.0f} -> {peak_mb():.0f} MB"
    )


def time_vacancies_read() -> str:
    rows = [(f"s{s}", group, s % 17) for s in range(SETTLEMENTS) for group in OCCUPATION_GROUPS]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vacancies.xlsx"
        with path.open("wb") as handle:
            write_xlsx(handle, "vacancies", VACANCY_COLUMNS, rows)
        start = time.perf_counter()
        _header, read = read_table(path)
        seconds = time.perf_counter() - start
    return f"read a vacancies workbook of {len(read):,} rows in {seconds:.2f} s"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(machine())
    for kind in ("csv", "xlsx"):
        print(time_export(kind, count))
    print(time_vacancies_read())


if __name__ == "__main__":
    main()
