"""Requests for help, offers, commitments and volunteers: the only code that writes them.

Every status move is one conditional UPDATE whose WHERE states what must still hold;
in a transaction that writes several, the order is commitments, requests, offers, so two
actions never wait on each other's rows.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from qonaq.aid.matching import Match, Need, Supply, rank_offers
from qonaq.aid.models import (
    AidCommitment,
    AidOffer,
    AidRequest,
    AskThrottle,
    CommitmentStatus,
    OfferStatus,
    RequestStatus,
    Volunteer,
    VolunteerStatus,
)
from qonaq.aid.offers_file import OfferRecord
from qonaq.aid.schemas import (
    HouseholdRequest,
    OfferCreate,
    OfferRead,
    RequestContact,
    RequestCreate,
    VolunteerCreate,
)
from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.auth.models import Organisation, User
from qonaq.auth.service import MIN_PASSWORD_LENGTH, AuthError, create_user
from qonaq.config import get_settings
from qonaq.db.base import utc_now
from qonaq.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InputFileError,
    Invalid,
    NotFound,
    RowError,
)
from qonaq.geo.distance import great_circle_km
from qonaq.geo.gazetteer import display_name
from qonaq.i18n import N_
from qonaq.registry.models import Household
from qonaq.settlements.models import Hub, Region, Settlement

# roles that see requests without a volunteer's verification
STAFF_ROLES = frozenset({"coordinator", "admin", "host"})
COORDINATING_ROLES = frozenset({"coordinator", "admin"})
# what a host or a coordinator without a profile counts as "near"
DEFAULT_RADIUS_KM = 50.0
ASK_WINDOW = timedelta(hours=1)
LIVE = (RequestStatus.OPEN, RequestStatus.COMMITTED)
USERNAME = re.compile(r"[\w.-]{3,64}")


class TooManyAsks(DomainError):
    """One client sent more requests for help in an hour than the setting allows."""

    status = 429


def _audit(
    db_session: Session, actor: Actor, action: str, object_type: str, object_id: int,
    after: dict[str, Any] | None = None, reason: str | None = None,
) -> None:  # fmt: skip
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id, action=action,
        object_type=object_type, object_id=str(object_id), after=after, reason=reason,
    )  # fmt: skip


def _place(
    db_session: Session, settlement_id: str | None, hub_id: str | None
) -> tuple[float, float]:
    place: Settlement | Hub | None = (
        db_session.get(Settlement, settlement_id) if settlement_id else db_session.get(Hub, hub_id)
    )
    if place is None:
        raise Invalid(N_("unknown place %(id)s"), id=settlement_id or hub_id or "")
    return place.lat, place.lon


def create_request(
    *, db_session: Session, data: RequestCreate, actor: Actor, now: datetime | None = None
) -> AidRequest:
    """Record a request for help, optionally of a household known by its reference."""
    now = now or utc_now()
    lat, lon = _place(db_session, data.settlement_id, data.hub_id)
    household_id = None
    if data.household_code:
        code = data.household_code.strip().upper()
        household_id = db_session.scalars(
            select(Household.id).where(Household.reference == code)
        ).first()
        if household_id is None:
            raise Invalid(N_("no household has the code %(code)s"), code=code)
    request = AidRequest(
        kind=data.kind, urgency=data.urgency, status=RequestStatus.OPEN, people=data.people,
        quantity=data.quantity or data.people, committed=0, fulfilled=0,
        settlement_id=data.settlement_id, hub_id=data.hub_id, lat=lat, lon=lon,
        first_name=data.first_name, contact=data.contact, details=data.details or None,
        household_id=household_id, language=data.language, created_at=now,
        expires_at=now + timedelta(hours=get_settings().aid_request_hours),
    )  # fmt: skip
    db_session.add(request)
    db_session.flush()
    # the audit keeps what was asked, never who asked or how to reach them
    _audit(db_session, actor, "aid_request.create", "aid_request", request.id, {
        "kind": request.kind, "urgency": request.urgency, "people": request.people,
        "quantity": request.quantity, "place": data.settlement_id or data.hub_id,
        "household_id": household_id,
    })  # fmt: skip
    return request


def count_ask(*, db_session: Session, client: str, now: datetime | None = None) -> None:
    """Count one public request for help of `client`, or TooManyAsks past the hourly limit."""
    now = now or utc_now()
    limit = get_settings().aid_asks_per_hour
    dialect = postgresql if db_session.get_bind().dialect.name == "postgresql" else sqlite
    # concurrent first asks of one client from several processes must not collide
    db_session.execute(
        dialect.insert(AskThrottle)
        .values(client=client[:64], window_started_at=now, asks=0)
        .on_conflict_do_nothing()
    )
    row = db_session.get(AskThrottle, client[:64], with_for_update=True, populate_existing=True)
    if row is None:  # inserted above in this transaction
        raise Conflict(N_("try again in a moment"))
    if now - row.window_started_at >= ASK_WINDOW:
        row.window_started_at, row.asks = now, 0
    if row.asks >= limit:
        raise TooManyAsks(
            N_("Too many requests from this connection: please try again within an hour.")
        )
    row.asks += 1


def create_offer(
    *, db_session: Session, data: OfferCreate, user: User, actor: Actor,
    now: datetime | None = None,
) -> AidOffer:  # fmt: skip
    """Record an offer of help by `user` (a verified volunteer, a host or a coordinator)."""
    now = now or utc_now()
    require_reader(db_session=db_session, user=user)
    if user.role == "host" and data.settlement_id != user.settlement_id:
        raise Forbidden(N_("a host offers help only in its own settlement"))
    lat, lon = _place(db_session, data.settlement_id, None)
    starts = data.available_from or now
    if data.available_until is not None and data.available_until <= now:
        raise Invalid(N_("an offer must end in the future"))
    offer = AidOffer(
        user_id=user.id, organisation_id=user.organisation_id, kind=data.kind,
        status=OfferStatus.ACTIVE, quantity=data.quantity, remaining=data.quantity,
        unit=data.unit, settlement_id=data.settlement_id, lat=lat, lon=lon,
        radius_km=data.radius_km, available_from=starts, available_until=data.available_until,
        conditions=data.conditions, created_at=now,
    )  # fmt: skip
    db_session.add(offer)
    db_session.flush()
    _audit(db_session, actor, "aid_offer.create", "aid_offer", offer.id, {
        "kind": offer.kind, "quantity": offer.quantity, "settlement_id": offer.settlement_id,
        "radius_km": offer.radius_km,
    })  # fmt: skip
    return offer


def withdraw_offer(*, db_session: Session, offer_id: int, user: User, actor: Actor) -> AidOffer:
    """Stop an offer taking commitments (those made stand)."""
    offer = _offer(db_session, offer_id)
    _own(user, offer.user_id)
    changed = db_session.execute(
        update(AidOffer)
        .where(AidOffer.id == offer_id, AidOffer.status == OfferStatus.ACTIVE)
        .values(status=OfferStatus.WITHDRAWN)
        .execution_options(synchronize_session="fetch")
    )
    db_session.refresh(offer)
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(N_("offer %(id)s is already %(status)s"), id=offer_id, status=offer.status)
    _audit(db_session, actor, "aid_offer.withdraw", "aid_offer", offer_id)
    return offer


def _offer(db_session: Session, offer_id: int) -> AidOffer:
    offer = db_session.get(AidOffer, offer_id)
    if offer is None:
        raise NotFound(N_("no offer %(id)s"), id=offer_id)
    return offer


def _request(db_session: Session, request_id: int) -> AidRequest:
    request = db_session.get(AidRequest, request_id)
    if request is None:
        raise NotFound(N_("no request for help %(id)s"), id=request_id)
    return request


def may_commit_offer(user: User, offer: AidOffer) -> bool:
    """Whether `user` may promise this offer: who made it, a member of its organisation, or a
    coordinator."""
    same_organisation = offer.organisation_id is not None and (
        offer.organisation_id == user.organisation_id
    )
    return user.id == offer.user_id or same_organisation or user.role in COORDINATING_ROLES


def _own(user: User, owner_id: int) -> None:
    if user.id != owner_id and user.role not in COORDINATING_ROLES:
        raise Forbidden(N_("only who made it, or a coordinator, may do this"))


def commit(
    *, db_session: Session, request_id: int, offer_id: int, quantity: int, user: User,
    actor: Actor, now: datetime | None = None,
) -> AidCommitment:  # fmt: skip
    """Promise `quantity` of an offer to a request: two conditional writes, never beyond either.

    The request takes it only while it is open, not expired and still needs that much; the
    offer gives it only while active, not ended and with that much left. Either refusal
    rolls the other back (one transaction), so the numbers always add up.
    """
    now = now or utc_now()
    require_reader(db_session=db_session, user=user)
    request, offer = _request(db_session, request_id), _offer(db_session, offer_id)
    if not may_commit_offer(user, offer):
        raise Forbidden(
            N_("only its volunteer, their organisation or a coordinator commits an offer")
        )
    if offer.kind not in (request.kind, "other"):
        raise Invalid(N_("this offer is not of the kind of help asked for"))
    # a savepoint: when the offer refuses, the request's write is undone too, even for a
    # caller that goes on after the Conflict
    with db_session.begin_nested():
        return _commit(db_session, request, offer, quantity, user, actor, now)


def _commit(
    db_session: Session, request: AidRequest, offer: AidOffer, quantity: int, user: User,
    actor: Actor, now: datetime,
) -> AidCommitment:  # fmt: skip
    request_id, offer_id = request.id, offer.id
    took = db_session.execute(
        update(AidRequest)
        .where(
            AidRequest.id == request_id,
            AidRequest.status == RequestStatus.OPEN,
            or_(AidRequest.expires_at > now, AidRequest.committed > 0),
            AidRequest.committed + AidRequest.fulfilled + quantity <= AidRequest.quantity,
        )
        .values(
            committed=AidRequest.committed + quantity,
            status=case(
                (
                    AidRequest.committed + AidRequest.fulfilled + quantity >= AidRequest.quantity,
                    RequestStatus.COMMITTED.value,
                ),
                else_=RequestStatus.OPEN.value,
            ),
        )
        .execution_options(synchronize_session="fetch")
    )
    if took.rowcount != 1:  # type: ignore[attr-defined]
        db_session.refresh(request)
        raise Conflict(
            N_("request %(id)s needs only %(left)s more (it is %(status)s)"), id=request_id,
            left=max(0, request.quantity - request.committed - request.fulfilled),
            status=request.status,
        )  # fmt: skip
    gave = db_session.execute(
        update(AidOffer)
        .where(
            AidOffer.id == offer_id,
            AidOffer.status == OfferStatus.ACTIVE,
            or_(AidOffer.available_until.is_(None), AidOffer.available_until > now),
            AidOffer.remaining >= quantity,
        )
        .values(remaining=AidOffer.remaining - quantity)
        .execution_options(synchronize_session="fetch")
    )
    if gave.rowcount != 1:  # type: ignore[attr-defined]
        db_session.refresh(offer)
        raise Conflict(
            N_("offer %(id)s has only %(left)s left (it is %(status)s)"), id=offer_id,
            left=offer.remaining, status=offer.status,
        )  # fmt: skip
    commitment = AidCommitment(
        request_id=request_id, offer_id=offer_id, user_id=user.id,
        status=CommitmentStatus.COMMITTED, quantity=quantity, fulfilled=0, created_at=now,
    )  # fmt: skip
    db_session.add(commitment)
    db_session.flush()
    _audit(db_session, actor, "aid.commit", "aid_request", request_id, {
        "commitment_id": commitment.id, "offer_id": offer_id, "quantity": quantity,
    })  # fmt: skip
    return commitment


def _commitment(db_session: Session, commitment_id: int, user: User) -> AidCommitment:
    commitment = db_session.get(AidCommitment, commitment_id)
    if commitment is None:
        raise NotFound(N_("no commitment %(id)s"), id=commitment_id)
    _own(user, commitment.user_id)
    return commitment


def _close_commitment(
    db_session: Session, commitment: AidCommitment, after: CommitmentStatus, delivered: int,
    now: datetime,
) -> None:  # fmt: skip
    """committed → `after` in one conditional UPDATE, then the request and the offer follow."""
    closed = db_session.execute(
        update(AidCommitment)
        .where(
            AidCommitment.id == commitment.id, AidCommitment.status == CommitmentStatus.COMMITTED
        )
        .values(status=after, fulfilled=delivered, closed_at=now)
        .execution_options(synchronize_session="fetch")
    )
    db_session.refresh(commitment)
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            N_("commitment %(id)s is already %(status)s"), id=commitment.id,
            status=commitment.status,
        )  # fmt: skip
    promised = commitment.quantity
    done = AidRequest.fulfilled + delivered >= AidRequest.quantity
    db_session.execute(
        update(AidRequest)
        .where(AidRequest.id == commitment.request_id, AidRequest.status.in_(LIVE))
        .values(
            committed=AidRequest.committed - promised,
            fulfilled=AidRequest.fulfilled + delivered,
            status=case(
                (done, RequestStatus.FULFILLED.value),
                (
                    AidRequest.committed - promised + AidRequest.fulfilled + delivered
                    >= AidRequest.quantity,
                    RequestStatus.COMMITTED.value,
                ),
                else_=RequestStatus.OPEN.value,
            ),
            closed_at=case((done, now), else_=AidRequest.closed_at),
        )
        .execution_options(synchronize_session="fetch")
    )
    if promised > delivered:
        # what was promised and not used goes back to the offer
        db_session.execute(
            update(AidOffer)
            .where(AidOffer.id == commitment.offer_id)
            .values(remaining=AidOffer.remaining + (promised - delivered))
            .execution_options(synchronize_session="fetch")
        )


def fulfil(
    *, db_session: Session, commitment_id: int, delivered: int | None, user: User, actor: Actor,
    now: datetime | None = None,
) -> AidCommitment:  # fmt: skip
    """Mark a commitment delivered, fully or partly; an undelivered rest reopens the request."""
    now = now or utc_now()
    commitment = _commitment(db_session, commitment_id, user)
    amount = commitment.quantity if delivered is None else delivered
    if amount > commitment.quantity:
        raise Invalid(
            N_("delivered %(delivered)s is more than the %(promised)s promised"),
            delivered=amount, promised=commitment.quantity,
        )  # fmt: skip
    _close_commitment(db_session, commitment, CommitmentStatus.FULFILLED, amount, now)
    _audit(db_session, actor, "aid.fulfil", "aid_request", commitment.request_id, {
        "commitment_id": commitment.id, "delivered": amount, "promised": commitment.quantity,
    })  # fmt: skip
    return commitment


def cancel_commitment(
    *, db_session: Session, commitment_id: int, user: User, actor: Actor,
    now: datetime | None = None,
) -> AidCommitment:  # fmt: skip
    """Call off a commitment: its quantity goes back to the offer and the request reopens."""
    commitment = _commitment(db_session, commitment_id, user)
    _close_commitment(db_session, commitment, CommitmentStatus.CANCELLED, 0, now or utc_now())
    _audit(db_session, actor, "aid.cancel_commitment", "aid_request", commitment.request_id, {
        "commitment_id": commitment.id, "quantity": commitment.quantity,
    })  # fmt: skip
    return commitment


def cancel_request(
    *, db_session: Session, request_id: int, reason: str, user: User, actor: Actor,
    now: datetime | None = None,
) -> AidRequest:  # fmt: skip
    """Close a request nobody should serve any more (a coordinator's decision, with a reason)."""
    now = now or utc_now()
    if user.role not in COORDINATING_ROLES:
        raise Forbidden(N_("only a coordinator may cancel a request"))
    if not reason.strip():
        raise Invalid(N_("give a reason"))
    request = _request(db_session, request_id)
    outstanding = db_session.scalars(
        select(AidCommitment).where(
            AidCommitment.request_id == request_id,
            AidCommitment.status == CommitmentStatus.COMMITTED,
        )
    ).all()
    for commitment in outstanding:
        try:
            _close_commitment(db_session, commitment, CommitmentStatus.CANCELLED, 0, now)
        except Conflict:
            continue  # delivered or called off meanwhile: nothing of it left to cancel
    closed = db_session.execute(
        update(AidRequest)
        .where(AidRequest.id == request_id, AidRequest.status.in_(LIVE))
        .values(status=RequestStatus.CANCELLED, closed_at=now)
        .execution_options(synchronize_session="fetch")
    )
    db_session.refresh(request)
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            N_("request %(id)s is already %(status)s"), id=request_id, status=request.status
        )
    _audit(db_session, actor, "aid_request.cancel", "aid_request", request_id,
           {"commitments_cancelled": len(outstanding)}, reason=reason.strip())  # fmt: skip
    return request


