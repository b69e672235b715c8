"""JSON routes for registering households, placing them, and recording arrivals."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from qonaq.auth.models import User
from qonaq.auth.service import actor_of
from qonaq.db.reads import read_detached
from qonaq.geo.gazetteer import localized_name
from qonaq.plaintext import UserInput
from qonaq.registry import placing
from qonaq.registry.models import Household, Placement
from qonaq.registry.schemas import (
    HouseholdCreate,
    HouseholdRead,
    OptionRead,
    PersonCreate,
    PlacementConfirm,
    PlacementRead,
)
from qonaq.registry.search import find_households
from qonaq.registry.service import (
    add_member,
    cancel_placement,
    household_preferences,
    record_arrival,
    register_household,
    remove_member,
    reopen_household,
    undo_no_show,
    update_member,
)
from qonaq.settlements.models import Region, Settlement
from qonaq.web.deps import RowId, SessionDep, require

router = APIRouter(tags=["registry"])
Desk = Annotated[User, Depends(require("coordinator", "registrar"))]
Host = Annotated[User, Depends(require("coordinator", "host"))]
Coordinator = Annotated[User, Depends(require("coordinator"))]


class ArrivalRecord(UserInput):
    """A host's word on a placed household: it arrived, or it did not come."""

    model_config = ConfigDict(extra="forbid")

    arrived: bool


def household_read(household: Household) -> HouseholdRead:
    """The API view of a household."""
    return HouseholdRead(
        id=household.id, reference=household.reference, status=household.status,
        size=household.size, children=household.children, medical=household.medical,
        origin_hub_id=household.origin_hub_id, origin_settlement_id=household.origin_settlement_id,
        preferences=household_preferences(household), language=household.language,
    )  # fmt: skip


@dataclass(frozen=True)
class Names:
    """A place's names in the three languages."""

    name: str
    name_ru: str
    name_kk: str


# columns, not objects: a confirmation's answer names one settlement and its region
NAMES = select(
    Settlement.id, Settlement.name, Settlement.name_ru, Settlement.name_kk,
    Region.name, Region.name_ru, Region.name_kk,
).join(Region)  # fmt: skip


def place_names(
    session: SessionDep, settlement_ids: Iterable[str], language: str = "en"
) -> dict[str, tuple[str, str]]:
    """Each settlement's name and its region's name in `language`, in one query."""
    rows = session.connection().execute(NAMES.where(Settlement.id.in_(set(settlement_ids)))).all()
    return {
        row.id: (localized_name(row, language), localized_name(Names(*row[4:]), language))
        for row in rows
    }


def placement_reads(
    session: SessionDep, placements: Sequence[Placement], language: str = "en"
) -> list[PlacementRead]:
    """The API view of placements, with settlement, region (in `language`) and reference.

    Settlements and households are read in one query each, not one per placement.
    """
    places = place_names(session, (p.settlement_id for p in placements), language)
    references = dict(
        session.execute(
            select(Household.id, Household.reference).where(
                Household.id.in_({p.household_id for p in placements})
            )
        ).all()
    )
    return [
        PlacementRead(
            id=p.id,
            household_id=p.household_id,
            household_reference=references[p.household_id],
            settlement_id=p.settlement_id,
            settlement_name=places[p.settlement_id][0],
            region_name=places[p.settlement_id][1],
            status=p.status,
            persons=p.persons,
            children=p.children,
            medical=p.medical,
            recommendation_rank=p.recommendation_rank,
            override_reason=p.override_reason,
            expected_arrival=p.expected_arrival,
        )
        for p in placements
    ]


def placement_read(
    session: SessionDep, placement: Placement, language: str = "en"
) -> PlacementRead:
    """The API view of one placement, places named in `language`."""
    return placement_reads(session, [placement], language)[0]


def _household(session: SessionDep, household_id: int) -> Household:
    household = session.get(Household, household_id)
    if household is None:
        raise HTTPException(404, f"no household {household_id}")
    return household


@router.post("/households", response_model=HouseholdRead, status_code=201)
def post_household(body: HouseholdCreate, session: SessionDep, user: Desk) -> HouseholdRead:
    """Register a household; 409 with the existing household when a document is known."""
    household = register_household(db_session=session, data=body, actor=actor_of(user))
    return household_read(household)


class SearchTerms(UserInput):
    """What a registrar types to find a household: a reference, document number, IIN, phone,
    or part of a name (sent in the body, so it never reaches a URL or a log)."""

    model_config = ConfigDict(extra="forbid")

    terms: str = Field(max_length=200)


class HouseholdFound(BaseModel):
    """A household found by a search: reference, size, status and its settlement."""

    household_id: int
    reference: str
    size: int
    status: str
    settlement_id: str | None
    settlement_name: str | None


@router.post("/households/search", response_model=list[HouseholdFound])
def post_search(body: SearchTerms, session: SessionDep, user: Desk) -> list[HouseholdFound]:
    """Households by reference, a member's document, IIN or phone (exact), or name (part)."""
    found = find_households(db_session=session, terms=body.terms, language=user.language)
    return [HouseholdFound(**vars(match)) for match in found]


@router.get("/households/{household_id}", response_model=HouseholdRead)
def get_household(household_id: RowId, session: SessionDep, user: Desk) -> HouseholdRead:
    """One household (counts and status; members' details are not returned here)."""
    return household_read(_household(session, household_id))


@router.put("/persons/{person_id}", response_model=HouseholdRead)
def put_person(
    person_id: RowId, body: PersonCreate, session: SessionDep, user: Desk
) -> HouseholdRead:
    """Correct a member through registration's checks; a placed household's counts may not
    change (409: cancel its placement first)."""
    person = update_member(db_session=session, person_id=person_id, data=body, actor=actor_of(user))
    return household_read(_household(session, person.household_id))


