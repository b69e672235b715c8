"""Finding a household at the desk by reference, document, IIN, phone or name, and a
pre-registration by its code (typed or scanned from its QR) or a declared document.

Documents, IINs and phones are stored encrypted, so they are found by their keyed digests
(an exact match); names by a case-folded substring.
"""

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from qonaq.arrivals.service import PreregistrationMatch, find_preregistrations
from qonaq.db.crypto import current_keyring
from qonaq.errors import Invalid
from qonaq.geo.gazetteer import localized_name
from qonaq.i18n import N_
from qonaq.registry.identity import document_digest, folded_name, iin_digest, phone_digest
from qonaq.registry.models import ACTIVE_STATUSES, Household, Person, Placement
from qonaq.registry.schemas import document_key_of
from qonaq.settlements.models import Settlement

MAX_MATCHES = 50
MIN_NAME = 2
REFERENCE = re.compile(r"^QN-[A-Z0-9]{6}$")
IIN = re.compile(r"^[0-9]{12}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,18}$")


@dataclass(frozen=True)
class HouseholdMatch:
    """A household found: what the desk shows in the list of results (no personal data)."""

    household_id: int
    reference: str
    size: int
    status: str
    settlement_id: str | None
    settlement_name: str | None


def find_households(*, db_session: Session, terms: str, language: str) -> list[HouseholdMatch]:
    """Households whose reference, a member's document, IIN or phone equals `terms`, or
    whose member's name contains it; newest first, at most MAX_MATCHES."""
    wanted = " ".join(terms.split())
    if len(wanted) < MIN_NAME:
        raise Invalid(N_("type at least %(count)s characters to search"), count=MIN_NAME)
    household_ids = select(Person.household_id).where(or_(*_member_matches(db_session, wanted)))
    query = (
        select(Household)
        .where(or_(Household.reference == wanted.upper(), Household.id.in_(household_ids)))
        .order_by(Household.id.desc())
        .limit(MAX_MATCHES)
    )
    households = list(db_session.scalars(query))
    places = _active_places(db_session, [h.id for h in households], language)
    return [
        HouseholdMatch(h.id, h.reference, h.size, h.status, *places.get(h.id, (None, None)))
        for h in households
    ]


def _member_matches(db_session: Session, wanted: str) -> list[ColumnElement[bool]]:
    keyring = current_keyring()
    name = folded_name(wanted)
    escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matches: list[ColumnElement[bool]] = [Person.name_folded.like(f"%{escaped}%", escape="\\")]
    if IIN.match(wanted):
        matches.append(Person.iin_key == iin_digest(keyring, wanted))
    if PHONE.match(wanted):
        matches.append(Person.phone_key == phone_digest(keyring, wanted))
    if not REFERENCE.match(wanted.upper()):
        # the same number under every document kind held: a few digests, one exact match each
        kinds = db_session.execute(select(Person.citizenship, Person.document_type).distinct())
        digests = [
            document_digest(keyring, document_key_of(citizenship, kind, wanted))
            for citizenship, kind in kinds
        ]
        if digests:
            matches.append(Person.document_key.in_(digests))
    return matches


def _active_places(
    db_session: Session, household_ids: list[int], language: str
) -> dict[int, tuple[str, str]]:
    rows = db_session.execute(
        select(Placement.household_id, Settlement)
        .join(Settlement, Settlement.id == Placement.settlement_id)
        .where(Placement.household_id.in_(household_ids), Placement.status.in_(ACTIVE_STATUSES))
    ).all()
    return {
        household_id: (settlement.id, localized_name(settlement, language))
        for household_id, settlement in rows
    }


@dataclass(frozen=True)
class DeskMatches:
    """What the desk's search found: registered households and pre-registrations."""

    households: list[HouseholdMatch]
    preregistrations: list[PreregistrationMatch]


def find_at_desk(*, db_session: Session, terms: str, language: str) -> DeskMatches:
    """Households as `find_households` finds them, and pre-registrations by code or document."""
    households = find_households(db_session=db_session, terms=terms, language=language)
    return DeskMatches(households, find_preregistrations(db_session=db_session, terms=terms))
