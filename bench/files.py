"""Write a benchmark instance as the three input files of `qonaq place`."""

import csv
from pathlib import Path

from bench.instances import Instance
from qonaq.geo.settlements_file import SETTLEMENT_COLUMNS
from qonaq.placement.files import HOUSEHOLD_COLUMNS, VACANCY_COLUMNS


def write_instance(instance: Instance, folder: Path) -> dict[str, Path]:
    """settlements.csv, households.csv and vacancies.csv in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / f"{name}.csv" for name in ("settlements", "households", "vacancies")}
    with paths["settlements"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(SETTLEMENT_COLUMNS)
        for s in instance.settlements:
            writer.writerow(
                [
                    s.id,
                    s.name,
                    s.region,
                    s.lat,
                    s.lon,
                    s.population,
                    s.kind,
                    str(s.open).lower(),
                    s.cap_persons,
                    s.cap_children,
                    s.cap_medical,
                    s.load_persons,
                    s.load_children,
                    s.load_medical,
                ]
            )
    with paths["households"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HOUSEHOLD_COLUMNS)
        for h in instance.households:
            writer.writerow(
                [
                    h.id,
                    h.size,
                    h.children,
                    h.medical,
                    h.origin_lat,
                    h.origin_lon,
                    ";".join(h.occupations),
                    ";".join(h.preferences),
                ]
            )
    with paths["vacancies"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(VACANCY_COLUMNS)
        for v in instance.vacancies:
            writer.writerow([v.settlement_id, v.occupation, v.vacancies])
    return paths
