"""JSON routes for requests for help, offers, commitments and volunteers (/api/v1/aid/...)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import Field
from sqlalchemy import select

from qonaq.aid.matching import reason_words
from qonaq.aid.models import AidCommitment, AidOffer, AidRequest, VolunteerStatus
from qonaq.aid.schemas import (
    CommitmentCreate,
    CommitmentRead,
    Delivered,
    MatchRead,
    OfferCreate,
    OfferRead,
    RequestContact,
    RequestCreate,
    RequestDetail,
    RequestRead,
    VolunteerCreate,
    VolunteerDecision,
)
from qonaq.aid.service import (
    cancel_commitment,
    cancel_request,
    commit,
    create_offer,
    create_request,
    decide_volunteer,
    fulfil,
    matches_for,
    offer_reads,
    organisation_names,
    place_labels,
    register_volunteer,
    request_contact,
    requests_near,
    require_reader,
    withdraw_offer,
)
from qonaq.auth.models import User
from qonaq.auth.service import actor_of
from qonaq.errors import NotFound
from qonaq.i18n import N_
from qonaq.plaintext import UserInput
from qonaq.web.deps import RowId, SessionDep, require

router = APIRouter(prefix="/aid", tags=["aid"])
Reader = Annotated[User, Depends(require("volunteer", "host", "coordinator"))]
Intake = Annotated[User, Depends(require("volunteer", "host", "coordinator", "registrar"))]
Coordinator = Annotated[User, Depends(require("coordinator"))]
Volunteer = Annotated[User, Depends(require("volunteer"))]
KIND_PATTERN = (
    "^(shelter|food|clothes|sim_card|money_transfer|legal|medical|childcare|translation"
    "|transport|other)$"
)


class CancelBody(UserInput):
    """Why a request is closed unmet (kept in the audit log)."""

    reason: str = Field(min_length=1, max_length=1000)


def request_read(request: AidRequest, labels: dict[str, str], km: float | None) -> RequestRead:
    """The list view of a request: what, how many, where; never who or how to reach them."""
    read = RequestRead.model_validate(request)
    read.place = labels.get(request.settlement_id or request.hub_id or "", "")
    read.distance_km = None if km is None else round(km, 1)
    return read


@router.post("/requests", response_model=RequestRead, status_code=201)
def post_request(body: RequestCreate, session: SessionDep, user: Intake) -> RequestRead:
    """Record a request for help heard at a desk, a border or a hotline."""
    request = create_request(db_session=session, data=body, actor=actor_of(user))
    labels = place_labels(
        db_session=session, settlement_ids=[request.settlement_id], hub_ids=[request.hub_id],
        language=user.language,
    )  # fmt: skip
    return request_read(request, labels, None)


@router.get("/requests", response_model=list[RequestRead])
def get_requests(
    session: SessionDep,
    user: Reader,
    kind: Annotated[str | None, Query(pattern=KIND_PATTERN)] = None,
) -> list[RequestRead]:
    """Open requests near the reader (a volunteer's area, a host's settlement; all for a
    coordinator), most urgent first."""
    found = requests_near(db_session=session, user=user, kind=kind)
    labels = place_labels(
        db_session=session, settlement_ids=[r.settlement_id for r, _ in found],
        hub_ids=[r.hub_id for r, _ in found], language=user.language,
    )  # fmt: skip
    return [request_read(request, labels, km) for request, km in found]


@router.get("/requests/{request_id}", response_model=RequestDetail)
def get_request(request_id: RowId, session: SessionDep, user: Reader) -> RequestDetail:
    """One request with its suggested offers, best first, each with its reasons."""
    require_reader(db_session=session, user=user)
    request = session.get(AidRequest, request_id)
    if request is None:
        raise NotFound(N_("no request for help %(id)s"), id=request_id)
    matches = matches_for(db_session=session, request=request)
    offers = [offer for _, offer in matches]
    settlement_ids = [request.settlement_id, *(o.settlement_id for o in offers)]
    labels = place_labels(
        db_session=session, settlement_ids=settlement_ids, hub_ids=[request.hub_id],
        language=user.language,
    )  # fmt: skip
    organisations = organisation_names(session, offers)
    detail = RequestDetail(**request_read(request, labels, None).model_dump())
    detail.matches = [
        MatchRead(
            offer_id=offer.id,
            kind=offer.kind,
            remaining=offer.remaining,
            unit=offer.unit,
            place=labels.get(offer.settlement_id, ""),
            distance_km=round(match.distance_km, 1),
            organisation=organisations.get(offer.organisation_id or 0, ""),
            reasons=[reason_words(reason, user.language) for reason in match.reasons],
        )
        for match, offer in matches
    ]
    return detail


@router.post("/requests/{request_id}/contact", response_model=RequestContact)
def post_contact(request_id: RowId, session: SessionDep, user: Reader) -> RequestContact:
    """The requester's first name and contact, for a coordinator or whoever committed to help;
    a POST because each view is recorded in the audit log."""
    return request_contact(
        db_session=session, request_id=request_id, user=user, actor=actor_of(user)
    )


@router.post("/requests/{request_id}/cancel", response_model=RequestRead)
def post_cancel_request(
    request_id: RowId, body: CancelBody, session: SessionDep, user: Coordinator
) -> RequestRead:
    """Close a request unmet; its outstanding commitments are called off."""
    request = cancel_request(
        db_session=session, request_id=request_id, reason=body.reason, user=user,
        actor=actor_of(user),
    )  # fmt: skip
    return request_read(request, {}, None)


@router.post("/offers", response_model=OfferRead, status_code=201)
def post_offer(body: OfferCreate, session: SessionDep, user: Reader) -> OfferRead:
    """Offer help: kind, quantity, place and radius, when, on what conditions."""
    offer = create_offer(db_session=session, data=body, user=user, actor=actor_of(user))
    return offer_reads(session, [offer], user.language)[0]


@router.get("/offers", response_model=list[OfferRead])
def get_offers(session: SessionDep, user: Reader) -> list[OfferRead]:
    """The reader's own offers (every offer for a coordinator), newest first."""
    query = select(AidOffer).order_by(AidOffer.id.desc())
    if user.role not in ("coordinator", "admin"):
        query = query.where(AidOffer.user_id == user.id)
    return offer_reads(session, list(session.scalars(query.limit(500))), user.language)


