"""Registering households and placing them: the only code that writes registry tables."""

import math
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.db.crypto import Keyring, current_keyring
from qonaq.db.reads import read_detached
from qonaq.errors import Conflict, Forbidden, Invalid, NotFound
from qonaq.geo.distance import great_circle_km
from qonaq.i18n import N_
from qonaq.placement.policy import policy_named
from qonaq.registry.identity import document_digest, folded_name, iin_digest, phone_digest
from qonaq.registry.models import Household, Person, Placement
from qonaq.registry.schemas import WORKING_AGES, HouseholdCreate, PersonCreate
from qonaq.settlements.models import Hub, Settlement
from qonaq.transport.service import NO_SHOW_UNDONE, NOT_PLANNED, list_waiting, release_seat

# letters and digits that cannot be misread for one another on a printed letter
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# road travel assumed for the expected arrival date: km covered per day of travel
KM_PER_TRAVEL_DAY = 600.0


class DuplicateRegistration(Conflict):
    """A member's document or IIN is already registered, in the household named here."""

    def __init__(self, household_id: int, reference: str) -> None:
        self.household_id = household_id
        self.reference = reference
        super().__init__(N_("already registered in household %(reference)s"), reference=reference)


class CapacityExhausted(Conflict):
    """The settlement has no room left for this household in some dimension."""


def new_reference() -> str:
    """A random public reference like QN-7X3K9P."""
    return "QN-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def register_household(*, db_session: Session, data: HouseholdCreate, actor: Actor) -> Household:
    """Register a household and its members after the duplicate check, in one transaction."""
    origin_lat, origin_lon = declared_places(db_session=db_session, data=data)
    keyring = current_keyring()
    _refuse_duplicates(db_session, data.members, keyring)
    today = datetime.now(UTC).date()
    household = Household(
        reference=new_reference(),
        status="pending",
        size=len(data.members),
        children=sum(m.age_on(today) < 18 for m in data.members),
        medical=sum(m.needs_medical for m in data.members),
        origin_hub_id=data.origin_hub_id,
        origin_settlement_id=data.origin_settlement_id,
        origin_lat=origin_lat,
        origin_lon=origin_lon,
        preference_1=_nth(data.preferences, 0),
        preference_2=_nth(data.preferences, 1),
        preference_3=_nth(data.preferences, 2),
        language=data.language,
        registered_by=actor.user_id,
    )
    db_session.add(household)
    try:
        db_session.flush()
        db_session.add_all(_person(household.id, m, keyring) for m in data.members)
        db_session.flush()
    except IntegrityError as exc:
        # another desk registered the same document between our check and our insert
        raise Conflict(N_("a member's document or IIN was registered at the same moment")) from exc
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="household.register", object_type="household", object_id=str(household.id),
        after=household_summary(household),
    )  # fmt: skip
    return household


def declared_places(*, db_session: Session, data: HouseholdCreate) -> tuple[float, float]:
    """The origin's point, after NotFound for an unknown origin or wished settlement."""
    origin = _origin_point(db_session, data)
    for wish in data.preferences:
        if read_detached(db_session, Settlement, wish) is None:
            raise NotFound(N_("unknown settlement %(id)s in preferences"), id=wish)
    return origin


def household_summary(household: Household) -> dict[str, object]:
    """What the audit log keeps of a household: no names, no documents."""
    return {
        "reference": household.reference,
        "status": household.status,
        "size": household.size,
        "children": household.children,
        "medical": household.medical,
    }


def household_preferences(household: Household) -> list[str]:
    """The household's wishes, best first."""
    wishes = (household.preference_1, household.preference_2, household.preference_3)
    return [w for w in wishes if w]


def household_occupations(*, db_session: Session, household: Household) -> tuple[str, ...]:
    """One occupation group per working-age member who has one."""
    return occupations_of(db_session=db_session, household_ids=[household.id]).get(household.id, ())