@dataclass(frozen=True)
class Expired:
    """What one sweep closed."""

    offers: int
    requests: int


def expire_stale(*, db_session: Session, actor: Actor, now: datetime | None = None) -> Expired:
    """Close offers past their end and open requests past their time that nobody has taken.

    A request with an outstanding commitment stays until it is delivered or called off.
    """
    now = now or utc_now()
    offers = db_session.execute(
        update(AidOffer)
        .where(
            AidOffer.status == OfferStatus.ACTIVE,
            AidOffer.available_until.is_not(None),
            AidOffer.available_until <= now,
        )
        .values(status=OfferStatus.EXPIRED)
        .execution_options(synchronize_session="fetch")
    )
    requests = db_session.execute(
        update(AidRequest)
        .where(
            AidRequest.status == RequestStatus.OPEN,
            AidRequest.committed == 0,
            AidRequest.expires_at <= now,
        )
        .values(status=RequestStatus.EXPIRED, closed_at=now)
        .execution_options(synchronize_session="fetch")
    )
    result = Expired(int(offers.rowcount or 0), int(requests.rowcount or 0))  # type: ignore[attr-defined]
    if result.offers or result.requests:
        record_event(
            db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
            action="aid.expire", object_type="aid", object_id="*",
            after={"offers": result.offers, "requests": result.requests},
        )  # fmt: skip
    return result


