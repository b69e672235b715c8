"""Pages of a host settlement's akimat: who is coming, arrivals, declared capacity."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select

from qonaq.auth.models import User
from qonaq.auth.service import actor_of
from qonaq.errors import DomainError, Forbidden, NotFound
from qonaq.geo.gazetteer import display_name, localized_name
from qonaq.i18n import N_, gettext
from qonaq.plaintext import PlainText
from qonaq.registry.api import placement_reads
from qonaq.registry.models import Household, Person, Placement
from qonaq.registry.schemas import ADULT_AGE
from qonaq.registry.service import record_arrival, undo_no_show
from qonaq.settlements.models import Region, Settlement
from qonaq.settlements.schemas import CapacityDeclare
from qonaq.settlements.service import declare_capacity, set_open
from qonaq.transport.service import placements_on
from qonaq.web.deps import Language, RowId, SessionDep, check_csrf, require
from qonaq.web.templating import render

router = APIRouter(include_in_schema=False)
Host = Annotated[User, Depends(require("coordinator", "host"))]
Coordinator = Annotated[User, Depends(require("coordinator"))]


def _host_settlement(session: SessionDep, user: User, requested: str | None) -> Settlement | None:
    # a host sees its own settlement; a coordinator may open any with ?settlement=
    settlement_id = user.settlement_id if user.role == "host" else requested or user.settlement_id
    return session.get(Settlement, settlement_id) if settlement_id else None


PAGE_SIZE = 50
# which placements the host's list shows: all of them, those due today, those overdue
SHOWS = ("all", "today", "overdue")


@dataclass(frozen=True)
class ArrivalsQuery:
    """The host's view of the list: a filter, a search term (names or reference), a page."""

    show: str = "all"
    search: str = ""
    page: int = 1
    # the households an arrived departure brought, to check each in
    departure: int | None = None


@dataclass(frozen=True)
class Member:
    """A member as the host sees it: name and age, never a document."""

    name: str
    age: int
    adult: bool


def _matching_households(session: SessionDep, settlement_id: str, term: str) -> set[int]:
    # matched in Python with casefold: SQLite's LIKE folds only ASCII, and names are Cyrillic
    wanted = term.casefold()
    rows = session.execute(
        select(Household.id, Household.reference, Person.full_name)
        .join(Placement, Placement.household_id == Household.id)
        .outerjoin(Person, Person.household_id == Household.id)
        .where(Placement.settlement_id == settlement_id)
    ).all()
    return {
        household_id
        for household_id, reference, name in rows
        if wanted in reference.casefold() or (name and wanted in name.casefold())
    }