def occupations_of(*, db_session: Session, household_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Working-age members' occupation groups of many households, in one query per 1,000."""
    today = datetime.now(UTC).date()
    found: dict[int, list[str]] = {}
    for start in range(0, len(household_ids), 1000):
        members = db_session.execute(
            select(Person.household_id, Person.occupation, Person.birth_date).where(
                Person.household_id.in_(household_ids[start : start + 1000]),
                Person.occupation.is_not(None),
            )
        ).all()
        for household_id, occupation, born in members:
            if occupation and _age(born, today) in WORKING_AGES:
                found.setdefault(household_id, []).append(occupation)
    return {household_id: tuple(groups) for household_id, groups in found.items()}


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _nth(values: list[str], n: int) -> str | None:
    return values[n] if len(values) > n else None


def _origin_point(db_session: Session, data: HouseholdCreate) -> tuple[float, float]:
    # read before any write of the registration: the Core, not the ORM's loading
    if data.origin_hub_id is not None:
        hub = read_detached(db_session, Hub, data.origin_hub_id)
        if hub is None:
            raise NotFound(N_("unknown entry hub %(id)s"), id=data.origin_hub_id)
        return hub.lat, hub.lon
    settlement = read_detached(db_session, Settlement, data.origin_settlement_id)
    if settlement is None:
        raise NotFound(N_("unknown settlement %(id)s as origin"), id=str(data.origin_settlement_id))
    return settlement.lat, settlement.lon


def _refuse_duplicates(
    db_session: Session, members: list[PersonCreate], keyring: Keyring, but: int | None = None
) -> None:
    """DuplicateRegistration when a member's document or IIN is held by anyone but `but`."""
    keys = [document_digest(keyring, m.document_key()) for m in members]
    iins = [iin_digest(keyring, m.iin) for m in members if m.iin]
    clash = db_session.execute(
        select(Person.household_id)
        .where(or_(Person.document_key.in_(keys), Person.iin_key.in_(iins)))
        .where(Person.id != (but or 0))
        .limit(1)
    ).scalar()
    if clash is not None:
        existing = db_session.get(Household, clash)
        reference = existing.reference if existing is not None else "?"
        raise DuplicateRegistration(clash, reference)


def _person(household_id: int, member: PersonCreate, keyring: Keyring) -> Person:
    return Person(
        household_id=household_id,
        full_name=member.full_name,
        name_folded=folded_name(member.full_name),
        birth_date=member.birth_date,
        sex=member.sex,
        citizenship=member.citizenship,
        document_type=member.document_type,
        document_key=document_digest(keyring, member.document_key()),
        document_number=member.document_number,
        iin=member.iin,
        iin_key=iin_digest(keyring, member.iin) if member.iin else None,
        phone=member.phone,
        phone_key=phone_digest(keyring, member.phone) if member.phone else None,
        languages=",".join(member.languages),
        occupation=member.occupation,
        needs_medical=member.needs_medical,
        disability=member.disability,
    )


@dataclass(frozen=True)
class Reservation:
    """The persons, children and medical places a placement holds."""

    persons: int
    children: int
    medical: int


# every confirmation runs it: one statement made once (and compiled once); no ORM session
# state to synchronise, the loads are read from the database when needed
_RESERVE = (
    update(Settlement)
    .where(
        Settlement.id == bindparam("settlement_id"),
        Settlement.open.is_(True),
        Settlement.load_persons + bindparam("persons") <= Settlement.cap_persons,
        Settlement.load_children + bindparam("children") <= Settlement.cap_children,
        Settlement.load_medical + bindparam("medical") <= Settlement.cap_medical,
    )
    .values(
        load_persons=Settlement.load_persons + bindparam("persons"),
        load_children=Settlement.load_children + bindparam("children"),
        load_medical=Settlement.load_medical + bindparam("medical"),
    )
    .execution_options(synchronize_session=False)
)


def reserve_capacity(*, db_session: Session, settlement_id: str, need: Reservation) -> None:
    """Add `need` to the settlement's loads only if every dimension stays within capacity.

    One conditional UPDATE: the database checks and adds under the row's lock, so two desks
    confirming the last places at once cannot both win.
    """
    result = db_session.execute(
        _RESERVE,
        {
            "settlement_id": settlement_id, "persons": need.persons,
            "children": need.children, "medical": need.medical,
        },
    )  # fmt: skip
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise CapacityExhausted(
            N_("settlement %(id)s has no room left for this household"), id=settlement_id
        )


def release_capacity(*, db_session: Session, settlement_id: str, held: Reservation) -> None:
    """Give back what a placement held (no-show, cancellation)."""
    db_session.execute(
        update(Settlement)
        .where(Settlement.id == settlement_id)
        .values(
            load_persons=Settlement.load_persons - held.persons,
            load_children=Settlement.load_children - held.children,
            load_medical=Settlement.load_medical - held.medical,
        )
        .execution_options(synchronize_session=False)
    )


def expected_arrival(
    household: Household, settlement: Settlement, today: date, *, circuity: float
) -> date:
    """Departure the next day, then one day per KM_PER_TRAVEL_DAY of road; road km are
    great-circle km × the circuity of the policy that placed the household."""
    km = great_circle_km(household.origin_lat, household.origin_lon, settlement.lat, settlement.lon)
    return today + timedelta(days=1 + math.ceil(km * circuity / KM_PER_TRAVEL_DAY))


def moved(
    db_session: Session, model: type[Household] | type[Placement], row_id: int, before: str,
    after: str,
) -> bool:  # fmt: skip
    """`before` → `after` in one conditional UPDATE; False when another request moved it first."""
    result = db_session.execute(
        update(model)
        .where(model.id == row_id, model.status == before)
        .values(status=after)
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def move_placement(db_session: Session, placement: Placement, before: str, after: str) -> None:
    """Move a placement's status, or Conflict naming the status another request left."""
    # the UPDATE's RETURNING already set the status in memory; only a loser reads the winner's
    if not moved(db_session, Placement, placement.id, before, after):
        db_session.refresh(placement, ["status"])
        raise Conflict(
            N_("placement %(id)s is already %(status)s"), id=placement.id, status=placement.status
        )


def claim_pending(*, db_session: Session, household: Household) -> None:
    """pending → placed in one conditional UPDATE: of two desks, exactly one wins.

    The copy in memory may be stale (read earlier in the request), so only the database's
    answer counts; the loser gets Conflict with the status the winner left.
    """
    if not moved(db_session, Household, household.id, "pending", "placed"):
        db_session.refresh(household, ["status"])
        raise _already(household)


def _already(household: Household) -> Conflict:
    return Conflict(
        N_("household %(reference)s is already %(status)s"),
        reference=household.reference,
        status=household.status,
    )


def reserve_placement(
    *,
    db_session: Session,
    household: Household,
    settlement: Settlement,
    actor: Actor,
    circuity: float,
    rank: int | None = None,
    override_reason: str | None = None,
) -> Placement:
    """Claim a pending household, then reserve its places; callers audit why.

    The household row is written before the settlement row, in every transaction that
    writes both, so desks and re-plans never wait on each other in a cycle.
    """
    claim_pending(db_session=db_session, household=household)
    need = Reservation(household.size, household.children, household.medical)
    reserve_capacity(db_session=db_session, settlement_id=settlement.id, need=need)
    placement = Placement(
        household_id=household.id, settlement_id=settlement.id, status="reserved",
        persons=need.persons, children=need.children, medical=need.medical,
        recommendation_rank=rank, override_reason=override_reason,
        expected_arrival=expected_arrival(
            household, settlement, datetime.now(UTC).date(), circuity=circuity
        ),
        created_by=actor.user_id,
    )  # fmt: skip
    db_session.add(placement)
    return placement


def confirm_placement(
    *,
    db_session: Session,
    household_id: int,
    settlement_id: str,
    actor: Actor,
    recommended: list[str],
    override_reason: str | None,
    policy_name: str = "default",
) -> Placement:
    """Place a pending household: reserve the capacity atomically and record who chose what;
    its expected arrival uses the circuity of the desk's policy `policy_name`."""
    household = db_session.get(Household, household_id)
    if household is None:
        raise NotFound(N_("no household %(id)s"), id=household_id)
    if household.status != "pending":  # the common case, told before any write
        raise _already(household)
    # read, not written through the ORM: its loads change by one conditional UPDATE
    settlement = read_detached(db_session, Settlement, settlement_id)
    if settlement is None:
        raise NotFound(N_("unknown settlement %(id)s"), id=settlement_id)
    rank = recommended.index(settlement_id) + 1 if settlement_id in recommended else None
    reason = (override_reason or "").strip() or None
    if rank is None and (reason is None or len(reason) < 5):
        raise Invalid(N_("a settlement that was not recommended needs a written reason"))
    before = {**household_summary(household), "status": "pending"}
    placement = reserve_placement(
        db_session=db_session, household=household, settlement=settlement, actor=actor,
        circuity=policy_named(policy_name).circuity, rank=rank,
        override_reason=reason if rank is None else None,
    )  # fmt: skip
    db_session.flush()
    list_waiting(db_session=db_session, household_ids=[household.id], reason=NOT_PLANNED)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="placement.confirm" if rank else "placement.override",
        object_type="placement", object_id=str(placement.id), before=before,
        after={**household_summary(household), "settlement_id": settlement_id, "rank": rank},
        reason=placement.override_reason,
    )  # fmt: skip
    return placement


def record_arrival(
    *, db_session: Session, placement_id: int, arrived: bool, actor: Actor
) -> Placement:
    """A host confirms that a placed household arrived, or that it did not come (frees its room)."""
    placement = db_session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(N_("no placement %(id)s"), id=placement_id)
    if actor.role == "host" and actor.settlement_id != placement.settlement_id:
        raise Forbidden(N_("this placement is in another settlement"))
    outcome = "arrived" if arrived else "no_show"
    # reserved → outcome in one conditional write: a double click or two hosts record it once
    move_placement(db_session, placement, "reserved", outcome)
    db_session.execute(
        update(Household)
        .where(Household.id == placement.household_id)
        .values(status=outcome)
        .execution_options(synchronize_session="fetch")
    )
    if not arrived:
        held = Reservation(placement.persons, placement.children, placement.medical)
        release_capacity(db_session=db_session, settlement_id=placement.settlement_id, held=held)
        release_seat(db_session=db_session, placement_id=placement.id, actor=actor)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="placement.arrived" if arrived else "placement.no_show",
        object_type="placement", object_id=str(placement.id), before={"status": "reserved"},
        after={"status": outcome},
    )  # fmt: skip
    return placement


