"""A coordinator closes a settlement to new placements (its placements stay) and opens it
again; audited with the reason; the desk neither offers nor places there meanwhile."""

from sqlalchemy import select

from qonaq.audit.models import AuditEvent
from qonaq.db.session import transaction
from qonaq.registry.integrity import integrity_problems
from qonaq.registry.models import Placement
from tests.web.conftest import Site
from tests.web.test_cancel_and_replace import _placed


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
