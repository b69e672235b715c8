"""A coordinator closes a settlement to new placements (its placements stay) and opens it
again; audited with the reason; the desk neither offers nor places there meanwhile."""

from sqlalchemy import select

from qonaq.audit.models import AuditEvent
from qonaq.db.session import transaction
from qonaq.registry.integrity import integrity_problems
from qonaq.registry.models import Placement
from qonaq.settlements.models import Settlement
from tests.web.conftest import Site
from tests.web.test_cancel_and_replace import _placed
from tests.web.test_refusals import session_client


def test_close_and_reopen_a_settlement(site: Site) -> None:
    _, held = _placed(site.engine, "aksai", 2)
    household = _placed(site.engine, "oral", 1)[0]
    coordinator = site.auth("coordinator")
    refused = site.client.put(
        "/api/v1/settlements/aksai/open", json={"open": False, "reason": "flooded roads"},
        headers=site.auth("registrar"),
    )  # fmt: skip
    assert refused.status_code == 403
    closed = site.client.put(
        "/api/v1/settlements/aksai/open", json={"open": False, "reason": "flooded roads"},
        headers=coordinator,
    )  # fmt: skip
    assert closed.status_code == 200 and closed.json()["open"] is False
    assert closed.json()["load_persons"] == 2  # what it holds stays
    again = site.client.put(
        "/api/v1/settlements/aksai/open", json={"open": False, "reason": "flooded roads"},
        headers=coordinator,
    )  # fmt: skip
    assert again.status_code == 409 and "already closed" in again.json()["detail"]
    desk = site.auth("registrar")
    kept = site.client.get(f"/api/v1/placements/{held}", headers=desk)
    assert kept.json()["status"] == "reserved"
    pending = site.client.post(
        f"/api/v1/placements/{_placement_of(site, household)}/cancel",
        json={"reason": "move it to aksai"}, headers=desk,
    )  # fmt: skip
    assert pending.status_code == 200
    options = site.client.get(f"/api/v1/households/{household}/recommendations", headers=desk)
    assert "aksai" not in [o["settlement_id"] for o in options.json()]
    placed = site.client.post(
        f"/api/v1/households/{household}/placement",
        json={"settlement_id": "aksai", "override_reason": "relatives there"}, headers=desk,
    )  # fmt: skip
    assert placed.status_code == 409
    opened = site.client.put(
        "/api/v1/settlements/aksai/open", json={"open": True, "reason": "roads repaired"},
        headers=coordinator,
    )  # fmt: skip
    assert opened.status_code == 200 and opened.json()["open"] is True
    with transaction(site.engine, writes=False) as db_session:
        reasons = db_session.execute(
            select(AuditEvent.action, AuditEvent.reason)
            .where(AuditEvent.object_type == "settlement", AuditEvent.object_id == "aksai")
            .order_by(AuditEvent.id)
        ).all()
        assert [tuple(r) for r in reasons] == [
            ("settlement.close", "flooded roads"), ("settlement.open", "roads repaired"),
        ]  # fmt: skip
        assert integrity_problems(db_session=db_session) == []


def _placement_of(site: Site, household_id: int) -> int:
    with transaction(site.engine, writes=False) as db_session:
        return db_session.scalars(
            select(Placement.id).where(Placement.household_id == household_id)
        ).one()


def test_a_coordinator_closes_and_opens_a_settlement_from_its_page(sqlite_site: Site) -> None:
    client, csrf = session_client(sqlite_site, "coordinator")
    page = client.get("/host?settlement=aksai&lang=en")
    assert 'id="close-settlement"' in page.text and "data-once" in page.text
    form = {"csrf_token": csrf, "settlement_id": "aksai", "open": "0", "reason": "flooded roads"}
    short = client.post("/host/open?lang=ru", data={**form, "reason": "no"})
    assert short.status_code == 422 and "причину" in short.text  # the page, in Russian
    assert 'id="close-settlement"' in short.text
    closed = client.post("/host/open", data=form, follow_redirects=False)
    assert closed.status_code == 303 and closed.headers["location"] == "/host?settlement=aksai"
    shown = client.get("/host?settlement=aksai&lang=en")
    assert "Closed to new placements" in shown.text and 'id="open-settlement"' in shown.text
    again = client.post("/host/open?lang=en", data=form)
    assert again.status_code == 409 and "already closed" in again.text
    opened = client.post(
        "/host/open", data={**form, "open": "1", "reason": "roads repaired"},
        follow_redirects=False,
    )  # fmt: skip
    assert opened.status_code == 303
    with transaction(sqlite_site.engine, writes=False) as db_session:
        events = db_session.execute(
            select(AuditEvent.action, AuditEvent.reason, AuditEvent.actor_label)
            .where(AuditEvent.object_type == "settlement", AuditEvent.object_id == "aksai")
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(e) for e in events] == [
        ("settlement.close", "flooded roads", "coordinator"),
        ("settlement.open", "roads repaired", "coordinator"),
    ]


def test_a_host_may_not_close_its_settlement_and_reads_why(sqlite_site: Site) -> None:
    """The refusal is a translated page, not JSON; the host's page has no such button."""
    client, csrf = session_client(sqlite_site, "host")
    assert 'id="close-settlement"' not in client.get("/host?lang=en").text
    form = {"csrf_token": csrf, "settlement_id": "small", "open": "0", "reason": "we are full"}
    refused = client.post("/host/open?lang=kk", data=form)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "рөліңіз" in refused.text.lower() and "detail" not in refused.text
    with transaction(sqlite_site.engine, writes=False) as db_session:
        settlement = db_session.get(Settlement, "small")
        assert settlement is not None and settlement.open is True