# a cancellation or a re-placement says why, in the audit log, in a few words at least
MIN_REASON = 5


def required_reason(reason: str | None) -> str:
    """The reason as written, or Invalid when it is shorter than MIN_REASON characters."""
    written = (reason or "").strip()
    if len(written) < MIN_REASON:
        raise Invalid(N_("write the reason (at least %(count)s characters)"), count=MIN_REASON)
    return written


def cancel_placement(
    *, db_session: Session, placement_id: int, actor: Actor, reason: str | None
) -> Placement:
    """reserved → cancelled: frees the places and returns the household to pending.

    Three conditional writes in record_arrival's order (placement, household, settlement):
    of two desks, or of a desk and a host recording the arrival, exactly one wins.
    """
    written = required_reason(reason)
    placement = db_session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(N_("no placement %(id)s"), id=placement_id)
    move_placement(db_session, placement, "reserved", "cancelled")
    if not moved(db_session, Household, placement.household_id, "placed", "pending"):
        raise Conflict(N_("household %(id)s is not placed"), id=placement.household_id)
    held = Reservation(placement.persons, placement.children, placement.medical)
    release_capacity(db_session=db_session, settlement_id=placement.settlement_id, held=held)
    release_seat(db_session=db_session, placement_id=placement.id, actor=actor)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="placement.cancel", object_type="placement", object_id=str(placement.id),
        before={"status": "reserved", "settlement_id": placement.settlement_id},
        after={"status": "cancelled", "household_status": "pending"}, reason=written,
    )  # fmt: skip
    return placement