def is_live_request(request: AidRequest, now: datetime) -> bool:
    """Open or committed, and not past its time while nobody has taken it (expiry on read)."""
    if request.status not in LIVE:
        return False
    return request.committed > 0 or request.expires_at > now


def volunteer_of(*, db_session: Session, user_id: int) -> Volunteer | None:
    """The volunteer profile of a user, if there is one."""
    return db_session.get(Volunteer, user_id)


def require_reader(*, db_session: Session, user: User) -> None:
    """Forbidden unless `user` may see requests: staff, or a verified volunteer."""
    if user.role in STAFF_ROLES:
        return
    profile = volunteer_of(db_session=db_session, user_id=user.id)
    if user.role != "volunteer" or profile is None or profile.status != VolunteerStatus.VERIFIED:
        raise Forbidden(N_("a coordinator must verify you before you see requests or make offers"))


def area_of(*, db_session: Session, user: User) -> tuple[float, float, float] | None:
    """(lat, lon, radius km) of where `user` helps; None means everywhere (a coordinator)."""
    if user.role == "volunteer":
        profile = volunteer_of(db_session=db_session, user_id=user.id)
        settlement = db_session.get(Settlement, profile.settlement_id) if profile else None
        if profile is None or settlement is None:
            return (0.0, 0.0, 0.0)
        return settlement.lat, settlement.lon, profile.radius_km
    if user.settlement_id:
        settlement = db_session.get(Settlement, user.settlement_id)
        if settlement is not None:
            return settlement.lat, settlement.lon, DEFAULT_RADIUS_KM
    return None


