"""The coordinator's map of open requests: one trace per kind, named and hovered in the reader's
language, at the settlement or entry hub where help is needed, sized by the people waiting."""

import html
import json
import re
from typing import Any

from qonaq.db.session import transaction
from qonaq.settlements.service import HubRow, upsert_hubs
from tests.aid.factories import add_request
from tests.web.conftest import Site
from tests.web.test_refusals import session_client

ENGLISH_KINDS = ("shelter tonight", "legal help", "food")


def _figure(page: str) -> dict[str, Any]:
    found = re.search(r"id=\"aid-map\" class=\"plot\" data-figure='([^']*)'", page)
    assert found is not None, "no map on the page"
    return json.loads(html.unescape(found.group(1)))


def _seed_requests(site: Site) -> None:
    with transaction(site.engine) as db_session:
        upsert_hubs(
            db_session=db_session,
            hubs=[HubRow("kairak", "Kairak", "road_crossing", "west-kazakhstan", 51.9, 50.1,
                         name_ru="Кайрак", name_kk="Қайрақ")],
            actor_label="test",
        )  # fmt: skip
    add_request(site.engine, kind="shelter", people=4, settlement_id="oral")
    add_request(site.engine, kind="shelter", people=3, settlement_id="oral")
    add_request(site.engine, kind="legal", people=2, settlement_id=None, hub_id="kairak")


def test_the_coordinator_sees_open_requests_on_a_map_in_their_language(
    sqlite_site: Site,
) -> None:
    _seed_requests(sqlite_site)
    client, _ = session_client(sqlite_site, "coordinator")
    expected = {
        "ru": ("ночлег сегодня", "юридическая помощь", "Кайрак", "Западно-Казахстанская"),
        "kk": ("бүгін түнеу орны", "заң көмегі", "Қайрақ", "Батыс Қазақстан"),
    }
    for language, (shelter, legal, hub, region) in expected.items():
        page = client.get(f"/aid/coordinator?lang={language}")
        assert page.status_code == 200
        figure = _figure(page.text)
        markers = {t["name"]: t for t in figure["data"] if t["mode"] == "markers"}
        assert set(markers) == {shelter, legal}
        # two requests at one place are one marker, sized by their people together
        assert markers[shelter]["marker"]["size"] == [7]
        assert markers[legal]["marker"]["size"] == [2]
        assert (markers[legal]["lat"], markers[legal]["lon"]) == ([51.9], [50.1])
        assert markers[shelter]["text"][0].startswith(f"Oral ({region})<br>{shelter}: ")
        assert markers[legal]["text"][0].startswith(f"{hub} ({region})<br>{legal}: ")
        # the table is still there, the way to the same numbers without the map
        assert 'id="by-region"' in page.text
        shown = json.dumps(figure, ensure_ascii=False)
        assert "requests," not in shown and "people" not in shown  # the hover is translated
        if language == "ru":
            assert markers[shelter]["text"] == [
                "Oral (Западно-Казахстанская)<br>ночлег сегодня: запросов — 2, людей — 7"
            ]
            assert [word for word in ENGLISH_KINDS if word in shown] == []
