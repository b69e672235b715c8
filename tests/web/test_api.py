"""The JSON API: register, deduplicate, recommend, confirm, arrive; bad input gets a clear 4xx."""

from datetime import date, timedelta
from typing import Any

import pytest

from tests.web.conftest import Site


def _person(
    name: str, born: str, sex: str, document: str, number: str, **more: Any
) -> dict[str, Any]:
    return {
        "full_name": name, "birth_date": born, "sex": sex, "citizenship": "RUS",
        "document_type": document, "document_number": number, **more,
    }  # fmt: skip


FAMILY = {
    "origin_hub_id": "syrym",
    "preferences": ["aksai"],
    "language": "en",
    "members": [
        _person("Anna Sokolova", "1988-03-02", "F", "passport", "72 1234567", occupation="it"),
        _person("Pavel Sokolov", "1986-11-20", "M", "passport", "72 7654321", occupation="driver"),
        _person("Lena Sokolova", "2015-06-01", "F", "birth_certificate", "IV-MJ 123456"),
        _person(
            "Oleg Sokolov",
            "2019-09-09",
            "M",
            "birth_certificate",
            "IV-MJ 654321",
            needs_medical=True,
        ),
    ],
}


def register(site: Site, body: dict[str, Any] = FAMILY) -> dict[str, Any]:
    response = site.client.post("/api/v1/households", json=body, headers=site.auth("registrar"))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_register_recommend_confirm_arrive(site: Site) -> None:
    household = register(site)
    assert (household["size"], household["children"], household["medical"]) == (4, 2, 1)
    options = site.client.get(
        f"/api/v1/households/{household['id']}/recommendations", headers=site.auth("registrar")
    ).json()
    assert 1 <= len(options) <= 3
    assert all(o["reasons"] for o in options)
    choice = options[0]["settlement_id"]
    placed = site.client.post(
        f"/api/v1/households/{household['id']}/placement",
        json={"settlement_id": choice}, headers=site.auth("registrar"),
    )  # fmt: skip
    assert placed.status_code == 201, placed.text
    assert placed.json()["recommendation_rank"] == 1
    settlement = site.client.get(f"/api/v1/settlements/{choice}", headers=site.auth("host")).json()
    assert settlement["load_persons"] == 4 and settlement["load_children"] == 2
    again = site.client.post(
        f"/api/v1/households/{household['id']}/placement",
        json={"settlement_id": choice}, headers=site.auth("registrar"),
    )  # fmt: skip
    assert again.status_code == 409


def test_duplicate_document_is_409_with_a_link(site: Site) -> None:
    first = register(site)
    response = site.client.post("/api/v1/households", json=FAMILY, headers=site.auth("registrar"))
    assert response.status_code == 409
    assert response.json()["household_id"] == first["id"]
    assert response.json()["household_url"].endswith(f"/households/{first['id']}")


def test_host_confirms_arrival_only_in_its_settlement(site: Site) -> None:
    household = register(site, {**FAMILY, "members": FAMILY["members"][:1]})
    placed = site.client.post(
        f"/api/v1/households/{household['id']}/placement",
        json={"settlement_id": "small", "override_reason": "family nearby"},
        headers=site.auth("registrar"),
    ).json()
    listed = site.client.get("/api/v1/settlements/small/placements", headers=site.auth("host"))
    assert [p["id"] for p in listed.json()] == [placed["id"]]
    assert (
        site.client.get(
            "/api/v1/settlements/oral/placements", headers=site.auth("host")
        ).status_code
        == 403
    )
    arrived = site.client.post(
        f"/api/v1/placements/{placed['id']}/arrival",
        json={"arrived": True},
        headers=site.auth("host"),
    )
    assert arrived.status_code == 200 and arrived.json()["status"] == "arrived"


def test_host_declares_capacity_and_it_is_audited(site: Site) -> None:
    body = {"cap_persons": 40, "cap_children": 12, "cap_medical": 3}
    response = site.client.put(
        "/api/v1/settlements/small/capacity", json=body, headers=site.auth("host")
    )
    assert response.status_code == 200 and response.json()["capacity_source"] == "declared"
    other = site.client.put(
        "/api/v1/settlements/oral/capacity", json=body, headers=site.auth("host")
    )
    assert other.status_code == 403
    events = site.client.get(
        "/api/v1/audit", params={"action": "capacity."}, headers=site.auth("coordinator")
    ).json()
    assert events[0]["before"]["cap_persons"] == 10 and events[0]["after"]["cap_persons"] == 40