def requests_near(
    *, db_session: Session, user: User, now: datetime | None = None, kind: str | None = None
) -> list[tuple[AidRequest, float | None]]:
    """Live requests within the reader's area, most urgent then oldest first, with km."""
    now = now or utc_now()
    require_reader(db_session=db_session, user=user)
    area = area_of(db_session=db_session, user=user)
    query = select(AidRequest).where(
        AidRequest.status == RequestStatus.OPEN,
        or_(AidRequest.expires_at > now, AidRequest.committed > 0),
    )
    if kind:
        query = query.where(AidRequest.kind == kind)
    found: list[tuple[AidRequest, float | None]] = []
    for request in db_session.scalars(query.order_by(AidRequest.created_at, AidRequest.id)):
        km = None if area is None else great_circle_km(area[0], area[1], request.lat, request.lon)
        if area is None or (km is not None and km <= area[2]):
            found.append((request, km))
    urgency_order = {"today": 0, "days": 1, "week": 2}
    return sorted(found, key=lambda pair: urgency_order.get(pair[0].urgency, 3))


def matches_for(
    *, db_session: Session, request: AidRequest, now: datetime | None = None
) -> list[tuple[Match, AidOffer]]:
    """Offers that can serve `request`, ranked, each with its reasons."""
    now = now or utc_now()
    offers = {
        offer.id: offer
        for offer in db_session.scalars(
            select(AidOffer).where(
                AidOffer.status == OfferStatus.ACTIVE,
                AidOffer.remaining > 0,
                AidOffer.kind.in_((request.kind, "other")),
            )
        )
    }
    need = Need(
        kind=request.kind, urgency=request.urgency, lat=request.lat, lon=request.lon,
        open_quantity=max(1, request.quantity - request.committed - request.fulfilled),
    )  # fmt: skip
    supplies = [
        Supply(
            offer_id=o.id,
            kind=o.kind,
            lat=o.lat,
            lon=o.lon,
            radius_km=o.radius_km,
            remaining=o.remaining,
            available_from=o.available_from,
            available_until=o.available_until,
        )
        for o in offers.values()
    ]
    return [(match, offers[match.offer_id]) for match in rank_offers(need, supplies, now)]