@router.post("/households/{household_id}/members", response_model=HouseholdRead, status_code=201)
def post_member(
    household_id: RowId, body: PersonCreate, session: SessionDep, user: Desk
) -> HouseholdRead:
    """Add a member to a household not yet placed (409 once placed, or a known document)."""
    add_member(db_session=session, household_id=household_id, data=body, actor=actor_of(user))
    return household_read(_household(session, household_id))


@router.delete("/persons/{person_id}", response_model=HouseholdRead)
def delete_person(person_id: RowId, session: SessionDep, user: Desk) -> HouseholdRead:
    """Remove a member from a household not yet placed (its last member stays)."""
    household = remove_member(db_session=session, person_id=person_id, actor=actor_of(user))
    return household_read(household)


@router.get("/households/{household_id}/recommendations", response_model=list[OptionRead])
def get_recommendations(household_id: RowId, session: SessionDep, user: Desk) -> list[OptionRead]:
    """The three best settlements for this household now, with every cost term and reasons."""
    # only read: no ORM loading, every desk asks this once per household
    household = read_detached(session, Household, household_id)
    if household is None:
        raise HTTPException(404, f"no household {household_id}")
    return placing.desk_options(db_session=session, household=household, language=user.language)


@router.post("/households/{household_id}/placement", response_model=PlacementRead, status_code=201)
def post_placement(
    household_id: RowId, body: PlacementConfirm, session: SessionDep, user: Desk
) -> PlacementRead:
    """Confirm a settlement: reserves its capacity atomically (409 when it is full); with the
    `shown` of the recommendations read, any option shown counts as recommended."""
    placement = placing.confirm_choice(
        db_session=session, household_id=household_id, settlement_id=body.settlement_id,
        actor=actor_of(user), shown=body.shown, override_reason=body.override_reason,
    )  # fmt: skip
    return placement_read(session, placement)


@router.get("/settlements/{settlement_id}/placements", response_model=list[PlacementRead])
def get_settlement_placements(
    settlement_id: str, session: SessionDep, user: Host
) -> list[PlacementRead]:
    """Households placed in a settlement, soonest arrival first (a host sees only its own)."""
    if user.role == "host" and user.settlement_id != settlement_id:
        raise HTTPException(403, "a host sees only its own settlement")
    placements = session.scalars(
        select(Placement)
        .where(Placement.settlement_id == settlement_id)
        .order_by(Placement.expected_arrival, Placement.id)
    ).all()
    return placement_reads(session, placements)


@router.post("/placements/{placement_id}/arrival", response_model=PlacementRead)
def post_arrival(
    placement_id: RowId, body: ArrivalRecord, session: SessionDep, user: Host
) -> PlacementRead:
    """Record that a placed household arrived, or did not come (its places are freed)."""
    placement = record_arrival(
        db_session=session, placement_id=placement_id, arrived=body.arrived, actor=actor_of(user)
    )
    return placement_read(session, placement)


class WrittenReason(UserInput):
    """Why a desk cancels, places again or undoes a no-show (kept in the audit log)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=1000)


@router.post("/placements/{placement_id}/cancel", response_model=PlacementRead)
def post_cancel(
    placement_id: RowId, body: WrittenReason, session: SessionDep, user: Desk
) -> PlacementRead:
    """Cancel a reserved placement: its places are freed and the household is pending again
    (409 when it already arrived, did not come, or was cancelled)."""
    placement = cancel_placement(
        db_session=session, placement_id=placement_id, actor=actor_of(user), reason=body.reason
    )
    return placement_read(session, placement)


@router.post("/placements/{placement_id}/undo-no-show", response_model=PlacementRead)
def post_undo_no_show(
    placement_id: RowId, body: WrittenReason, session: SessionDep, user: Host
) -> PlacementRead:
    """Undo a mistaken 'did not come': the placement holds its room again (a host only in its
    own settlement; 409 when it is not a no-show, the settlement has no room now, or the
    household was placed again)."""
    placement = undo_no_show(
        db_session=session, placement_id=placement_id, reason=body.reason, actor=actor_of(user)
    )
    return placement_read(session, placement)


@router.post("/households/{household_id}/reopen", response_model=HouseholdRead)
def post_reopen(
    household_id: RowId, body: WrittenReason, session: SessionDep, user: Desk
) -> HouseholdRead:
    """Make a household that did not come pending again, to be placed anew (409 otherwise)."""
    household = reopen_household(
        db_session=session, household_id=household_id, actor=actor_of(user), reason=body.reason
    )
    return household_read(household)


@router.get("/placements/{placement_id}", response_model=PlacementRead)
def get_placement(placement_id: RowId, session: SessionDep, user: Desk) -> PlacementRead:
    """One placement."""
    placement = session.get(Placement, placement_id)
    if placement is None:
        raise HTTPException(404, f"no placement {placement_id}")
    return placement_read(session, placement)


class AppliedRead(BaseModel):
    """What applying a previewed plan did."""

    plan_id: int
    placed: int
    not_pending: int
    no_room: int


@router.post(
    "/replan/{plan_id}/apply",
    response_model=AppliedRead,
    responses={404: {"description": "no such plan"}, 409: {"description": "already applied"}},
)
def post_replan_apply(plan_id: RowId, session: SessionDep, user: Coordinator) -> AppliedRead:
    """Place exactly the previewed plan's households that are still pending and still fit,
    once (409 for a plan already applied or superseded by a later one)."""
    applied = placing.apply(db_session=session, plan_id=plan_id, actor=actor_of(user))
    return AppliedRead(**vars(applied))
