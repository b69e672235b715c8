"""Pages of departures: the coordinator's review, the manifest, boarding, the host's arrivals."""

import io
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from qonaq.auth.models import User
from qonaq.auth.service import actor_of
from qonaq.csvoutput import write_csv
from qonaq.errors import Invalid
from qonaq.i18n import N_
from qonaq.placement.policy import DEFAULT_POLICY
from qonaq.settlements.models import Settlement
from qonaq.settlements.service import place_name
from qonaq.transport import service
from qonaq.transport.manifests import MANIFEST_COLUMNS, manifest_rows
from qonaq.transport.models import Departure, DepartureStatus
from qonaq.web.deps import Language, RowId, SessionDep, check_csrf, require
from qonaq.web.templating import render

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[User, Depends(require("coordinator"))]
# boarding is marked at the boarding point: a PSC registrar or a coordinator
Boarding = Annotated[User, Depends(require("coordinator", "registrar"))]
Host = Annotated[User, Depends(require("coordinator", "host"))]
Csrf = Annotated[str, Form(max_length=100)]
DayText = Annotated[str, Query(max_length=10)]


def _day(text: str) -> date:
    """The day asked for, tomorrow when none; Invalid when it is not YYYY-MM-DD."""
    if not text:
        return datetime.now(UTC).date() + timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(N_("not a date: %(value)s"), value=text) from None


def _departure_read(session: Session, departure: Departure, language: str) -> dict[str, object]:
    stops = service.stop_settlements(session, departure.id)
    return {
        "id": departure.id, "status": departure.status, "vehicle": departure.vehicle,
        "seats": departure.seats, "taken": departure.seats_taken, "cost": departure.cost,
        "km": departure.km, "departs_at": departure.departs_at,
        "boarding": place_name(session, departure.boarding_point, language),
        "stops": [place_name(session, s, language) for s in stops],
    }  # fmt: skip


@router.get("/coordinator/transport")
def transport_page(
    request: Request, session: SessionDep, user: Coordinator, language: Language, day: DayText = ""
) -> Response:
    """The day's departures to review, adjust and approve, and the households still waiting."""
    chosen = _day(day)
    departures = service.departures_between(session, chosen, chosen)
    seats = sum(d.seats for d in departures)
    context = {
        "day": chosen,
        "departures": [_departure_read(session, d, language) for d in departures],
        "cost": sum(d.cost for d in departures),
        "utilisation": sum(d.seats_taken for d in departures) / seats if seats else 0.0,
        "waiting": service.waiting_households(session),
        "unplanned": service.unplanned_placements(session),
        "vehicles": sorted(DEFAULT_POLICY.transport.vehicles),
    }
    return render(request, "transport.html", language, context)


@router.post("/coordinator/transport/plan")
def transport_plan(
    request: Request, session: SessionDep, user: Coordinator,
    day: Annotated[str, Form(max_length=10)], csrf_token: Csrf = "",
) -> Response:  # fmt: skip
    """Plan (or re-plan) the day's departures."""
    check_csrf(request, csrf_token)
    chosen = _day(day)
    service.plan_transport(
        db_session=session, first_day=chosen, last_day=chosen, policy=DEFAULT_POLICY.transport,
        circuity=DEFAULT_POLICY.circuity, actor=actor_of(user),
    )  # fmt: skip
    return RedirectResponse(f"/coordinator/transport?day={chosen.isoformat()}", 303)


def _back(departure: Departure) -> RedirectResponse:
    return RedirectResponse(f"/transport/departures/{departure.id}", 303)


@router.post("/coordinator/transport/departures/{departure_id}/approve")
def departure_approve(
    departure_id: RowId, request: Request, session: SessionDep, user: Coordinator,
    csrf_token: Csrf = "",
) -> Response:  # fmt: skip
    """planned → approved."""
    check_csrf(request, csrf_token)
    departure = service.approve_departure(
        db_session=session, departure_id=departure_id, actor=actor_of(user)
    )
    return _back(departure)


@router.post("/coordinator/transport/departures/{departure_id}/vehicle")
def departure_vehicle(
    departure_id: RowId, request: Request, session: SessionDep, user: Coordinator,
    vehicle: Annotated[str, Form(max_length=32)], csrf_token: Csrf = "",
) -> Response:  # fmt: skip
    """Another vehicle type, if the households still fit."""
    check_csrf(request, csrf_token)
    departure = service.change_vehicle(
        db_session=session, departure_id=departure_id, vehicle=vehicle,
        policy=DEFAULT_POLICY.transport, actor=actor_of(user),
    )  # fmt: skip
    return _back(departure)