def may_see_contact(*, db_session: Session, request: AidRequest, user: User) -> bool:
    """A coordinator, or whoever has committed to this request."""
    if user.role in COORDINATING_ROLES:
        return True
    helping = db_session.scalars(
        select(AidCommitment.id).where(
            AidCommitment.request_id == request.id, AidCommitment.user_id == user.id
        )
    ).first()
    return helping is not None


def request_contact(
    *, db_session: Session, request_id: int, user: User, actor: Actor
) -> RequestContact:
    """The requester's first name, contact and details, for whoever helps; every view audited."""
    require_reader(db_session=db_session, user=user)
    request = _request(db_session, request_id)
    if not may_see_contact(db_session=db_session, request=request, user=user):
        raise Forbidden(N_("only who has committed to help sees how to reach the requester"))
    _audit(db_session, actor, "aid_request.view_contact", "aid_request", request.id)
    return RequestContact(
        first_name=request.first_name, contact=request.contact, details=request.details or ""
    )


def open_requests_for_household(
    db_session: Session, household_id: int, *, include_closed: bool = False
) -> list[HouseholdRequest]:
    """A household's requests for help as its own status page shows them, newest first: kind,
    status and quantities, no volunteer's data; the closed ones too with `include_closed`."""
    rows = db_session.scalars(
        select(AidRequest)
        .where(AidRequest.household_id == household_id)
        .order_by(AidRequest.created_at.desc(), AidRequest.id.desc())
    )
    now = utc_now()
    found = []
    for request in rows:
        live = is_live_request(request, now)
        if not live and not include_closed:
            continue
        status = request.status if live or request.status not in LIVE else RequestStatus.EXPIRED
        found.append(
            HouseholdRequest(
                id=request.id, kind=request.kind, status=status, quantity=request.quantity,
                committed=request.committed, fulfilled=request.fulfilled,
                created_at=request.created_at,
            )
        )  # fmt: skip
    return found


