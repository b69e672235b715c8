"""Write a benchmark instance as the three input files of `qonaq place`."""

import csv
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel

from bench.instances import Instance
from qonaq.cli.place_files import HOUSEHOLD_COLUMNS, VACANCY_COLUMNS
from qonaq.geo.settlements_file import SETTLEMENT_COLUMNS


def write_instance(instance: Instance, folder: Path) -> dict[str, Path]:
    """settlements.csv, households.csv and vacancies.csv in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / f"{name}.csv" for name in ("settlements", "households", "vacancies")}
    write_records(paths["settlements"], SETTLEMENT_COLUMNS, instance.settlements)
    write_records(paths["households"], HOUSEHOLD_COLUMNS, instance.households)
    write_records(paths["vacancies"], VACANCY_COLUMNS, instance.vacancies)
    return paths


def write_records(path: Path, columns: tuple[str, ...], records: Iterable[BaseModel]) -> None:
    """One row per record, its fields in the file's column order (columns are field names)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([cell(getattr(record, column)) for column in columns])


def cell(value: object) -> object:
    """A field as the input files spell it: true/false, `;`-separated lists."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ";".join(value)
    return value
