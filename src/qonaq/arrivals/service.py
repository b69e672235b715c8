"""Pre-registering a household online, completing it at a desk, its status, and its expiry.

A pre-registration holds what the household declared, encrypted, and the keyed digests of
its documents (for the desk's search); nothing is placed until a registrar completes it.
"""

import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session

from qonaq.aid.schemas import HouseholdRequest
from qonaq.aid.service import open_requests_for_household
from qonaq.arrivals.models import Preregistration, PreregistrationDocument
from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.config import get_settings
from qonaq.db.base import utc_now
from qonaq.db.crypto import current_keyring
from qonaq.errors import Conflict, NotFound
from qonaq.geo.gazetteer import localized_name
from qonaq.i18n import N_
from qonaq.registry.identity import document_digest
from qonaq.registry.models import ACTIVE_STATUSES, Household, Person, Placement
from qonaq.registry.schemas import HouseholdCreate, document_key_of
from qonaq.registry.service import REFERENCE_ALPHABET, declared_places, register_household
from qonaq.settlements.models import Settlement
from qonaq.settlements.service import place_name
from qonaq.transport.service import HouseholdDeparture, departure_for_household

# 31 characters that cannot be misread, 8 of them: about 8.5e11 codes (39 bits)
CODE_LENGTH = 8
# a code as typed or scanned (the QR holds a link ending in it): 8 of the alphabet, one hyphen
CODE_IN_TEXT = re.compile(r"(?:^|[^0-9A-Z])([0-9A-Z]{4})-?([0-9A-Z]{4})$")
PUBLIC_ACTOR = Actor(label="public", role="public")


def new_code() -> str:
    """A random pre-registration code like 7X3K-9PQM."""
    letters = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{letters[:4]}-{letters[4:]}"


def code_in(text: str) -> str | None:
    """The code a household typed (any case, spaces) or a scanner sent (the QR's link)."""
    squeezed = "".join(text.split()).upper()
    found = CODE_IN_TEXT.search(squeezed)
    if found is None:
        return None
    code = found.group(1) + found.group(2)
    return code if all(c in REFERENCE_ALPHABET for c in code) else None


def code_digest(code: str) -> str:
    """The stored digest of a code (without its hyphen)."""
    return current_keyring().digest("preregistration", code.replace("-", ""))


def preregister(*, db_session: Session, data: HouseholdCreate) -> tuple[Preregistration, str]:
    """Keep a household's declaration until a desk completes it; the row and its code."""
    declared_places(db_session=db_session, data=data)
    keyring = current_keyring()
    now = utc_now()
    code = new_code()
    row = Preregistration(
        code_key=code_digest(code), status="waiting", declared=data.model_dump_json(),
        size=len(data.members), language=data.language, created_at=now,
        expires_at=now + timedelta(days=get_settings().preregistration_days),
    )  # fmt: skip
    db_session.add(row)
    db_session.flush()
    db_session.add_all(
        PreregistrationDocument(
            preregistration_id=row.id,
            citizenship=m.citizenship,
            document_type=m.document_type,
            document_key=document_digest(keyring, m.document_key()),
        )
        for m in data.members
    )
    record_event(
        db_session=db_session, actor_label=PUBLIC_ACTOR.label, action="preregistration.create",
        object_type="preregistration", object_id=str(row.id), after={"size": row.size},
    )  # fmt: skip
    return row, code


@dataclass(frozen=True)
class PreregistrationMatch:
    """A pre-registration the desk's search found: no personal data."""

    preregistration_id: int
    size: int
    status: str
    created_at: datetime
    household_id: int | None