def place_labels(
    *, db_session: Session, settlement_ids: Iterable[str | None], hub_ids: Iterable[str | None],
    language: str,
) -> dict[str, str]:  # fmt: skip
    """'Name (Region)' in `language` of each settlement and hub id given."""
    labels: dict[str, str] = {}
    wanted_settlements = {s for s in settlement_ids if s}
    wanted_hubs = {h for h in hub_ids if h}
    if wanted_settlements:
        for settlement, region in db_session.execute(
            select(Settlement, Region).join(Region).where(Settlement.id.in_(wanted_settlements))
        ):
            labels[settlement.id] = display_name(settlement, region, language)
    if wanted_hubs:
        for hub, region in db_session.execute(
            select(Hub, Region).join(Region).where(Hub.id.in_(wanted_hubs))
        ):
            labels[hub.id] = display_name(hub, region, language)
    return labels


def sign_up_volunteer(
    *, db_session: Session, username: str, password: str, organisation: str, language: str
) -> User:
    """A volunteer's own account from the public sign-up form (verified later by a coordinator)."""
    if not USERNAME.fullmatch(username):
        raise Invalid(
            N_("a sign-in name has 3 to 64 letters, digits, dots, hyphens or underscores")
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            N_("the password needs at least %(count)s characters"), count=MIN_PASSWORD_LENGTH
        )
    if db_session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(N_("this sign-in name is taken: choose another"))
    try:
        return create_user(
            db_session=db_session, username=username, password=password, role="volunteer",
            actor=Actor(label=username, role="volunteer"), language=language,
            organisation=organisation.strip() or None,
        )  # fmt: skip
    except AuthError as exc:
        raise Invalid(str(exc)) from None


