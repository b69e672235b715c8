"""64 desks at once against one server process: every request answered, none times out,
on PostgreSQL and on the embedded SQLite (where writers wait for the lock, never a 500)."""

import threading
import time

import httpx
from sqlalchemy import Engine

from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.registry.integrity import integrity_problems
from qonaq.registry.service import register_household
from qonaq.web.app import create_app
from tests.e2e.conftest import serve_in_thread
from tests.registry.factories import household
from tests.web.conftest import make_site

DESKS = 64


def test_64_desks_confirm_at_once_and_all_are_served(migrated_engine: Engine) -> None:
    site = make_site(migrated_engine)
    with transaction(migrated_engine) as db_session:
        ids = [
            register_household(db_session=db_session, data=household(), actor=Actor("s")).id
            for _ in range(DESKS)
        ]
    server, url = serve_in_thread(create_app(migrated_engine, letter_secret=b"desks"))
    barrier = threading.Barrier(DESKS)
    statuses: list[int] = [0] * DESKS
    seconds: list[float] = [0.0] * DESKS

    def desk(n: int) -> None:
        with httpx.Client(base_url=url, headers=site.auth("registrar"), timeout=60) as client:
            barrier.wait()
            started = time.perf_counter()
            options = client.get(f"/api/v1/households/{ids[n]}/recommendations")
            response = client.post(
                f"/api/v1/households/{ids[n]}/placement",
                json={"settlement_id": options.json()[0]["settlement_id"]},
            )
            statuses[n], seconds[n] = response.status_code, time.perf_counter() - started

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(DESKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.should_exit = True
    assert statuses == [201] * DESKS, statuses
    assert max(seconds) < 20, f"slowest desk {max(seconds):.1f} s"
    with transaction(migrated_engine, writes=False) as db_session:
        assert integrity_problems(db_session=db_session) == []
