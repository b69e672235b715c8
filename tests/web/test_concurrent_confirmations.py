"""32 desks confirm the last places of one settlement at once, over HTTP, on PostgreSQL."""

import threading

import httpx
from sqlalchemy import func, select

from qonaq.audit.models import AuditEvent
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.registry.models import Household, Placement
from qonaq.settlements.models import Settlement
from qonaq.web.app import create_app
from tests.e2e.conftest import serve_in_thread
from tests.web.conftest import make_site

DESKS = 32
PLACES = 10


def test_32_desks_over_http_use_exactly_the_capacity(postgres_url: str) -> None:
    migrate.upgrade(postgres_url)
    engine = make_engine(postgres_url, pool_size=DESKS, max_overflow=0)
    site = make_site(engine)
    ids = []
    for n in range(DESKS):
        body = {
            "origin_hub_id": "syrym",
            "members": [
                {"full_name": f"Person {n}", "birth_date": "1990-01-01", "sex": "M",
                 "citizenship": "RUS", "document_type": "passport",
                 "document_number": f"99 {n:07d}"}
            ],
        }  # fmt: skip
        response = site.client.post("/api/v1/households", json=body, headers=site.auth("registrar"))
        ids.append(response.json()["id"])
    with transaction(engine) as db_session:
        events_before = db_session.scalar(select(func.count()).select_from(AuditEvent))
    server, url = serve_in_thread(create_app(engine, letter_secret=b"race"))
    barrier = threading.Barrier(DESKS)
    statuses: list[int] = [0] * DESKS
    messages: list[str] = [""] * DESKS

    def desk(n: int) -> None:
        with httpx.Client(base_url=url, headers=site.auth("registrar"), timeout=60) as client:
            barrier.wait()
            response = client.post(
                f"/api/v1/households/{ids[n]}/placement",
                json={"settlement_id": "small", "override_reason": "race test: last places"},
            )
            statuses[n], messages[n] = response.status_code, response.json().get("detail", "")

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(DESKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.should_exit = True
    assert sorted(statuses) == [201] * PLACES + [409] * (DESKS - PLACES), statuses
    assert all("no room" in m for s, m in zip(statuses, messages, strict=True) if s == 409)
    with transaction(engine) as db_session:
        small = db_session.get(Settlement, "small")
        assert small is not None and small.load_persons == small.cap_persons == PLACES
        assert db_session.scalar(select(func.count()).select_from(Placement)) == PLACES
        assert (
            db_session.scalar(select(func.count()).where(Household.status == "pending"))
            == DESKS - PLACES
        )
        others = db_session.scalars(select(Settlement).where(Settlement.id != "small")).all()
        assert all(s.load_persons == 0 for s in others)
        events_after = db_session.scalar(select(func.count()).select_from(AuditEvent))
        # one audit event per winning confirmation, none for the refused ones
        assert events_after - events_before == PLACES
    engine.dispose()