def register_volunteer(
    *, db_session: Session, user: User, data: VolunteerCreate, actor: Actor
) -> Volunteer:
    """The profile of a volunteer user, unverified until a coordinator says otherwise."""
    if user.role != "volunteer":
        raise Invalid(N_("only a volunteer has a volunteer profile"))
    if db_session.get(Settlement, data.settlement_id) is None:
        raise Invalid(N_("unknown place %(id)s"), id=data.settlement_id)
    if db_session.get(Volunteer, user.id) is not None:
        raise Conflict(N_("this volunteer has a profile already"))
    profile = Volunteer(
        user_id=user.id, full_name=data.full_name, phone=data.phone or None,
        settlement_id=data.settlement_id, radius_km=data.radius_km,
        skills=",".join(str(kind) for kind in data.skills), status=VolunteerStatus.UNVERIFIED,
    )  # fmt: skip
    db_session.add(profile)
    db_session.flush()
    _audit(db_session, actor, "volunteer.register", "user", user.id,
           {"settlement_id": data.settlement_id, "skills": profile.skills})  # fmt: skip
    return profile


def decide_volunteer(
    *, db_session: Session, user_id: int, status: VolunteerStatus, actor: Actor,
    now: datetime | None = None,
) -> Volunteer:  # fmt: skip
    """Verify or suspend a volunteer: one conditional write from any other status."""
    profile = db_session.get(Volunteer, user_id)
    if profile is None:
        raise NotFound(N_("no volunteer %(id)s"), id=user_id)
    before = profile.status
    changed = db_session.execute(
        update(Volunteer)
        .where(Volunteer.user_id == user_id, Volunteer.status != status)
        .values(status=status, verified_at=now or utc_now(), verified_by=actor.user_id)
        .execution_options(synchronize_session="fetch")
    )
    db_session.refresh(profile)
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(N_("volunteer %(id)s is already %(status)s"), id=user_id, status=status)
    _audit(db_session, actor, f"volunteer.{'verify' if status == 'verified' else 'suspend'}",
           "user", user_id, {"before": before, "status": str(status)})  # fmt: skip
    return profile


@dataclass(frozen=True)
class Overview:
    """The coordinator's figures: open requests by region and kind, times to fulfil, low offers."""

    by_region_and_kind: list[tuple[str, str, int, int]]
    hours_to_fulfil_median: float | None
    hours_to_fulfil_p90: float | None
    fulfilled: int
    low_offers: list[AidOffer]
    unmatched: list[AidRequest]


