"""Coordinators see every batch plan and compare two: terms, outcome, settlements that differ."""

from sqlalchemy import Engine

from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.registry import placing
from qonaq.registry.plan_history import TERMS
from qonaq.registry.service import register_household
from tests.registry.factories import household
from tests.web.conftest import make_site
from tests.web.test_refusals import session_client


def test_the_history_lists_each_plan_and_compares_two(migrated_engine: Engine) -> None:
    site = make_site(migrated_engine)
    coordinator = Actor("coordinator", role="coordinator")
    with transaction(migrated_engine) as db_session:
        for _ in range(4):
            register_household(db_session=db_session, data=household(2), actor=Actor("s"))
    with transaction(migrated_engine) as db_session:
        default = placing.preview(db_session=db_session, policy_name="default", actor=coordinator)
    with transaction(migrated_engine) as db_session:
        placing.apply(db_session=db_session, plan_id=default.plan_id, actor=coordinator)
    with transaction(migrated_engine) as db_session:
        # after the first is applied, nothing is pending: the second plan places nobody
        empty = placing.preview(db_session=db_session, policy_name="default", actor=coordinator)
    headers = site.auth("coordinator")
    plans = site.client.get("/api/v1/plans", headers=headers).json()
    assert [(p["id"], p["status"]) for p in plans] == [
        (empty.plan_id, "previewed"), (default.plan_id, "applied"),
    ]  # fmt: skip
    assert plans[1]["applied_households"] == 4 and plans[1]["households"] == 4
    assert set(plans[1]["parts"]) == set(TERMS)
    compared = site.client.get(
        f"/api/v1/plans/{default.plan_id}/compare?other={empty.plan_id}", headers=headers
    ).json()
    assert sum(d["first"] for d in compared) == 8 and all(d["second"] == 0 for d in compared)
    assert site.client.get("/api/v1/plans/999999", headers=headers).status_code == 404
    assert site.client.get("/api/v1/plans", headers=site.auth("registrar")).status_code == 403
    client, _csrf = session_client(site, "coordinator")
    page = client.get(f"/coordinator/plans?first={default.plan_id}&second={empty.plan_id}&lang=ru")
    assert page.status_code == 200 and 'id="differences"' in page.text