def find_preregistrations(*, db_session: Session, terms: str) -> list[PreregistrationMatch]:
    """Pre-registrations by their code (typed or scanned) or a declared member's document."""
    wanted = " ".join(terms.split())
    code = code_in(wanted)
    keyring = current_keyring()
    kinds = db_session.execute(
        select(PreregistrationDocument.citizenship, PreregistrationDocument.document_type)
        .distinct()
    ).all()  # fmt: skip
    digests = [document_digest(keyring, document_key_of(c, k, wanted)) for c, k in kinds]
    matches: list[ColumnElement[bool]] = []
    if code is not None:
        matches.append(Preregistration.code_key == code_digest(code))
    if digests:
        by_document = select(PreregistrationDocument.preregistration_id).where(
            PreregistrationDocument.document_key.in_(digests)
        )
        matches.append(Preregistration.id.in_(by_document))
    if not matches:
        return []
    rows = db_session.scalars(
        select(Preregistration).where(or_(*matches)).order_by(Preregistration.id.desc()).limit(50)
    )
    return [
        PreregistrationMatch(r.id, r.size, r.status, r.created_at, r.household_id) for r in rows
    ]


def waiting(*, db_session: Session, preregistration_id: int) -> Preregistration:
    """A pre-registration still to complete, or NotFound / Conflict."""
    row = db_session.get(Preregistration, preregistration_id)
    if row is None:
        raise NotFound(N_("no pre-registration %(id)s"), id=preregistration_id)
    if row.status != "waiting" or row.declared is None:
        raise Conflict(N_("this pre-registration is already completed"))
    return row


def declared_form(row: Preregistration) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """What the household declared, as the desk form's members and household fields."""
    declared = json.loads(row.declared or "{}")
    members = []
    for member in declared.get("members", []):
        values = {k: ("" if v is None else v) for k, v in member.items()}
        members.append(values)
    origin = (
        f"hub:{declared['origin_hub_id']}"
        if declared.get("origin_hub_id")
        else f"psc:{declared.get('origin_settlement_id') or ''}"
    )
    form = {"origin": origin, "language": declared.get("language", "ru")}
    for n, wish in enumerate(declared.get("preferences", [])):
        form[f"preference_{n}"] = wish
    return members, form