def reopen_household(
    *, db_session: Session, household_id: int, actor: Actor, reason: str | None
) -> Household:
    """no_show → pending: a household that did not come is placed again at a desk.

    Its no-show placement already gave its places back, so only the household changes.
    """
    written = required_reason(reason)
    household = db_session.get(Household, household_id)
    if household is None:
        raise NotFound(N_("no household %(id)s"), id=household_id)
    reopened = moved(db_session, Household, household_id, "no_show", "pending")
    db_session.refresh(household, ["status"])
    if not reopened:
        raise _already(household)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="household.reopen", object_type="household", object_id=str(household.id),
        before={"status": "no_show"}, after={"status": "pending"}, reason=written,
    )  # fmt: skip
    return household


@dataclass(frozen=True)
class Counts:
    """What a household's members add up to: persons, children, members needing medical care."""

    size: int
    children: int
    medical: int


def _counts(members: list[tuple[date, bool]]) -> Counts:
    today = datetime.now(UTC).date()
    return Counts(
        size=len(members),
        children=sum(_age(born, today) < 18 for born, _ in members),
        medical=sum(needs for _, needs in members),
    )


def _members_of(db_session: Session, household_id: int, without: int | None) -> list[Person]:
    query = select(Person).where(Person.household_id == household_id).order_by(Person.id)
    return [p for p in db_session.scalars(query) if p.id != without]


