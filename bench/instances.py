"""Synthetic national instances: the gazetteer (or a synthetic country), arrivals from hubs."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.model import HouseholdRecord, VacancyRecord
from qonaq.registry.synthetic import SIZE_SHARES

OCCUPATIONS: tuple[str, ...] = (
    "it",
    "driver",
    "builder",
    "teacher",
    "doctor",
    "nurse",
    "engineer",
    "sales",
    "cook",
    "accountant",
    "mechanic",
    "farmer",
)

# road borders and airports where 2022 arrivals entered: (name, lat, lon, weight)
FALLBACK_HUBS: tuple[tuple[str, float, float, float], ...] = (
    ("Oral (Syrym border)", 51.23, 51.37, 0.30),
    ("Petropavl", 54.87, 69.15, 0.18),
    ("Kostanay", 53.21, 63.62, 0.12),
    ("Semey", 50.41, 80.23, 0.08),
    ("Pavlodar", 52.29, 76.97, 0.07),
    ("Atyrau", 47.11, 51.92, 0.07),
    ("Astana airport", 51.02, 71.47, 0.10),
    ("Almaty airport", 43.35, 77.04, 0.08),
)


@dataclass(frozen=True)
class Instance:
    """One benchmark instance in memory: the three inputs of `qonaq place`."""

    settlements: list[SettlementRecord]
    households: list[HouseholdRecord]
    vacancies: list[VacancyRecord]

    @property
    def persons(self) -> int:
        """Persons in all households."""
        return sum(h.size for h in self.households)


def gazetteer_path() -> Path:
    """Where the shipped gazetteer lives (it may not exist yet)."""
    return (
        Path(__file__).resolve().parent.parent
        / "src"
        / "qonaq"
        / "geo"
        / "data"
        / "settlements.csv"
    )


def gazetteer_settlements() -> list[SettlementRecord] | None:
    """The shipped Kazakh gazetteer, or None while it is not there."""
    if not gazetteer_path().exists():
        return None
    from qonaq.geo.gazetteer import load_settlements

    return list(load_settlements())


def gazetteer_hubs() -> tuple[tuple[str, float, float, float], ...]:
    """Entry hubs with weights: the shipped hubs.csv when present, else the 2022 borders."""
    if not (gazetteer_path().parent / "hubs.csv").exists():
        return FALLBACK_HUBS
    from qonaq.geo.gazetteer import load_hubs

    hubs = list(load_hubs())
    return tuple((str(getattr(h, "name", "hub")), float(h.lat), float(h.lon), 1.0) for h in hubs)


def synthetic_country(count: int, rng: np.random.Generator) -> list[SettlementRecord]:
    """`count` settlements over Kazakhstan's bounding box with log-normal populations."""
    population = np.maximum(200, rng.lognormal(7.6, 1.3, count)).astype(np.int64)
    big = rng.choice(count, size=min(3, count), replace=False)
    population[big] = (2_000_000, 1_300_000, 1_100_000)[: len(big)]
    kinds = np.where(
        population >= 1_000_000,
        "republic_city",
        np.where(
            population >= 150_000,
            "regional_centre",
            np.where(population >= 10_000, "town", "village"),
        ),
    )
    lat = rng.uniform(41.5, 54.5, count)
    lon = rng.uniform(50.0, 85.0, count)
    return [
        SettlementRecord(
            id=f"s{i}",
            name=f"Settlement {i}",
            region=f"R{i % 17}",
            lat=float(lat[i]),
            lon=float(lon[i]),
            population=int(population[i]),
            kind=str(kinds[i]),
            open=True,
            cap_persons=int(population[i] * 0.04) + 5,
            cap_children=int(population[i] * 0.01) + 2,
            cap_medical=int(population[i] * 0.004) + 1,
            load_persons=int(population[i] * 0.04 * rng.uniform(0, 0.3)),
        )  # type: ignore[arg-type]
        for i in range(count)
    ]


def scaled_to(
    settlements: list[SettlementRecord], persons: int, room: float = 1.3
) -> list[SettlementRecord]:
    """Capacities scaled so that the free persons capacity is about `room` × the arrivals."""
    free = sum(max(0, s.cap_persons - s.load_persons) for s in settlements if s.open)
    factor = max(1.0, room * persons / max(free, 1))
    if factor == 1.0:
        return settlements
    return [
        s.model_copy(
            update={
                "cap_persons": int(s.cap_persons * factor),
                "cap_children": int(s.cap_children * factor),
                "cap_medical": int(s.cap_medical * factor),
                "load_persons": int(s.load_persons * factor),
            }
        )
        for s in settlements
    ]


# a "scattered" wave's households live around this many entry areas (the biggest hubs),
# this many degrees apart at one standard deviation: addresses from a regional office
SCATTER_AREAS = 4
SCATTER_DEGREES = 0.6


