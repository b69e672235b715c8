"""Defect 13: an option the desk was shown counts as recommended when confirmed, even when
other desks' confirmations have since pushed it out of the top three; decided in one place."""

from sqlalchemy import Engine, select

from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.geo.settlements_file import SETTLEMENT_COLUMNS, parse_settlements
from qonaq.registry import placing
from qonaq.registry.integrity import integrity_problems
from qonaq.registry.models import Household
from qonaq.registry.service import confirm_placement, register_household
from qonaq.settlements.models import Settlement
from qonaq.settlements.service import import_settlements
from qonaq.web.deps import SESSION_COOKIE
from tests.registry.factories import household
from tests.web.conftest import Site
from tests.web.test_cancel_and_replace import _session_cookie

FOURTH = "\n".join(
    [
        ",".join(SETTLEMENT_COLUMNS),
        "chapaev,Chapaev,West Kazakhstan,50.2,51.17,9000,town,1,700,170,35,0,0,0",
    ]
)


def _with_a_fourth_settlement(engine: Engine) -> None:
    with transaction(engine) as db_session:
        records = parse_settlements("fourth.csv", FOURTH)
        import_settlements(db_session=db_session, records=records, actor_label="t", source="t")


def _register(engine: Engine, size: int) -> int:
    with transaction(engine) as db_session:
        return register_household(
            db_session=db_session, data=household(size), actor=Actor("desk")
        ).id


def _recommended_now(engine: Engine, household_id: int) -> list[str]:
    with transaction(engine, writes=False) as db_session:
        found = db_session.get(Household, household_id)
        assert found is not None
        options = placing.desk_options(db_session=db_session, household=found, language="en")
        return [o.settlement_id for o in options]


def _other_desks_fill(engine: Engine, settlement_id: str, keep: int) -> None:
    """Other desks place households in `settlement_id` until `keep` places are left."""
    while True:
        with transaction(engine) as db_session:
            settlement = db_session.get(Settlement, settlement_id)
            assert settlement is not None
            size = min(20, settlement.cap_persons - settlement.load_persons - keep)
            if size < 1:
                return
            other = register_household(
                db_session=db_session, data=household(size), actor=Actor("o")
            )
            confirm_placement(
                db_session=db_session, household_id=other.id, settlement_id=settlement_id,
                actor=Actor("other desk"), recommended=[settlement_id], override_reason=None,
            )  # fmt: skip


def test_an_option_shown_is_confirmed_without_a_reason_after_loads_changed(site: Site) -> None:
    _with_a_fourth_settlement(site.engine)
    household_id = _register(site.engine, 2)
    desk = site.auth("registrar")
    shown = site.client.get(f"/api/v1/households/{household_id}/recommendations", headers=desk)
    options = shown.json()
    first = options[0]["settlement_id"]
    _other_desks_fill(site.engine, first, keep=2)
    assert first not in _recommended_now(site.engine, household_id)  # what used to refuse it
    recomputed = site.client.post(
        f"/api/v1/households/{household_id}/placement", json={"settlement_id": first}, headers=desk
    )
    assert recomputed.status_code == 422 and "written reason" in recomputed.text
    forged = site.client.post(
        f"/api/v1/households/{household_id}/placement",
        json={"settlement_id": first, "shown": f"{first}|{'0' * 64}"}, headers=desk,
    )  # fmt: skip
    assert forged.status_code == 422 and "cannot be checked" in forged.text
    other_household = _register(site.engine, 1)
    borrowed = site.client.post(
        f"/api/v1/households/{other_household}/placement",
        json={"settlement_id": first, "shown": options[0]["shown"]}, headers=desk,
    )  # fmt: skip
    assert borrowed.status_code == 422  # signed for another household
    confirmed = site.client.post(
        f"/api/v1/households/{household_id}/placement",
        json={"settlement_id": first, "shown": options[0]["shown"]}, headers=desk,
    )  # fmt: skip
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["recommendation_rank"] == 1
    with transaction(site.engine, writes=False) as db_session:
        event = db_session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "placement",
                AuditEvent.object_id == str(confirmed.json()["id"]),
            )
        ).one()
        assert event.action == "placement.confirm"
        assert integrity_problems(db_session=db_session) == []


def test_the_household_page_confirms_the_option_it_showed(sqlite_site: Site) -> None:
    _with_a_fourth_settlement(sqlite_site.engine)
    household_id = _register(sqlite_site.engine, 2)
    token, csrf = _session_cookie(sqlite_site.engine, "registrar")
    client = sqlite_site.client
    client.cookies.set(SESSION_COOKIE, token)
    page = client.get(f"/desk/households/{household_id}?lang=en").text
    first = page.split('data-settlement="')[1].split('"')[0]
    shown = page.split('name="shown" value="')[1].split('"')[0]
    _other_desks_fill(sqlite_site.engine, first, keep=2)
    assert first not in _recommended_now(sqlite_site.engine, household_id)
    form = {"csrf_token": csrf, "settlement_id": first, "shown": shown}
    confirmed = client.post(
        f"/desk/households/{household_id}/confirm", data=form, follow_redirects=False
    )
    assert confirmed.status_code == 303 and confirmed.headers["location"].startswith("/letters/")
