"""Small placement instances for tests: hand-made records and random ones from a seed."""

import random

from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.model import HouseholdRecord, VacancyRecord

OCCUPATIONS = ("it", "driver", "teacher")


def settlement(
    sid: str, lat: float = 50.0, lon: float = 70.0, **fields: object
) -> SettlementRecord:
    """A settlement with generous defaults that a test overrides by keyword."""
    values: dict[str, object] = {
        "id": sid,
        "name": sid.title(),
        "region": "R",
        "lat": lat,
        "lon": lon,
        "population": 50_000,
        "kind": "town",
        "open": True,
        "cap_persons": 100,
        "cap_children": 100,
        "cap_medical": 100,
    }
    values.update(fields)
    return SettlementRecord.model_validate(values)


def household(
    hid: str, size: int = 1, lat: float = 50.0, lon: float = 70.0, **fields: object
) -> HouseholdRecord:
    """A household at (lat, lon) of `size` adults without needs unless told."""
    values: dict[str, object] = {"id": hid, "size": size, "origin_lat": lat, "origin_lon": lon}
    values.update(fields)
    return HouseholdRecord.model_validate(values)


def random_instance(
    seed: int, settlements: int = 6, households: int = 14, tight: bool = True
) -> tuple[list[SettlementRecord], list[HouseholdRecord], list[VacancyRecord]]:
    """A random small instance; `tight` capacities make some households compete or stay unplaced."""
    rng = random.Random(seed)
    places = []
    for i in range(settlements):
        cap = rng.randint(2, 12) if tight else rng.randint(10, 40)
        places.append(
            settlement(
                f"s{i}",
                lat=rng.uniform(42, 54),
                lon=rng.uniform(50, 85),
                population=rng.choice([800, 5_000, 60_000, 1_500_000]),
                kind=rng.choice(["village", "town", "regional_centre", "republic_city"]),
                open=rng.random() > 0.1,
                cap_persons=cap,
                cap_children=rng.randint(0, cap),
                cap_medical=rng.randint(0, 3),
                load_persons=rng.randint(0, cap // 2),
                load_children=rng.randint(0, 1),
            )
        )
    arrivals = []
    for h in range(households):
        size = rng.randint(1, 5)
        children = rng.randint(0, size - 1)
        occupations = [
            rng.choice(OCCUPATIONS) for _ in range(size - children) if rng.random() < 0.6
        ]
        wishes = rng.sample([p.id for p in places], k=rng.randint(0, 2))
        arrivals.append(
            household(
                f"h{h}",
                size=size,
                lat=rng.choice([51.2, 54.9, 43.3]),
                lon=rng.choice([51.4, 69.1, 77.0]),
                children=children,
                medical=int(rng.random() < 0.2),
                occupations=";".join(occupations),
                preferences=";".join(wishes),
            )
        )
    jobs = [
        VacancyRecord(
            settlement_id=p.id, occupation=rng.choice(OCCUPATIONS), vacancies=rng.randint(1, 3)
        )
        for p in places
        if rng.random() < 0.5
    ]
    return places, arrivals, jobs