def _member(**changes: Any) -> dict[str, Any]:
    return {**FAMILY["members"][0], **changes}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({**FAMILY, "members": [_member(iin="880302400018")]}, 422),
        (
            {
                **FAMILY,
                "members": [_member(birth_date=(date.today() + timedelta(days=3)).isoformat())],
            },
            422,
        ),
        ({**FAMILY, "members": []}, 422),
        ({**FAMILY, "preferences": ["atlantis"]}, 404),
        ({**FAMILY, "origin_hub_id": "nowhere"}, 404),
        ({**FAMILY, "members": [_member(full_name="x" * 5000)]}, 422),
        ({**FAMILY, "members": [_member(birth_date=12)]}, 422),
        ({**FAMILY, "members": "four people"}, 422),
        ({**FAMILY, "surprise": 1}, 422),
    ],
)
def test_bad_registrations_get_a_clear_4xx(
    sqlite_site: Site, body: dict[str, Any], status: int
) -> None:
    response = sqlite_site.client.post(
        "/api/v1/households", json=body, headers=sqlite_site.auth("registrar")
    )
    assert response.status_code == status, response.text
    assert response.json()["detail"]


def test_a_1_mb_body_is_refused_before_parsing(sqlite_site: Site) -> None:
    body = {**FAMILY, "members": [_member(full_name="x" * 1_000_000)]}
    response = sqlite_site.client.post(
        "/api/v1/households", json=body, headers=sqlite_site.auth("registrar")
    )
    assert response.status_code == 413


def test_without_a_token_the_api_says_401(sqlite_site: Site) -> None:
    assert sqlite_site.client.get("/api/v1/settlements").status_code == 401
    bad = {"Authorization": "Bearer nonsense"}
    assert sqlite_site.client.get("/api/v1/settlements", headers=bad).status_code == 401


def test_dashboard_sums_persons_per_day_on_both_databases(site: Site) -> None:
    household = register(site)
    site.client.post(
        f"/api/v1/households/{household['id']}/placement",
        json={"settlement_id": "aksai"},
        headers=site.auth("registrar"),
    )
    view = site.client.get("/api/v1/dashboard", headers=site.auth("coordinator"))
    assert view.status_code == 200, view.text
    body = view.json()
    assert (body["registered_persons"], body["placed_persons"], body["pending_households"]) == (
        4,
        4,
        0,
    )
    per_day = {trace["name"]: trace["y"] for trace in body["per_day"]["data"]}
    assert per_day == {"registered": [4], "placed": [4]}
    assert body["pressed"][0]["id"] == "aksai"
    assert len(body["load_map"]["data"]) == 3


def test_the_api_refusals_of_cancel_and_reopen_are_409s_the_openapi_document_names(
    sqlite_site: Site,
) -> None:
    household = register(sqlite_site)
    registrar = sqlite_site.auth("registrar")
    placed = sqlite_site.client.post(
        f"/api/v1/households/{household['id']}/placement", json={"settlement_id": "aksai"},
        headers=registrar,
    )  # fmt: skip
    assert placed.status_code == 201, placed.text
    cancel = f"/api/v1/placements/{placed.json()['id']}/cancel"
    assert sqlite_site.client.post(cancel, json={"reason": "moved"}, headers=registrar).is_success
    twice = sqlite_site.client.post(cancel, json={"reason": "moved"}, headers=registrar)
    reopen = f"/api/v1/households/{household['id']}/reopen"
    pending = sqlite_site.client.post(
        reopen, json={"reason": "came back after all"}, headers=registrar
    )
    assert (twice.status_code, pending.status_code) == (409, 409)
    assert twice.json()["detail"] and pending.json()["detail"]
    paths = sqlite_site.client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/placements/{placement_id}/cancel",
        "/api/v1/households/{household_id}/reopen",
    ):
        assert {"404", "409"} <= set(paths[path]["post"]["responses"]), path
