"""The audit log a coordinator can read: actions in words, settlements by name, a date range,
paging, a CSV export with formula cells escaped; re-plans record their policy."""

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.csvoutput import unescape_cell
from qonaq.db.session import transaction
from qonaq.i18n import gettext
from qonaq.registry import placing
from qonaq.registry.service import confirm_placement, register_household
from tests.registry.factories import household
from tests.web.conftest import Site
from tests.web.test_refusals import session_client


def _placement_in(site: Site, settlement_id: str, reason: str | None = None) -> int:
    with transaction(site.engine) as db_session:
        found = register_household(db_session=db_session, data=household(1), actor=Actor("t"))
        placement = confirm_placement(
            db_session=db_session, household_id=found.id, settlement_id=settlement_id,
            actor=Actor("desk"), recommended=[] if reason else [settlement_id],
            override_reason=reason,
        )  # fmt: skip
        db_session.flush()
        return placement.id


def test_actions_in_words_and_settlements_by_name(sqlite_site: Site) -> None:
    placement_id = _placement_in(sqlite_site, "aksai")
    client, csrf = session_client(sqlite_site, "host")
    form = {"csrf_token": csrf, "settlement_id": "small", "cap_persons": "9",
            "cap_children": "9", "cap_medical": "9"}  # fmt: skip
    assert client.post("/host/capacity", data=form, follow_redirects=False).status_code == 303
    coordinator, _ = session_client(sqlite_site, "coordinator")
    page = coordinator.get("/coordinator/audit?lang=ru").text
    assert gettext("ru", "Placement confirmed") in page and "placement.confirm<" not in page
    assert gettext("ru", "Capacity declared") in page
    assert f"{gettext('ru', 'placement')} {placement_id} · Aksai" in page
    assert ">Small (" in page  # the settlement's name, not its id
    only = coordinator.get("/coordinator/audit?action=capacity.declare&lang=en").text
    assert (
        only.count('data-action="capacity.declare"') == 1
        and 'data-action="placement.confirm"' not in only
    )


def test_date_range_and_paging(sqlite_site: Site) -> None:
    for _ in range(3):
        _placement_in(sqlite_site, "oral")
    old = datetime.now(UTC) - timedelta(days=10)
    with transaction(sqlite_site.engine) as db_session:
        first = db_session.scalar(select(AuditEvent.id).order_by(AuditEvent.id))
        db_session.execute(update(AuditEvent).where(AuditEvent.id == first).values(at=old))
        total = len(db_session.scalars(select(AuditEvent.id)).all())
        for n in range(120):
            db_session.add(AuditEvent(actor_label="bulk", action="hubs.upsert",
                                      object_type="hub", object_id=str(n)))  # fmt: skip
    coordinator, _ = session_client(sqlite_site, "coordinator")
    day = old.date().isoformat()
    that_day = coordinator.get(f"/coordinator/audit?since={day}&until={day}&lang=en").text
    assert "Events found: 1" in that_day
    since_then = (old.date() + timedelta(days=1)).isoformat()
    later = coordinator.get(f"/coordinator/audit?since={since_then}&lang=en").text
    assert f"Events found: {total + 120 - 1}" in later
    first_page = coordinator.get("/coordinator/audit?lang=en").text
    assert first_page.count("<tr data-action=") == 100 and "Page 1 / 2" in first_page
    second = coordinator.get("/coordinator/audit?page=2&lang=en").text
    assert second.count("<tr data-action=") == total + 120 - 100
    assert coordinator.get("/coordinator/audit?since=yesterday").status_code == 422


def test_csv_export_is_filtered_and_escapes_formulas(sqlite_site: Site) -> None:
    _placement_in(sqlite_site, "aksai", reason='=HYPERLINK("http://x")')
    coordinator, _ = session_client(sqlite_site, "coordinator")
    answer = coordinator.get("/coordinator/audit.csv?action=placement&lang=ru")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["action"] for r in rows] == ["placement.override"]
    assert rows[0]["action_words"] == gettext("ru", "Placement with override")
    assert rows[0]["reason"].startswith("'=")
    assert unescape_cell(rows[0]["reason"]) == '=HYPERLINK("http://x")'
    assert "Aksai" in rows[0]["object"]
    registrar, _ = session_client(sqlite_site, "registrar")
    assert registrar.get("/coordinator/audit.csv").status_code in (303, 403)


def test_replans_record_their_policy(sqlite_site: Site) -> None:
    with transaction(sqlite_site.engine) as db_session:
        register_household(db_session=db_session, data=household(1), actor=Actor("t"))
    coordinator = Actor("coordinator", role="coordinator")
    with transaction(sqlite_site.engine) as db_session:
        plan = placing.preview(db_session=db_session, policy_name="default", actor=coordinator)
    with transaction(sqlite_site.engine) as db_session:
        placing.apply(db_session=db_session, plan_id=plan.plan_id, actor=coordinator)
    with transaction(sqlite_site.engine, writes=False) as db_session:
        events = db_session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("replan."))
        ).all()
    assert {e.action: (e.after or {}).get("policy") for e in events} == {
        "replan.preview": "default",
        "replan.apply": "default",
    }
