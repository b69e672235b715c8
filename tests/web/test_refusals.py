"""A business rule that refuses is a page with the reason in the reader's language and the
right status, never a 500 (the error page once read the user after the rollback)."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from qonaq.auth.models import User
from qonaq.auth.service import start_session
from qonaq.db.session import transaction
from qonaq.web.deps import SESSION_COOKIE
from tests.web.conftest import Site, make_site


def session_client(site: Site, role: str) -> tuple[TestClient, str]:
    """A browser-like client signed in as `role`, and the CSRF token of its forms."""
    with transaction(site.engine) as db_session:
        user = db_session.scalars(select(User).where(User.username == role)).one()
        token, csrf = start_session(db_session=db_session, user=user)
    return TestClient(site.client.app, cookies={SESSION_COOKIE: token}), csrf


def _placed(site: Site, settlement_id: str, document: str) -> int:
    body = {
        "origin_hub_id": "syrym",
        "members": [
            {"full_name": "Aigerim Test", "birth_date": "1990-02-02", "sex": "F",
             "citizenship": "KAZ", "document_type": "id_card", "document_number": document}
        ],
    }  # fmt: skip
    registrar = site.auth("registrar")
    household = site.client.post("/api/v1/households", json=body, headers=registrar).json()
    placement = site.client.post(
        f"/api/v1/households/{household['id']}/placement",
        json={"settlement_id": settlement_id, "override_reason": "test placement"},
        headers=registrar,
    )
    assert placement.status_code == 201, placement.text
    return int(placement.json()["id"])


def test_a_second_arrival_is_a_409_page_in_the_readers_language(sqlite_site: Site) -> None:
    placement_id = _placed(sqlite_site, "small", "100000001")
    client, csrf = session_client(sqlite_site, "host")
    path = f"/host/placements/{placement_id}/arrival"
    first = client.post(path, data={"csrf_token": csrf, "arrived": "1"}, follow_redirects=False)
    assert first.status_code == 303
    again = client.post(f"{path}?lang=ru", data={"csrf_token": csrf, "arrived": "1"})
    assert again.status_code == 409 and "уже" in again.text and "host" in again.text


def test_a_host_acting_on_another_settlement_gets_403(sqlite_site: Site) -> None:
    placement_id = _placed(sqlite_site, "oral", "100000002")
    client, csrf = session_client(sqlite_site, "host")
    response = client.post(
        f"/host/placements/{placement_id}/arrival?lang=en",
        data={"csrf_token": csrf, "arrived": "0"},
    )
    assert response.status_code == 403 and "another settlement" in response.text


def test_an_unknown_policy_on_the_replan_page_is_a_422(sqlite_engine: Engine) -> None:
    site = make_site(sqlite_engine)
    client, csrf = session_client(site, "coordinator")
    response = client.post(
        "/coordinator/replan?lang=en", data={"csrf_token": csrf, "policy": "no-such-policy"}
    )
    assert response.status_code == 422 and "unknown policy" in response.text