@router.post("/offers/{offer_id}/withdraw", response_model=OfferRead)
def post_withdraw(offer_id: RowId, session: SessionDep, user: Reader) -> OfferRead:
    """Stop an offer taking commitments; those made stand."""
    offer = withdraw_offer(db_session=session, offer_id=offer_id, user=user, actor=actor_of(user))
    return offer_reads(session, [offer], user.language)[0]


@router.post("/commitments", response_model=CommitmentRead, status_code=201)
def post_commitment(body: CommitmentCreate, session: SessionDep, user: Reader) -> CommitmentRead:
    """Promise a quantity of your offer to a request: never beyond what either has left."""
    commitment = commit(
        db_session=session, request_id=body.request_id, offer_id=body.offer_id,
        quantity=body.quantity, user=user, actor=actor_of(user),
    )  # fmt: skip
    return CommitmentRead.model_validate(commitment)


@router.get("/commitments", response_model=list[CommitmentRead])
def get_commitments(session: SessionDep, user: Reader) -> list[CommitmentRead]:
    """The reader's own commitments, newest first."""
    rows = session.scalars(
        select(AidCommitment)
        .where(AidCommitment.user_id == user.id)
        .order_by(AidCommitment.id.desc())
        .limit(500)
    )
    return [CommitmentRead.model_validate(c) for c in rows]


@router.post("/commitments/{commitment_id}/fulfil", response_model=CommitmentRead)
def post_fulfil(
    commitment_id: RowId, body: Delivered, session: SessionDep, user: Reader
) -> CommitmentRead:
    """Mark a commitment delivered: all of it, or the quantity given (the rest reopens)."""
    commitment = fulfil(
        db_session=session, commitment_id=commitment_id, delivered=body.quantity, user=user,
        actor=actor_of(user),
    )  # fmt: skip
    return CommitmentRead.model_validate(commitment)


@router.post("/commitments/{commitment_id}/cancel", response_model=CommitmentRead)
def post_cancel_commitment(
    commitment_id: RowId, session: SessionDep, user: Reader
) -> CommitmentRead:
    """Call a commitment off: its quantity returns to the offer, the request reopens."""
    commitment = cancel_commitment(
        db_session=session, commitment_id=commitment_id, user=user, actor=actor_of(user)
    )
    return CommitmentRead.model_validate(commitment)


@router.post("/volunteer", status_code=201)
def post_volunteer_profile(
    body: VolunteerCreate, session: SessionDep, user: Volunteer
) -> dict[str, str]:
    """Give your volunteer profile (area, skills, phone); a coordinator then verifies you."""
    profile = register_volunteer(db_session=session, user=user, data=body, actor=actor_of(user))
    return {"status": profile.status}


@router.post("/volunteers/{user_id}/decision")
def post_volunteer_decision(
    user_id: RowId, body: VolunteerDecision, session: SessionDep, user: Coordinator
) -> dict[str, str]:
    """Verify a volunteer (they then see requests) or suspend one (they see nothing)."""
    profile = decide_volunteer(
        db_session=session, user_id=user_id, status=VolunteerStatus(body.status),
        actor=actor_of(user),
    )  # fmt: skip
    return {"status": profile.status}