@router.post("/coordinator/transport/departures/{departure_id}/move")
def departure_move(
    departure_id: RowId, request: Request, session: SessionDep, user: Coordinator,
    household_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    to_departure_id: Annotated[int, Form(ge=1, le=2_147_483_647)], csrf_token: Csrf = "",
) -> Response:  # fmt: skip
    """Move one household from this departure to another."""
    check_csrf(request, csrf_token)
    service.move_household(
        db_session=session, household_id=household_id, from_departure_id=departure_id,
        to_departure_id=to_departure_id, actor=actor_of(user),
    )  # fmt: skip
    return RedirectResponse(f"/transport/departures/{to_departure_id}", 303)


@router.post("/transport/departures/{departure_id}/board")
def departure_board(
    departure_id: RowId, request: Request, session: SessionDep, user: Boarding,
    csrf_token: Csrf = "",
) -> Response:  # fmt: skip
    """approved → boarded, marked at the boarding point."""
    check_csrf(request, csrf_token)
    departure = service.board_departure(
        db_session=session, departure_id=departure_id, actor=actor_of(user)
    )
    return _back(departure)


@router.post("/host/departures/{departure_id}/arrived")
def departure_arrived(
    departure_id: RowId, request: Request, session: SessionDep, user: Host, csrf_token: Csrf = ""
) -> Response:
    """boarded → arrived, confirmed by the host of one of its stops."""
    check_csrf(request, csrf_token)
    service.arrive_departure(db_session=session, departure_id=departure_id, actor=actor_of(user))
    if user.role != "host":  # a coordinator has no list of its own to check households in
        return RedirectResponse("/host/arrivals", 303)
    # the host's list, filtered to the households it brought, to check each in
    return RedirectResponse(f"/host?departure={departure_id}", 303)


def _manifest_context(session: Session, departure_id: int, language: str) -> dict[str, object]:
    departure = service.get_departure(session, departure_id)
    rows = service.manifest(session, departure.id)
    others = [
        d for d in service.departures_between(
            session, departure.departs_at.date(), departure.departs_at.date()
        )
        if d.id != departure.id and d.boarding_point == departure.boarding_point
        and d.status in service.ADJUSTABLE
    ]  # fmt: skip
    return {
        "departure": _departure_read(session, departure, language),
        "rows": [
            {
                "reference": r.household_reference,
                "persons": r.persons,
                "destination": place_name(session, r.destination_settlement_id, language),
                "household_id": r.household_id,
            }
            for r in rows
        ],
        "others": [(d.id, d.vehicle, d.seats - d.seats_taken) for d in others],
        "adjustable": departure.status in service.ADJUSTABLE,
        "vehicles": sorted(DEFAULT_POLICY.transport.vehicles),
    }


@router.get("/transport/departures/{departure_id}")
def manifest_page(
    departure_id: RowId, request: Request, session: SessionDep, user: Boarding, language: Language
) -> Response:
    """The printable manifest of one departure, with its adjustments and workflow buttons."""
    context = _manifest_context(session, departure_id, language)
    return render(request, "manifest.html", language, context)


@router.get("/transport/departures/{departure_id}/manifest.csv")
def manifest_csv(departure_id: RowId, session: SessionDep, user: Boarding) -> Response:
    """The manifest as CSV: one row per household on board."""
    departure = service.get_departure(session, departure_id)
    text = io.StringIO()
    write_csv(text, MANIFEST_COLUMNS, manifest_rows(session, [departure]))
    filename = f"manifest-{departure.id}.csv"
    return Response(
        text.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )  # fmt: skip


@router.get("/host/arrivals")
def host_arrivals(
    request: Request,
    session: SessionDep,
    user: Host,
    language: Language,
    settlement: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Per day, the departures bringing households to the host's settlement and their persons."""
    # a host sees its own settlement; a coordinator may open any with ?settlement=
    settlement_id = user.settlement_id if user.role == "host" else settlement or user.settlement_id
    if settlement_id is None or session.get(Settlement, settlement_id) is None:
        raise Invalid(N_("choose a settlement: open this page from the settlement's page"))
    incoming = [
        _departure_read(session, d, language) for d in service.departures_to(session, settlement_id)
    ]
    context = {
        "settlement": place_name(session, settlement_id, language),
        "days": service.expected_arrivals(session, settlement_id),
        "incoming": incoming,
        "boarded": DepartureStatus.BOARDED,
    }
    return render(request, "arrivals.html", language, context)


@router.get("/transport/boarding")
def boarding_page(
    request: Request, session: SessionDep, user: Boarding, language: Language, day: DayText = ""
) -> Response:
    """At the boarding point: the day's approved and boarded departures, to open and mark."""
    chosen = _day(day)
    leaving = [
        _departure_read(session, d, language)
        for d in service.departures_between(session, chosen, chosen)
        if d.status in (DepartureStatus.APPROVED, DepartureStatus.BOARDED)
    ]
    return render(request, "boarding.html", language, {"day": chosen, "departures": leaving})