def _recount(
    db_session: Session, household: Household, members: list[tuple[date, bool]], actor: Actor,
    action: str, object_type: str, object_id: int, after: dict[str, object],
) -> None:  # fmt: skip
    """Write the household's new counts in one conditional UPDATE on the status read, and
    audit the change (counts and field names, never values).

    A placed household keeps its counts: its placement holds exactly those places.
    """
    counts = _counts(members)
    before = household_summary(household)
    changed = (counts.size, counts.children, counts.medical) != (
        household.size, household.children, household.medical,
    )  # fmt: skip
    if changed and household.status != "pending":
        raise Conflict(
            N_("household %(reference)s is %(status)s: cancel its placement first"),
            reference=household.reference, status=household.status,
        )  # fmt: skip
    written = db_session.execute(
        update(Household)
        .where(Household.id == household.id, Household.status == household.status)
        .values(size=counts.size, children=counts.children, medical=counts.medical)
        .execution_options(synchronize_session=False)
    )
    db_session.refresh(household)
    if written.rowcount != 1:  # type: ignore[attr-defined]
        raise _already(household)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action=action, object_type=object_type, object_id=str(object_id), before=before,
        after={**household_summary(household), **after},
    )  # fmt: skip


def _household_of(db_session: Session, household_id: int) -> Household:
    household = db_session.get(Household, household_id)
    if household is None:
        raise NotFound(N_("no household %(id)s"), id=household_id)
    return household


def _member(db_session: Session, person_id: int) -> Person:
    person = db_session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        raise NotFound(N_("no person %(id)s"), id=person_id)
    return person


def update_member(
    *, db_session: Session, person_id: int, data: PersonCreate, actor: Actor
) -> Person:
    """Correct a member (a typo in a passport number) through registration's checks."""
    person = _member(db_session, person_id)
    household = _household_of(db_session, person.household_id)
    keyring = current_keyring()
    _refuse_duplicates(db_session, [data], keyring, but=person.id)
    fresh = _person(household.id, data, keyring)
    fields = [c for c in EDITABLE if getattr(person, c) != getattr(fresh, c)]
    others = [
        (p.birth_date, p.needs_medical) for p in _members_of(db_session, household.id, person.id)
    ]
    for column in (*EDITABLE, "document_key", "iin_key", "phone_key", "name_folded"):
        setattr(person, column, getattr(fresh, column))
    _recount(
        db_session, household, [*others, (data.birth_date, data.needs_medical)], actor,
        "person.update", "person", person.id, {"fields": fields},
    )  # fmt: skip
    _flush_or_conflict(db_session)
    return person


