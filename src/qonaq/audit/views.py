"""The coordinator's audit log page: actions in words, places by name, paging, CSV export."""

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from qonaq.audit.models import AuditEvent
from qonaq.audit.service import AuditFilter, count_events, find_events
from qonaq.auth.models import User
from qonaq.csvoutput import write_csv
from qonaq.geo.gazetteer import display_name
from qonaq.i18n import N_, gettext
from qonaq.registry.models import Placement
from qonaq.settlements.models import Region, Settlement
from qonaq.web.deps import Language, SessionDep, require
from qonaq.web.templating import render

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[User, Depends(require("coordinator"))]
PAGE_SIZE = 100
MAX_EXPORT = 100_000
# every action the services record, in words; an unknown one is shown as its code
ACTION_WORDS = {
    "aid.cancel_commitment": N_("Help commitment called off"),
    "aid.commit": N_("Help committed"),
    "aid.expire": N_("Stale help requests and offers expired"),
    "aid.fulfil": N_("Help delivered"),
    "aid_offer.create": N_("Help offered"),
    "aid_offer.import": N_("Help offers imported"),
    "aid_offer.withdraw": N_("Help offer withdrawn"),
    "aid_request.cancel": N_("Help request cancelled"),
    "aid_request.create": N_("Help requested"),
    "aid_request.purge": N_("Help requests' contacts erased after retention"),
    "aid_request.view_contact": N_("Requester's contact viewed"),
    "auth.locked": N_("Account locked after failed sign-ins"),
    "auth.sign_in": N_("Signed in"),
    "auth.sign_in_failed": N_("Failed sign-in"),
    "capacities.import": N_("Capacities imported"),
    "capacity.declare": N_("Capacity declared"),
    "data.export": N_("Data exported"),
    "data.rotate_keys": N_("Encryption keys rotated"),
    "household.purge": N_("Household purged after retention"),
    "household.register": N_("Household registered"),
    "hubs.upsert": N_("Entry points imported"),
    "person.erase": N_("Person's data erased"),
    "person.export": N_("Person's data exported"),
    "placement.arrived": N_("Household arrived"),
    "placement.confirm": N_("Placement confirmed"),
    "placement.no_show": N_("Household did not come"),
    "placement.override": N_("Placement with override"),
    "placement.undo_no_show": N_("'Did not come' undone"),
    "prices.reprice": N_("Desk prices re-computed"),
    "preregistration.complete": N_("Pre-registration completed at a desk"),
    "preregistration.create": N_("Pre-registered online"),
    "preregistration.purge": N_("Expired pre-registrations deleted"),
    "preregistration.rotate_keys": N_("Pre-registrations' encryption keys rotated"),
    "regions.upsert": N_("Regions imported"),
    "replan.apply": N_("Re-plan applied"),
    "replan.preview": N_("Re-plan previewed"),
    "settlements.import": N_("Settlements imported"),
    "token.issue": N_("API token issued"),
    "token.revoke": N_("API token revoked"),
    "user.create": N_("User created"),
    "user.disable": N_("User disabled"),
    "user.enable": N_("User enabled"),
    "vacancies.import": N_("Vacancies imported"),
    "volunteer.register": N_("Volunteer signed up"),
    "volunteer.suspend": N_("Volunteer suspended"),
    "volunteer.verify": N_("Volunteer verified"),
}
OBJECT_WORDS = {
    "household": N_("household"), "placement": N_("placement"), "plan": N_("plan"),
    "settlement": N_("settlement"), "user": N_("user"), "person": N_("person"),
    "export": N_("export"),
    "aid_request": N_("request for help"), "aid_offer": N_("offer of help"),
    "preregistration": N_("pre-registration"),
}  # fmt: skip


@dataclass(frozen=True)
class EventRow:
    """An audit event as the page and the CSV show it."""

    at: str
    actor: str
    action: str
    words: str
    target: str
    before: str
    after: str
    reason: str