@dataclass(frozen=True)
class WaveShape:
    """Where households come from and what they wish: `origins` "hubs" (each household at
    one entry hub) or "scattered" (each at its own address around four entry areas);
    `wishes` "cities" (a third wish, mostly the eight biggest cities) or "spread" (60 %
    wish one to three settlements drawn from all of them)."""

    origins: str = "hubs"
    wishes: str = "cities"


HUB_WAVE = WaveShape()
SCATTERED_WAVE = WaveShape(origins="scattered", wishes="spread")


def arrivals(
    persons: int,
    settlements: list[SettlementRecord],
    hubs: tuple[tuple[str, float, float, float], ...],
    rng: np.random.Generator,
    shape: WaveShape = HUB_WAVE,
) -> list[HouseholdRecord]:
    """Households from the hubs until `persons` arrive; a third have wishes, mostly big
    cities (or, by `shape`, scattered origins and wishes over every settlement)."""
    by_population = sorted(settlements, key=lambda s: -s.population)
    favourites = [s.id for s in by_population[:8]]
    others = [s.id for s in by_population[8:200]] or favourites
    weights = np.array([h[3] for h in hubs]) / sum(h[3] for h in hubs)
    expected = int(persons / float(SIZE_SHARES @ np.arange(1, 9))) + 10
    sizes = rng.choice(np.arange(1, 9), size=expected, p=SIZE_SHARES)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), persons)) + 1]
    hub_of = rng.choice(len(hubs), size=len(sizes), p=weights)
    scattered = shape.origins == "scattered"
    if scattered:
        areas = np.argsort(-weights, kind="stable")[:SCATTER_AREAS]
        hub_of = areas[rng.integers(0, len(areas), size=len(sizes))]
        offsets = rng.normal(0.0, SCATTER_DEGREES, size=(len(sizes), 2))
    spread = shape.wishes == "spread"
    every = [s.id for s in settlements]
    households = []
    for i, size in enumerate(sizes.tolist()):
        children = int(rng.integers(0, size)) if size > 1 and rng.random() < 0.6 else 0
        medical = int(rng.random() < 0.08) + int(size > 3 and rng.random() < 0.05)
        adults = size - children
        occupations = tuple(
            OCCUPATIONS[int(rng.integers(len(OCCUPATIONS)))]
            for _ in range(adults)
            if rng.random() < 0.7
        )
        wishes: tuple[str, ...] = ()
        if spread and rng.random() < 0.6:
            count = int(rng.integers(1, 4))
            wishes = tuple(dict.fromkeys(every[int(j)] for j in rng.integers(0, len(every), count)))
        elif not spread and rng.random() < 0.35:
            pool = favourites if rng.random() < 0.8 else others
            count = int(rng.integers(1, 4))
            wishes = tuple(dict.fromkeys(pool[int(j)] for j in rng.integers(0, len(pool), count)))
        _, lat, lon, _ = hubs[int(hub_of[i])]
        if scattered:
            lat = float(np.clip(lat + offsets[i, 0], -90, 90))
            lon = float(np.clip(lon + offsets[i, 1], -180, 180))
        households.append(
            HouseholdRecord(
                id=f"h{i}",
                size=size,
                children=children,
                medical=min(medical, size),
                origin_lat=lat,
                origin_lon=lon,
                occupations=occupations,
                preferences=wishes,
            )
        )
    return households


def job_openings(
    settlements: list[SettlementRecord], persons: int, rng: np.random.Generator
) -> list[VacancyRecord]:
    """Vacancies in two fifths of the settlements, about one per five arrivals in all."""
    chosen = [s for s in settlements if rng.random() < 0.4]
    total_pop = sum(s.population for s in chosen) or 1
    openings = []
    for s in chosen:
        for g in rng.choice(len(OCCUPATIONS), size=int(rng.integers(1, 4)), replace=False).tolist():
            count = int(rng.poisson(0.2 * persons * s.population / total_pop / 2))
            if count:
                openings.append(
                    VacancyRecord(settlement_id=s.id, occupation=OCCUPATIONS[g], vacancies=count)
                )
    return openings


def national_instance(
    persons: int, seed: int = 7, settlements: int | None = None, shape: WaveShape = HUB_WAVE
) -> Instance:
    """A wave of `persons` arrivals over the gazetteer, or a synthetic country of `settlements`;
    a scattered wave fills 85 % of the free capacity, a hub wave about 77 %."""
    rng = np.random.default_rng(seed)
    places = None if settlements else gazetteer_settlements()
    hubs = gazetteer_hubs() if places else FALLBACK_HUBS
    if places is None:
        places = synthetic_country(settlements or 3000, rng)
    places = scaled_to(places, persons, 1.3 if shape == HUB_WAVE else 1 / 0.85)
    return Instance(
        settlements=places,
        households=arrivals(persons, places, hubs, rng, shape),
        vacancies=job_openings(places, persons, rng),
    )