def add_member(
    *, db_session: Session, household_id: int, data: PersonCreate, actor: Actor
) -> Person:
    """Add a member to a household not yet placed, through registration's checks."""
    household = _household_of(db_session, household_id)
    members = _members_of(db_session, household_id, None)
    if len(members) >= MAX_MEMBERS:
        raise Invalid(N_("a household has at most %(count)s members"), count=MAX_MEMBERS)
    keyring = current_keyring()
    _refuse_duplicates(db_session, [data], keyring)
    person = _person(household_id, data, keyring)
    db_session.add(person)
    _flush_or_conflict(db_session)
    everyone = [(p.birth_date, p.needs_medical) for p in members]
    everyone.append((data.birth_date, data.needs_medical))
    _recount(
        db_session, household, everyone, actor, "household.add_member", "household",
        household_id, {"person_id": person.id},
    )  # fmt: skip
    return person


def remove_member(*, db_session: Session, person_id: int, actor: Actor) -> Household:
    """Remove a member from a household not yet placed; its last member stays."""
    person = _member(db_session, person_id)
    household = _household_of(db_session, person.household_id)
    others = _members_of(db_session, household.id, person.id)
    if not others:
        raise Invalid(N_("a household keeps at least one member"))
    _recount(
        db_session, household, [(p.birth_date, p.needs_medical) for p in others], actor,
        "household.remove_member", "household", household.id, {"person_id": person.id},
    )  # fmt: skip
    db_session.delete(person)
    db_session.flush()
    return household


def _flush_or_conflict(db_session: Session) -> None:
    try:
        db_session.flush()
    except IntegrityError as exc:
        # another desk registered the same document between our check and our write
        raise Conflict(N_("a member's document or IIN was registered at the same moment")) from exc


# the member's columns a desk may correct, all from PersonCreate
EDITABLE = (
    "full_name", "birth_date", "sex", "citizenship", "document_type", "document_number",
    "iin", "phone", "languages", "occupation", "needs_medical", "disability",
)  # fmt: skip
MAX_MEMBERS = 20


def undo_no_show(*, db_session: Session, placement_id: int, reason: str, actor: Actor) -> Placement:
    """Undo a mistaken 'did not come': the placement holds its room again, with a reason, audited.

    Placement, then household, then settlement, as record_arrival writes them (lock order).
    Refused (409) when the settlement has no room now or the household was placed again since.
    """
    words = reason.strip()
    if len(words) < 5:
        raise Invalid(N_("undoing a 'did not come' needs a written reason"))
    placement = db_session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(N_("no placement %(id)s"), id=placement_id)
    if actor.role == "host" and actor.settlement_id != placement.settlement_id:
        raise Forbidden(N_("this placement is in another settlement"))
    try:
        # a savepoint: the one-active-placement index may refuse, and the request goes on
        with db_session.begin_nested():
            move_placement(db_session, placement, "no_show", "reserved")
    except IntegrityError as exc:
        raise Conflict(N_("the household has been placed again since; undo refused")) from exc
    if not moved(db_session, Household, placement.household_id, "no_show", "placed"):
        raise Conflict(N_("the household has been placed again since; undo refused"))
    need = Reservation(placement.persons, placement.children, placement.medical)
    reserve_capacity(db_session=db_session, settlement_id=placement.settlement_id, need=need)
    list_waiting(
        db_session=db_session, household_ids=[placement.household_id], reason=NO_SHOW_UNDONE
    )
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="placement.undo_no_show", object_type="placement", object_id=str(placement.id),
        before={"status": "no_show"}, after={"status": "reserved"}, reason=words,
    )  # fmt: skip
    return placement
