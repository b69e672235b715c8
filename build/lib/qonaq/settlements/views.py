"""Pages of a host settlement's akimat: who is coming, arrivals, declared capacity."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from qonaq.auth.models import User
from qonaq.auth.service import actor_of
from qonaq.errors import DomainError, NotFound
from qonaq.geo.gazetteer import display_name
from qonaq.i18n import N_
from qonaq.plaintext import PlainText
from qonaq.registry.api import placement_reads
from qonaq.registry.models import Placement
from qonaq.registry.service import record_arrival
from qonaq.settlements.models import Region, Settlement
from qonaq.settlements.schemas import CapacityDeclare
from qonaq.settlements.service import declare_capacity
from qonaq.web.deps import Language, RowId, SessionDep, check_csrf, require
from qonaq.web.templating import render

router = APIRouter(include_in_schema=False)
Host = Annotated[User, Depends(require("coordinator", "host"))]


def _host_settlement(session: SessionDep, user: User, requested: str | None) -> Settlement | None:
    # a host sees its own settlement; a coordinator may open any with ?settlement=
    settlement_id = user.settlement_id if user.role == "host" else requested or user.settlement_id
    return session.get(Settlement, settlement_id) if settlement_id else None


def _host_page(
    request: Request, session: SessionDep, language: str, settlement: Settlement,
    message: str = "", errors: list[str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    region = session.get(Region, settlement.region_id)
    if region is None:  # a settlement's region is a foreign key: only a broken database
        raise NotFound(N_("unknown region %(name)s"), name=settlement.region_id)
    placements = session.scalars(
        select(Placement)
        .where(Placement.settlement_id == settlement.id, Placement.status != "cancelled")
        .order_by(Placement.expected_arrival, Placement.id)
    ).all()
    label = display_name(settlement, region, language)
    context = {
        "settlement": {**{c: getattr(settlement, c) for c in _SETTLEMENT_FIELDS}, "label": label},
        "placements": placement_reads(session, placements),
        "message": message,
        "errors": errors or [],
    }
    return render(request, "host.html", language, context, status)


_SETTLEMENT_FIELDS = (
    "id", "cap_persons", "cap_children", "cap_medical", "load_persons", "load_children",
    "load_medical", "capacity_source",
)  # fmt: skip


@router.get("/host")
def host_page(
    request: Request, session: SessionDep, user: Host, language: Language,
    settlement: str | None = None,
) -> Response:  # fmt: skip
    """Households placed in the host's settlement, and its declared capacity."""
    found = _host_settlement(session, user, settlement)
    if found is None:
        return RedirectResponse("/coordinator/replan", 303)
    return _host_page(request, session, language, found)


@router.post("/host/placements/{placement_id}/arrival")
def host_arrival(
    placement_id: RowId,
    request: Request,
    session: SessionDep,
    user: Host,
    language: Language,
    arrived: Annotated[str, Form(pattern="^[01]$")],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record an arrival or a no-show."""
    check_csrf(request, csrf_token)
    placement = record_arrival(
        db_session=session, placement_id=placement_id, arrived=arrived == "1", actor=actor_of(user)
    )
    return RedirectResponse(f"/host?settlement={placement.settlement_id}", 303)


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
) -> Response:
    """Declare the settlement's capacity."""
    check_csrf(request, csrf_token)
    settlement = _host_settlement(session, user, settlement_id)
    if settlement is None:
        raise NotFound(N_("unknown settlement %(id)s"), id=settlement_id)
    try:
        body = CapacityDeclare.model_validate(
            {"cap_persons": cap_persons, "cap_children": cap_children, "cap_medical": cap_medical}
        )
        declare_capacity(
            db_session=session, settlement_id=settlement.id, persons=body.cap_persons,
            children=body.cap_children, medical=body.cap_medical, actor=actor_of(user),
        )  # fmt: skip
    except ValidationError as exc:
        errors = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return _host_page(request, session, language, settlement, errors=errors, status=422)
    except DomainError as exc:
        errors = [exc.words(language)]
        return _host_page(request, session, language, settlement, errors=errors, status=exc.status)
    return RedirectResponse(f"/host?settlement={settlement.id}", 303)


AnyRole = Annotated[User, Depends(require("coordinator", "registrar", "host", "volunteer"))]


@router.get("/settlements")
def settlements_page(
    request: Request, session: SessionDep, user: AnyRole, language: Language
) -> Response:
    """Every settlement's load against its capacity, the most pressed first."""
    rows = session.execute(select(Settlement, Region).join(Region)).all()
    places = [
        {
            "label": display_name(s, r, language),
            "kind": s.kind,
            "capacity": s.cap_persons,
            "load": s.load_persons,
            "fill": s.load_persons / s.cap_persons if s.cap_persons else 0.0,
            "source": s.capacity_source,
        }
        for s, r in rows
    ]
    places.sort(key=lambda p: (-float(p["fill"]), str(p["label"])))  # type: ignore[arg-type]
    return render(request, "settlements.html", language, {"places": places})