def complete_preregistration(
    *, db_session: Session, preregistration_id: int, data: HouseholdCreate, actor: Actor
) -> Household:
    """Register the household as the registrar checked it, and close its pre-registration.

    One conditional write claims it (waiting → completed): of two desks, one registers; the
    other gets Conflict. Registration then runs the desk's own checks and duplicate check.
    """
    claimed = db_session.execute(
        update(Preregistration)
        .where(
            Preregistration.id == preregistration_id,
            Preregistration.status == "waiting",
            Preregistration.expires_at > utc_now(),
        )
        .values(status="completed", completed_at=utc_now(), completed_by=actor.user_id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(N_("this pre-registration is already completed or has expired"))
    household = register_household(db_session=db_session, data=data, actor=actor)
    # the declaration has served: the household's members hold the checked data now
    db_session.execute(
        update(Preregistration)
        .where(Preregistration.id == preregistration_id)
        .values(household_id=household.id, declared=None)
        .execution_options(synchronize_session=False)
    )
    db_session.execute(
        delete(PreregistrationDocument).where(
            PreregistrationDocument.preregistration_id == preregistration_id
        )
    )
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="preregistration.complete", object_type="preregistration",
        object_id=str(preregistration_id), after={"household_id": household.id},
    )  # fmt: skip
    return household


@dataclass(frozen=True)
class ArrivalStatus:
    """What a household may see of itself: its state and place, nothing personal."""

    state: str
    size: int
    settlement_name: str | None = None
    expected_arrival: date | None = None
    expires_on: date | None = None
    departure: HouseholdDeparture | None = None
    boarding_point: str | None = None
    help_requests: tuple[HouseholdRequest, ...] = ()


def arrival_status(
    *, db_session: Session, code: str, birth_date: date, language: str
) -> ArrivalStatus | None:
    """The status of the household holding `code` when one member was born on `birth_date`;
    None for a wrong code and a wrong birth date alike."""
    normalised = code_in(code)
    row = (
        db_session.scalars(
            select(Preregistration).where(Preregistration.code_key == code_digest(normalised))
        ).first()
        if normalised
        else None
    )
    if row is None:
        return None
    if row.status == "waiting":
        declared = json.loads(row.declared or "{}")
        born = {m.get("birth_date") for m in declared.get("members", [])}
        if birth_date.isoformat() not in born or row.expires_at <= utc_now():
            return None
        return ArrivalStatus("preregistered", row.size, expires_on=row.expires_at.date())
    return _household_status(db_session, row.household_id, birth_date, language)


def _household_status(
    db_session: Session, household_id: int | None, birth_date: date, language: str
) -> ArrivalStatus | None:
    household = db_session.get(Household, household_id) if household_id else None
    if household is None:
        return None
    member = db_session.scalar(
        select(Person.id).where(
            Person.household_id == household.id,
            Person.birth_date == birth_date,
            Person.erased_at.is_(None),
        )
    )
    if member is None:
        return None
    found = db_session.execute(
        select(Placement, Settlement)
        .join(Settlement, Settlement.id == Placement.settlement_id)
        .where(Placement.household_id == household.id, Placement.status.in_(ACTIVE_STATUSES))
    ).first()
    asked = tuple(open_requests_for_household(db_session, household.id))
    if found is None:
        return ArrivalStatus(household.status, household.size, help_requests=asked)
    placement, settlement = found
    departure = departure_for_household(db_session, household.id)
    boarding = place_name(db_session, departure.boarding_point, language) if departure else None
    return ArrivalStatus(
        household.status, household.size, localized_name(settlement, language),
        placement.expected_arrival, departure=departure, boarding_point=boarding,
        help_requests=asked,
    )  # fmt: skip


@dataclass(frozen=True)
class PurgedPreregistrations:
    """How many pre-registrations expired uncompleted and were (or would be) deleted."""

    count: int


def purge_expired_preregistrations(
    *, db_session: Session, actor: Actor, dry_run: bool = False, now: datetime | None = None
) -> PurgedPreregistrations:
    """Delete every pre-registration never completed whose waiting time is over (audited)."""
    moment = now or utc_now()
    expired = list(
        db_session.scalars(
            select(Preregistration.id).where(
                Preregistration.status == "waiting", Preregistration.expires_at <= moment
            )
        )
    )
    if dry_run or not expired:
        return PurgedPreregistrations(len(expired))
    for start in range(0, len(expired), 1000):
        batch = expired[start : start + 1000]
        db_session.execute(
            delete(PreregistrationDocument).where(
                PreregistrationDocument.preregistration_id.in_(batch)
            )
        )
        db_session.execute(
            delete(Preregistration).where(
                Preregistration.id.in_(batch), Preregistration.status == "waiting"
            )
        )
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="preregistration.purge", object_type="preregistration", object_id="expired",
        after={"deleted": len(expired)},
        reason=f"not completed within {get_settings().preregistration_days} days",
    )  # fmt: skip
    return PurgedPreregistrations(len(expired))


def rotate_preregistration_keys(*, db_session: Session, actor: Actor) -> int:
    """Re-encrypt waiting declarations with the current data key and re-hash their documents
    with the current hashing key (codes are not kept, so their digests cannot be redone)."""
    keyring = current_keyring()
    rows = list(
        db_session.scalars(select(Preregistration).where(Preregistration.status == "waiting"))
    )
    for row in rows:
        declared = row.declared or "{}"
        db_session.execute(
            update(Preregistration)
            .where(Preregistration.id == row.id)
            .values(declared=declared)
            .execution_options(synchronize_session=False)
        )
        db_session.execute(
            delete(PreregistrationDocument).where(
                PreregistrationDocument.preregistration_id == row.id
            )
        )
        db_session.add_all(
            PreregistrationDocument(
                preregistration_id=row.id,
                citizenship=m["citizenship"],
                document_type=m["document_type"],
                document_key=document_digest(
                    keyring,
                    document_key_of(m["citizenship"], m["document_type"], m["document_number"]),
                ),
            )
            for m in json.loads(declared)["members"]
        )
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="preregistration.rotate_keys", object_type="preregistration", object_id="*",
        after={"preregistrations": len(rows)},
    )  # fmt: skip
    return len(rows)
