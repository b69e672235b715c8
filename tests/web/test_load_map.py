"""The national load map: free room, households waiting where they registered, region totals,
closed settlements, each settlement's id for a click; the settlements page by region."""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from qonaq.auth.actor import Actor
from qonaq.config import get_settings
from qonaq.db.session import transaction
from qonaq.geo.settlements_file import SETTLEMENT_COLUMNS, parse_settlements
from qonaq.i18n import gettext
from qonaq.registry.service import confirm_placement, register_household
from qonaq.settlements.service import import_settlements, set_open
from tests.registry.factories import household
from tests.web.conftest import Site
from tests.web.test_refusals import session_client

WAITING = "waiting: %(households)s households, %(persons)s persons"
CLOSED = "closed to new placements"
AKTOBE = "\n".join(
    [",".join(SETTLEMENT_COLUMNS), "aktobe,Aktobe,Aktobe,50.28,57.17,500000,town,1,100,30,5,0,0,0"]
)


def _day_of_work(engine: Engine) -> None:
    """A second region; three households waiting at Oral's PSC or the Syrym crossing, one
    placed in Aksai; Small closed."""
    with transaction(engine) as db_session:
        import_settlements(
            db_session=db_session, records=parse_settlements("aktobe.csv", AKTOBE),
            actor_label="test", source="aktobe.csv",
        )  # fmt: skip
        for size in (2, 3):
            register_household(
                db_session=db_session, actor=Actor("t"),
                data=household(size, origin_hub_id=None, origin_settlement_id="oral"),
            )  # fmt: skip
        register_household(db_session=db_session, data=household(1), actor=Actor("t"))
        placed = register_household(db_session=db_session, data=household(4), actor=Actor("t"))
        confirm_placement(
            db_session=db_session, household_id=placed.id, settlement_id="aksai",
            actor=Actor("desk"), recommended=["aksai"], override_reason=None,
        )  # fmt: skip
        set_open(
            db_session=db_session, settlement_id="small", open_=False, actor=Actor("c"),
            reason="the road is flooded",
        )  # fmt: skip


def _dashboard(site: Site, language: str) -> dict[str, Any]:
    view = site.client.get(
        f"/api/v1/dashboard?language={language}", headers=site.auth("coordinator")
    )
    assert view.status_code == 200, view.text
    body: dict[str, Any] = view.json()
    return body


def test_region_totals_count_free_room_and_who_waits_where(site: Site) -> None:
    _day_of_work(site.engine)
    view = _dashboard(site, "kk")
    regions = {r["id"]: r for r in view["regions"]}
    assert regions["west-kazakhstan"] == {
        "id": "west-kazakhstan", "name": "Батыс Қазақстан", "capacity": 5710, "load": 4,
        # Small is closed: its 10 beds are no room for anyone; Aksai's 4 are taken
        "free": 5000 + 696, "pending_households": 3, "pending_persons": 6,
    }  # fmt: skip
    assert regions["aktobe"] == {
        "id": "aktobe", "name": "Aktobe", "capacity": 100, "load": 0, "free": 100,
        "pending_households": 0, "pending_persons": 0,
    }  # fmt: skip
    assert view["pending_households"] == 3


def test_the_map_shows_who_waits_where_and_closed_settlements_in_russian(site: Site) -> None:
    _day_of_work(site.engine)
    outlines, settlements, waiting = _dashboard(site, "ru")["load_map"]["data"]
    assert outlines["hoverinfo"] == "skip"
    # every settlement's point carries its id: the page's script opens its page on a click
    assert sorted(settlements["customdata"]) == ["aksai", "aktobe", "oral", "small"]
    hover = dict(zip(settlements["customdata"], settlements["text"], strict=True))
    assert gettext("ru", CLOSED) != CLOSED and gettext("ru", CLOSED) in hover["small"]
    assert gettext("ru", CLOSED) not in hover["oral"]
    symbols = dict(zip(settlements["customdata"], settlements["marker"]["symbol"], strict=True))
    assert symbols == {"aksai": "circle", "aktobe": "circle", "oral": "circle", "small": "circle-x"}
    assert waiting["name"] == gettext(
        "ru", "households waiting to be placed, where they registered"
    )
    by_place = dict(zip(waiting["text"], waiting["customdata"], strict=True))
    at_oral = "Oral (Западно-Казахстанская)<br>" + gettext("ru", WAITING) % {
        "households": "2",
        "persons": "5",
    }
    at_syrym = "Syrym (Западно-Казахстанская)<br>" + gettext("ru", WAITING) % {
        "households": "1",
        "persons": "1",
    }
    # the crossing has no page of its own: its point opens nothing
    assert by_place == {at_oral: "oral", at_syrym: None}
    assert waiting["marker"]["size"] == [5, 1] or waiting["marker"]["size"] == [1, 5]


def test_the_dashboard_page_has_the_region_table_and_pressed_list_in_kazakh(
    sqlite_site: Site,
) -> None:
    client, _ = session_client(sqlite_site, "coordinator")
    page = client.get("/coordinator/dashboard?lang=kk")
    assert page.status_code == 200
    for words in ("Regions", "Free beds", "Households waiting", "Persons waiting"):
        assert gettext("kk", words) != words and gettext("kk", words) in page.text
    assert 'id="regions"' in page.text and 'id="pressed-list"' in page.text
    assert f'data-closed="{gettext("kk", CLOSED)}"' in page.text


def test_the_settlements_page_of_one_region_links_each_to_its_page(site: Site) -> None:
    _day_of_work(site.engine)
    coordinator, _ = session_client(site, "coordinator")
    page = coordinator.get("/settlements?region=west-kazakhstan&lang=ru")
    assert page.status_code == 200
    assert 'href="/host?settlement=oral"' in page.text and "Aktobe" not in page.text
    assert "5\xa0000" in page.text  # numbers as Russian writes them
    assert gettext("ru", CLOSED) in page.text  # Small
    registrar, _ = session_client(site, "registrar")
    assert 'href="/host?settlement=' not in registrar.get("/settlements").text
    unknown = coordinator.get("/settlements?region=atlantis&lang=ru")
    assert unknown.status_code == 404 and "text/html" in unknown.headers["content-type"]


def test_the_dashboard_links_the_simulation_report_in_the_readers_language(
    sqlite_site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "simulation"
    folder.mkdir()
    for language in ("kk", "ru", "en"):
        (folder / f"report.{language}.html").write_text(f"<html lang='{language}'></html>")
    monkeypatch.setenv("QONAQ_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        client, _ = session_client(sqlite_site, "coordinator")
        assert 'id="simulation-link"' in client.get("/coordinator/dashboard?lang=kk").text
        served = {
            language: client.get(f"/coordinator/simulation?lang={language}").text
            for language in ("kk", "ru", "en")
        }
    finally:
        get_settings.cache_clear()
    assert served == {language: f"<html lang='{language}'></html>" for language in served}
