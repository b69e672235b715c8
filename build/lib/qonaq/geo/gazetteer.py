"""The shipped Kazakhstan gazetteer: settlements, regions, entry hubs and region outlines.

Runtime code: reads the files under geo/data/ with no build dependency. Settlements go
through `read_settlements`, the same validation a user's settlements.csv gets.
"""

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, cast

from qonaq.geo.settlements_file import SettlementRecord, read_settlements

DATA_DIR = Path(__file__).parent / "data"

Language = Literal["en", "ru", "kk"]
HubKind = Literal["road_crossing", "airport"]
HUB_KINDS: tuple[str, ...] = ("road_crossing", "airport")


@dataclass(frozen=True)
class Region:
    """A first-level region (oblys) or city of republican status, named in three languages."""

    id: str
    name: str
    name_ru: str
    name_kk: str
    population: int
    settlements: int


@dataclass(frozen=True)
class Hub:
    """An entry point (road border crossing or airport) where households start their journey."""

    id: str
    name: str
    name_ru: str
    name_kk: str
    kind: HubKind
    region_id: str
    region: str
    lat: float
    lon: float
    counterpart: str


class NamedInThreeLanguages(Protocol):
    """Anything with English, Russian and Kazakh names: settlements, hubs, regions."""

    @property
    def name(self) -> str: ...

    @property
    def name_ru(self) -> str: ...

    @property
    def name_kk(self) -> str: ...


def settlements_path() -> Path:
    """Where the shipped settlements.csv lives."""
    return DATA_DIR / "settlements.csv"


def load_settlements() -> list[SettlementRecord]:
    """The shipped settlements, validated like any user's settlements file."""
    return read_settlements(settlements_path())


def load_regions() -> list[Region]:
    """The 20 regions, sorted by id."""
    return [
        Region(
            id=row["id"], name=row["name"], name_ru=row["name_ru"], name_kk=row["name_kk"],
            population=int(row["population"]), settlements=int(row["settlements"]),
        )
        for row in _rows("regions.csv")
    ]  # fmt: skip


def regions_by_id() -> dict[str, Region]:
    """The regions keyed by id, for looking up a settlement's or hub's region."""
    return {region.id: region for region in load_regions()}


def load_hubs() -> list[Hub]:
    """The entry hubs (border crossings and airports), sorted by id."""
    hubs = []
    for row in _rows("hubs.csv"):
        kind = row["kind"]
        if kind not in HUB_KINDS:
            raise ValueError(f"hubs.csv: hub {row['id']!r} has unknown kind {kind!r}")
        hubs.append(
            Hub(
                id=row["id"], name=row["name"], name_ru=row["name_ru"], name_kk=row["name_kk"],
                kind=cast(HubKind, kind), region_id=row["region_id"], region=row["region"],
                lat=float(row["lat"]), lon=float(row["lon"]), counterpart=row["counterpart"],
            )
        )  # fmt: skip
    return hubs


def regions_geojson() -> dict[str, Any]:
    """The simplified region outlines for maps (properties id, name_en, name_ru, name_kk)."""
    collection: dict[str, Any] = json.loads((DATA_DIR / "regions.geojson").read_text("utf-8"))
    return collection


def localized_name(place: NamedInThreeLanguages, lang: str = "en") -> str:
    """The place's name in `lang`, falling back to English when that name is empty."""
    name = {"ru": place.name_ru, "kk": place.name_kk}.get(lang, place.name)
    return name or place.name


def display_name(
    place: NamedInThreeLanguages, region: NamedInThreeLanguages, lang: str = "en"
) -> str:
    """A place as users see it, always with its region: "Aktau (Mangystau Region)"."""
    place_name = localized_name(place, lang)
    region_name = localized_name(region, lang)
    # a city of republican status is its own region: "Almaty", not "Almaty (Almaty)"
    if place_name == region_name:
        return place_name
    return f"{place_name} ({region_name})"


def _rows(file_name: str) -> list[dict[str, str]]:
    with (DATA_DIR / file_name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