def _quantile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    # nearest rank: the smallest value with at least `share` of the values at or below it
    rank = max(1, -(-int(share * 1000) * len(ordered) // 1000))
    return ordered[min(rank, len(ordered)) - 1]


def overview(*, db_session: Session, now: datetime | None = None) -> Overview:
    """What a coordinator watches: where requests wait, how fast they are met, what runs low."""
    now = now or utc_now()
    live = or_(AidRequest.expires_at > now, AidRequest.committed > 0)
    region = func.coalesce(Settlement.region_id, Hub.region_id)
    rows = db_session.execute(
        select(region, AidRequest.kind, func.count(), func.sum(AidRequest.people))
        .select_from(AidRequest)
        .outerjoin(Settlement, Settlement.id == AidRequest.settlement_id)
        .outerjoin(Hub, Hub.id == AidRequest.hub_id)
        .where(AidRequest.status == RequestStatus.OPEN, live)
        .group_by(region, AidRequest.kind)
        .order_by(func.count().desc(), region, AidRequest.kind)
    ).all()
    durations = [
        (closed - created).total_seconds() / 3600
        for created, closed in db_session.execute(
            select(AidRequest.created_at, AidRequest.closed_at).where(
                AidRequest.status == RequestStatus.FULFILLED, AidRequest.closed_at.is_not(None)
            )
        )
        if closed is not None
    ]
    low = db_session.scalars(
        select(AidOffer)
        .where(
            AidOffer.status == OfferStatus.ACTIVE,
            AidOffer.remaining * 5 <= AidOffer.quantity,
            or_(AidOffer.available_until.is_(None), AidOffer.available_until > now),
        )
        .order_by(AidOffer.remaining, AidOffer.id)
        .limit(50)
    ).all()
    cutoff = now - timedelta(hours=get_settings().aid_unmatched_hours)
    unmatched = db_session.scalars(
        select(AidRequest)
        .where(
            AidRequest.status == RequestStatus.OPEN,
            AidRequest.committed == 0,
            AidRequest.fulfilled == 0,
            AidRequest.created_at <= cutoff,
            AidRequest.expires_at > now,
        )
        .order_by(AidRequest.created_at)
        .limit(100)
    ).all()
    return Overview(
        by_region_and_kind=[(r or "", k, int(n), int(p or 0)) for r, k, n, p in rows],
        hours_to_fulfil_median=_quantile(durations, 0.5),
        hours_to_fulfil_p90=_quantile(durations, 0.9),
        fulfilled=len(durations),
        low_offers=list(low),
        unmatched=list(unmatched),
    )


def organisation_names(db_session: Session, offers: Iterable[AidOffer]) -> dict[int, str]:
    """The name of each organisation the offers carry, in one query."""
    ids = {offer.organisation_id for offer in offers if offer.organisation_id}
    if not ids:
        return {}
    rows = db_session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    )
    return {organisation_id: name for organisation_id, name in rows}


def offer_reads(db_session: Session, offers: list[AidOffer], language: str) -> list[OfferRead]:
    """The API view of offers, with their place in `language` and their organisation."""
    labels = place_labels(
        db_session=db_session, settlement_ids=[o.settlement_id for o in offers], hub_ids=[],
        language=language,
    )  # fmt: skip
    names = organisation_names(db_session, offers)
    reads = []
    for offer in offers:
        read = OfferRead.model_validate(offer)
        read.place = labels.get(offer.settlement_id, "")
        read.organisation = names.get(offer.organisation_id or 0, "")
        reads.append(read)
    return reads


def import_offers(
    *, db_session: Session, records: Sequence[OfferRecord], source: str, actor: Actor
) -> int:
    """Create every offer of a validated file, or none: each row is checked (its user may
    offer, its place exists) before the first is written. Returns how many."""
    names = {record.username for record in records}
    users = {
        u.username: u for u in db_session.scalars(select(User).where(User.username.in_(names)))
    }
    errors: list[RowError] = []
    for number, record in enumerate(records, start=1):
        user = users.get(record.username)
        if user is None:
            errors.append(RowError(number, "username", f"no user {record.username!r}"))
            continue
        try:
            require_reader(db_session=db_session, user=user)
        except DomainError as exc:
            errors.append(RowError(number, "username", str(exc)))
        if db_session.get(Settlement, record.settlement_id) is None:
            errors.append(
                RowError(number, "settlement_id", f"unknown place {record.settlement_id!r}")
            )
    if errors:
        raise InputFileError(source, errors)
    for record in records:
        data = OfferCreate.model_validate(record.model_dump(exclude={"username"}))
        create_offer(db_session=db_session, data=data, user=users[record.username], actor=actor)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="aid_offer.import", object_type="aid_offer", object_id="*",
        after={"source": source, "created": len(records)},
    )  # fmt: skip
    return len(records)


REQUEST_EXPORT = (
    "id", "kind", "urgency", "status", "people", "quantity", "committed", "fulfilled",
    "settlement_id", "hub_id", "household_linked", "created_at", "expires_at", "closed_at",
)  # fmt: skip
OFFER_EXPORT = (
    "id", "kind", "status", "quantity", "remaining", "unit", "settlement_id", "radius_km",
    "organisation", "available_from", "available_until", "conditions", "created_at",
)  # fmt: skip


def request_rows(*, db_session: Session) -> list[list[object]]:
    """Every request as a row of REQUEST_EXPORT: what and where, never who or how to reach."""
    return [
        [
            r.id,
            r.kind,
            r.urgency,
            r.status,
            r.people,
            r.quantity,
            r.committed,
            r.fulfilled,
            r.settlement_id or "",
            r.hub_id or "",
            "yes" if r.household_id else "no",
            _moment(r.created_at),
            _moment(r.expires_at),
            _moment(r.closed_at),
        ]
        for r in db_session.scalars(select(AidRequest).order_by(AidRequest.id))
    ]


def offer_rows(*, db_session: Session) -> list[list[object]]:
    """Every offer as a row of OFFER_EXPORT."""
    offers = list(db_session.scalars(select(AidOffer).order_by(AidOffer.id)))
    names = organisation_names(db_session, offers)
    return [
        [
            o.id,
            o.kind,
            o.status,
            o.quantity,
            o.remaining,
            o.unit,
            o.settlement_id,
            o.radius_km,
            names.get(o.organisation_id or 0, ""),
            _moment(o.available_from),
            _moment(o.available_until),
            o.conditions,
            _moment(o.created_at),
        ]
        for o in offers
    ]


def _moment(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else ""
