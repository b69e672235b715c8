"""`qonaq plan nightly` plans and stores its prices; two server processes, and a restarted
one, steer the desk by the same prices: the same household gets the same recommendation."""

import os
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.crash import PASSWORD, Server, prepare
from qonaq.auth.actor import Actor
from qonaq.db.session import make_engine, transaction
from qonaq.registry.models import Plan
from qonaq.registry.service import register_household
from tests.registry.factories import household


def _recommended(
    server: Server, token: str, household_id: int
) -> list[tuple[str, float, int | None]]:
    options = httpx.get(
        f"{server.base}/api/v1/households/{household_id}/recommendations",
        headers={"Authorization": f"Bearer {token}"}, timeout=30,
    )  # fmt: skip
    assert options.status_code == 200, options.text
    return [(o["settlement_id"], round(o["total"], 6), o["priced_by_plan"]) for o in options.json()]


def test_the_nightly_plan_steers_every_server_process_and_survives_a_restart(
    postgres_url: str, tmp_path: Path
) -> None:
    prepare(postgres_url)
    engine = make_engine(postgres_url)
    with transaction(engine) as db_session:
        for n in range(60):
            data = household(1 + n % 4, origin_hub_id="aksai")
            register_household(db_session=db_session, data=data, actor=Actor("s"))
    environment = {**os.environ, "QONAQ_DATABASE_URL": postgres_url, "QONAQ_VAR_DIR": str(tmp_path)}
    nightly = subprocess.run(
        [sys.executable, "-m", "qonaq.cli", "plan", "nightly"], env=environment,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert nightly.returncode == 0, nightly.stderr
    assert "households placed" in nightly.stdout
    with transaction(engine) as db_session:
        plan = db_session.scalars(select(Plan)).one()
        assert plan.status == "applied" and plan.policy == "default" and plan.prices != "{}"
        walk_in = register_household(
            db_session=db_session, data=household(3, origin_hub_id="aksai"), actor=Actor("s")
        ).id
    first, second = Server(postgres_url, tmp_path), Server(postgres_url, tmp_path)
    first.start()
    second.start()
    try:
        token = httpx.post(
            f"{first.base}/api/v1/auth/token", json={"username": "desk", "password": PASSWORD}
        ).json()["access_token"]
        seen = _recommended(first, token, walk_in)
        assert len(seen) == 3 and {plan_id for *_, plan_id in seen} == {plan.id}
        assert _recommended(second, token, walk_in) == seen
        second.kill()
        second.start()  # a restart forgets nothing: the prices live in the database
        assert _recommended(second, token, walk_in) == seen
    finally:
        first.kill()
        second.kill()
        engine.dispose()
