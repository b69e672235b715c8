"""JSON routes for settlements, hubs and declared capacities."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import ConfigDict, Field
from sqlalchemy import select

from qonaq.auth.models import User
from qonaq.auth.service import actor_of
from qonaq.plaintext import UserInput
from qonaq.settlements.models import Hub, Region, Settlement
from qonaq.settlements.schemas import CapacityDeclare, HubRead, SettlementRead
from qonaq.settlements.service import declare_capacity, list_settlements, set_open
from qonaq.web.deps import SessionDep, require

router = APIRouter(tags=["settlements"])
KIND_PATTERN = "^(republic_city|regional_centre|town|village)$"
AnyRole = Annotated[User, Depends(require("coordinator", "registrar", "host", "volunteer"))]
Declarer = Annotated[User, Depends(require("coordinator", "host"))]


def _read(settlement: Settlement, region: Region) -> SettlementRead:
    read = SettlementRead.model_validate(settlement)
    read.region_name = region.name
    return read


@router.get("/settlements", response_model=list[SettlementRead])
def get_settlements(
    session: SessionDep,
    user: AnyRole,
    region: Annotated[str | None, Query(max_length=100)] = None,
    kind: Annotated[str | None, Query(pattern=KIND_PATTERN)] = None,
) -> list[SettlementRead]:
    """Settlements with capacity and load, optionally of one region and kind."""
    rows = list_settlements(db_session=session, region=region, kind=kind)
    return [_read(s, r) for s, r in rows]


@router.get("/settlements/{settlement_id}", response_model=SettlementRead)
def get_settlement(settlement_id: str, session: SessionDep, user: AnyRole) -> SettlementRead:
    """One settlement."""
    row = session.execute(
        select(Settlement, Region).join(Region).where(Settlement.id == settlement_id)
    ).first()
    if row is None:
        raise HTTPException(404, f"unknown settlement {settlement_id!r}")
    return _read(*row)


@router.put("/settlements/{settlement_id}/capacity", response_model=SettlementRead)
def put_capacity(
    settlement_id: str, body: CapacityDeclare, session: SessionDep, user: Declarer
) -> SettlementRead:
    """Declare a settlement's capacity (a host only for its own settlement)."""
    declare_capacity(
        db_session=session, settlement_id=settlement_id, persons=body.cap_persons,
        children=body.cap_children, medical=body.cap_medical, actor=actor_of(user),
    )  # fmt: skip
    return get_settlement(settlement_id, session, user)


class OpenState(UserInput):
    """Whether a settlement takes new placements, and why it changes (kept in the audit log)."""

    model_config = ConfigDict(extra="forbid")

    open: bool
    reason: str = Field(max_length=1000)


@router.put("/settlements/{settlement_id}/open", response_model=SettlementRead)
def put_open(
    settlement_id: str, body: OpenState, session: SessionDep,
    user: Annotated[User, Depends(require("coordinator"))],
) -> SettlementRead:  # fmt: skip
    """Close a settlement to new placements (those it holds stay), or open it again."""
    set_open(
        db_session=session, settlement_id=settlement_id, open_=body.open, actor=actor_of(user),
        reason=body.reason,
    )  # fmt: skip
    return get_settlement(settlement_id, session, user)


@router.get("/hubs", response_model=list[HubRead])
def get_hubs(session: SessionDep, user: AnyRole) -> list[HubRead]:
    """Entry hubs: road border crossings and airports."""
    return [HubRead.model_validate(h) for h in session.scalars(select(Hub).order_by(Hub.id))]