def _place_names(
    db_session: Session, events: list[AuditEvent], language: str
) -> dict[tuple[str, str], str]:
    """The settlement's name of each settlement and placement event, one query per kind."""
    placement_ids = [int(e.object_id) for e in events if e.object_type == "placement"
                     and e.object_id.isdigit()]  # fmt: skip
    settlement_of = dict(
        db_session.execute(
            select(Placement.id, Placement.settlement_id).where(Placement.id.in_(placement_ids))
        ).all()
    )
    wanted = {e.object_id for e in events if e.object_type == "settlement"}
    wanted |= set(settlement_of.values())
    labels = {
        s.id: display_name(s, r, language)
        for s, r in db_session.execute(
            select(Settlement, Region).join(Region).where(Settlement.id.in_(wanted))
        ).all()
    }
    names = {("placement", str(p)): labels.get(s, s) for p, s in settlement_of.items()}
    names |= {("settlement", s): label for s, label in labels.items()}
    return names


def _event_rows(db_session: Session, events: list[AuditEvent], language: str) -> list[EventRow]:
    names = _place_names(db_session, events, language)
    rows = []
    for event in events:
        kind = gettext(language, OBJECT_WORDS.get(event.object_type, event.object_type))
        target = f"{kind} {event.object_id}"
        place = names.get((event.object_type, event.object_id))
        if place and event.object_type == "settlement":
            target = place
        elif place:
            target = f"{target} · {place}"
        rows.append(
            EventRow(
                at=event.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                actor=event.actor_label,
                action=event.action,
                words=gettext(language, ACTION_WORDS.get(event.action, event.action)),
                target=target,
                before=json.dumps(event.before, ensure_ascii=False) if event.before else "",
                after=json.dumps(event.after, ensure_ascii=False) if event.after else "",
                reason=event.reason or "",
            )
        )
    return rows


def _rules(
    action: str | None, actor: str | None, object_id: str | None,
    since: date | None, until: date | None, limit: int, offset: int = 0,
) -> AuditFilter:  # fmt: skip
    # dates are whole UTC days: 'until' includes the day it names
    return AuditFilter(
        action=action or None, actor=actor or None, object_id=object_id or None,
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), UTC) - timedelta(microseconds=1)
        if until else None,
        limit=limit, offset=offset,
    )  # fmt: skip


Action = Annotated[str | None, Query(max_length=64)]
ActorLabel = Annotated[str | None, Query(max_length=64)]
ObjectId = Annotated[str | None, Query(max_length=64)]
Day = Annotated[date | None, Query()]


@router.get("/coordinator/audit")
def audit_page(
    request: Request, session: SessionDep, user: Coordinator, language: Language,
    action: Action = None, actor: ActorLabel = None, object_id: ObjectId = None,
    since: Day = None, until: Day = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:  # fmt: skip
    """Audit events, newest first, filtered by action prefix, actor, object and dates."""
    rules = _rules(action, actor, object_id, since, until, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    total = count_events(db_session=session, rules=rules)
    events = _event_rows(session, find_events(db_session=session, rules=rules), language)
    filters = {"action": action or "", "actor": actor or "", "object_id": object_id or "",
               "since": since.isoformat() if since else "",
               "until": until.isoformat() if until else ""}  # fmt: skip
    context = {
        "events": events, "filters": filters, "page": page, "total": total,
        "pages": max(1, -(-total // PAGE_SIZE)), "actions": ACTION_WORDS,
    }  # fmt: skip
    return render(request, "audit.html", language, context)


@router.get("/coordinator/audit.csv")
def audit_csv(
    session: SessionDep, user: Coordinator, language: Language,
    action: Action = None, actor: ActorLabel = None, object_id: ObjectId = None,
    since: Day = None, until: Day = None,
) -> Response:  # fmt: skip
    """The filtered audit events as CSV, newest first (formula cells escaped)."""
    rules = _rules(action, actor, object_id, since, until, MAX_EXPORT)
    rows = _event_rows(session, find_events(db_session=session, rules=rules), language)
    out = io.StringIO()
    header = ["time_utc", "actor", "action", "action_words", "object", "before", "after", "reason"]
    write_csv(
        out, header,
        ([r.at, r.actor, r.action, r.words, r.target, r.before, r.after, r.reason] for r in rows),
    )  # fmt: skip
    return Response(
        out.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )  # fmt: skip