def _arrivals(
    session: SessionDep, settlement_id: str, query: ArrivalsQuery
) -> tuple[list[Placement], int]:
    """One page of the settlement's placements matching `query`, and how many match in all."""
    today = datetime.now(UTC).date()
    where = [Placement.settlement_id == settlement_id, Placement.status != "cancelled"]
    if query.show == "today":
        where += [Placement.status == "reserved", Placement.expected_arrival == today]
    elif query.show == "overdue":
        where += [Placement.status == "reserved", Placement.expected_arrival < today]
    if query.departure is not None:
        where.append(Placement.id.in_(placements_on(query.departure)))
    if query.search:
        where.append(
            Placement.household_id.in_(_matching_households(session, settlement_id, query.search))
        )
    total = session.scalar(select(func.count()).select_from(Placement).where(*where)) or 0
    placements = session.scalars(
        select(Placement)
        .where(*where)
        .order_by(Placement.expected_arrival, Placement.id)
        .offset((query.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return list(placements), total


def _members(session: SessionDep, household_ids: set[int]) -> dict[int, list[Member]]:
    today = datetime.now(UTC).date()
    found: dict[int, list[Member]] = {}
    rows = session.execute(
        select(Person.household_id, Person.full_name, Person.birth_date)
        .where(Person.household_id.in_(household_ids), Person.erased_at.is_(None))
        .order_by(Person.id)
    ).all()
    for household_id, name, born in rows:
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        found.setdefault(household_id, []).append(Member(name, age, age >= ADULT_AGE))
    return found


def _host_page(
    request: Request, session: SessionDep, language: str, settlement: Settlement,
    query: ArrivalsQuery | None = None, errors: list[str] | None = None, status: int = 200,
    open_reason: str = "",
) -> Response:  # fmt: skip
    region = session.get(Region, settlement.region_id)
    if region is None:  # a settlement's region is a foreign key: only a broken database
        raise NotFound(N_("unknown region %(name)s"), name=settlement.region_id)
    query = query or ArrivalsQuery()
    placements, total = _arrivals(session, settlement.id, query)
    label = display_name(settlement, region, language)
    context = {
        "settlement": {**{c: getattr(settlement, c) for c in _SETTLEMENT_FIELDS}, "label": label},
        "placements": placement_reads(session, placements),
        "members": _members(session, {p.household_id for p in placements}),
        "query": query,
        "shows": SHOWS,
        "total": total,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "errors": errors or [],
        "open_reason": open_reason,
    }
    return render(request, "host.html", language, context, status)


_SETTLEMENT_FIELDS = (
    "id", "cap_persons", "cap_children", "cap_medical", "load_persons", "load_children",
    "load_medical", "capacity_source", "open",
)  # fmt: skip


@router.get("/host")
def host_page(
    request: Request, session: SessionDep, user: Host, language: Language,
    settlement: Annotated[str | None, Query(max_length=64)] = None,
    show: Annotated[str, Query(pattern="^(all|today|overdue)$")] = "all",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    departure: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:  # fmt: skip
    """Households placed in the host's settlement, and its declared capacity."""
    found = _host_settlement(session, user, settlement)
    if found is None:
        return RedirectResponse("/coordinator/replan", 303)
    query = ArrivalsQuery(show=show, page=page, departure=departure)
    return _host_page(request, session, language, found, query)


@router.post("/host/search")
def host_search(
    request: Request,
    session: SessionDep,
    user: Host,
    language: Language,
    settlement_id: Annotated[PlainText, Form(max_length=64)] = "",
    search: Annotated[PlainText, Form(max_length=200)] = "",
    show: Annotated[str, Form(pattern="^(all|today|overdue)$")] = "all",
    page: Annotated[int, Form(ge=1, le=100_000)] = 1,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """The list searched by a name or reference: a form post, so no name reaches a URL or log."""
    check_csrf(request, csrf_token)
    found = _host_settlement(session, user, settlement_id or None)
    if found is None:
        raise NotFound(N_("unknown settlement %(id)s"), id=settlement_id)
    query = ArrivalsQuery(show=show, search=search.strip(), page=page)
    return _host_page(request, session, language, found, query)


@router.post("/host/placements/{placement_id}/arrival")
def host_arrival(
    placement_id: RowId,
    request: Request,
    session: SessionDep,
    user: Host,
    language: Language,
    arrived: Annotated[str, Form(pattern="^[01]$")],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Record an arrival or a no-show; from a scanned letter, back to its check page."""
    check_csrf(request, csrf_token)
    placement = record_arrival(
        db_session=session, placement_id=placement_id, arrived=arrived == "1", actor=actor_of(user)
    )
    if code:
        return RedirectResponse(f"/verify/{placement.id}?code={quote(code)}", 303)
    return RedirectResponse(f"/host?settlement={placement.settlement_id}", 303)


@router.post("/host/placements/{placement_id}/undo-no-show")
def host_undo_no_show(
    placement_id: RowId,
    request: Request,
    session: SessionDep,
    user: Host,
    language: Language,
    reason: Annotated[PlainText, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Undo a mistaken 'did not come': the household's room is held again."""
    check_csrf(request, csrf_token)
    placement = session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(N_("no placement %(id)s"), id=placement_id)
    try:
        with session.begin_nested():
            undo_no_show(
                db_session=session, placement_id=placement_id, reason=reason, actor=actor_of(user)
            )
    except Forbidden:
        raise
    except DomainError as exc:
        settlement = session.get(Settlement, placement.settlement_id)
        if settlement is None:
            raise
        errors = [exc.words(language)]
        return _host_page(request, session, language, settlement, errors=errors, status=exc.status)
    return RedirectResponse(f"/host?settlement={placement.settlement_id}", 303)


@router.post("/host/open")
def host_open(
    request: Request,
    session: SessionDep,
    user: Coordinator,
    language: Language,
    settlement_id: Annotated[PlainText, Form(max_length=64)],
    open_: Annotated[str, Form(alias="open", pattern="^[01]$")],
    reason: Annotated[PlainText, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Close the settlement to new placements (those it holds stay), or open it again."""
    check_csrf(request, csrf_token)
    settlement = session.get(Settlement, settlement_id)
    if settlement is None:
        raise NotFound(N_("unknown settlement %(id)s"), id=settlement_id)
    try:
        with session.begin_nested():
            set_open(
                db_session=session, settlement_id=settlement.id, open_=open_ == "1",
                actor=actor_of(user), reason=reason,
            )  # fmt: skip
    except DomainError as exc:
        errors = [exc.words(language)]
        return _host_page(
            request, session, language, settlement, errors=errors, status=exc.status,
            open_reason=reason,
        )  # fmt: skip
    return RedirectResponse(f"/host?settlement={settlement.id}", 303)


CAPACITY_LABELS = {
    "cap_persons": N_("Beds (persons)"),
    "cap_children": N_("School and kindergarten places"),
    "cap_medical": N_("Clinic places"),
}
CAPACITY_ERRORS = {
    "int_parsing": N_("is not a whole number"),
    "int_from_float": N_("is not a whole number"),
    "greater_than_equal": N_("cannot be negative"),
    "less_than_equal": N_("is too large"),
    "missing": N_("is required"),
}


def _capacity_errors(exc: ValidationError, language: str) -> list[str]:
    """Each problem of the capacity form as '<field>: <what>' in `language`."""
    messages = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        where = gettext(language, CAPACITY_LABELS.get(field, N_("Declared capacity")))
        what = gettext(language, CAPACITY_ERRORS.get(error["type"], N_("has an invalid value")))
        messages.append(f"{where}: {what}")
    return messages


@router.post("/host/capacity")
def host_capacity(
    request: Request,
    session: SessionDep,
    user: Host,
    language: Language,
    settlement_id: Annotated[PlainText, Form(max_length=64)],
    cap_persons: Annotated[str, Form(max_length=12)],
    cap_children: Annotated[str, Form(max_length=12)],
    cap_medical: Annotated[str, Form(max_length=12)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    below_load: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """Declare the settlement's capacity; below what is already placed only when confirmed."""
    check_csrf(request, csrf_token)
    settlement = _host_settlement(session, user, settlement_id)
    if settlement is None:
        raise NotFound(N_("unknown settlement %(id)s"), id=settlement_id)
    try:
        body = CapacityDeclare.model_validate(
            {"cap_persons": cap_persons, "cap_children": cap_children, "cap_medical": cap_medical}
        )
        with session.begin_nested():
            declare_capacity(
                db_session=session, settlement_id=settlement.id, persons=body.cap_persons,
                children=body.cap_children, medical=body.cap_medical, actor=actor_of(user),
                below_load=below_load == "1",
            )  # fmt: skip
    except ValidationError as exc:
        errors = _capacity_errors(exc, language)
        return _host_page(request, session, language, settlement, errors=errors, status=422)
    except DomainError as exc:
        errors = [exc.words(language)]
        return _host_page(request, session, language, settlement, errors=errors, status=exc.status)
    return RedirectResponse(f"/host?settlement={settlement.id}", 303)


AnyRole = Annotated[User, Depends(require("coordinator", "registrar", "host", "volunteer"))]


@router.get("/settlements")
def settlements_page(
    request: Request, session: SessionDep, user: AnyRole, language: Language,
    region: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:  # fmt: skip
    """Every settlement's load against its capacity (of one region with ?region=), the most
    pressed first; a coordinator opens a settlement's page from its name."""
    query = select(Settlement, Region).join(Region)
    shown_region = session.get(Region, region) if region else None
    if region and shown_region is None:
        raise NotFound(N_("unknown region %(name)s"), name=region)
    if shown_region is not None:
        query = query.where(Settlement.region_id == shown_region.id)
    rows = session.execute(query).all()
    places = [
        {
            "id": s.id,
            "label": display_name(s, r, language),
            "kind": s.kind,
            "capacity": s.cap_persons,
            "load": s.load_persons,
            "fill": s.load_persons / s.cap_persons if s.cap_persons else 0.0,
            "source": s.capacity_source,
            "open": s.open,
        }
        for s, r in rows
    ]
    places.sort(key=lambda p: (-float(p["fill"]), str(p["label"])))  # type: ignore[arg-type]
    context = {
        "places": places,
        "region": localized_name(shown_region, language) if shown_region else None,
        "linked": user.role in ("coordinator", "admin"),
    }
    return render(request, "settlements.html", language, context)
