"""One person's data: find, export and erase it; purge after the retention; rotate the keys."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, column, inspect, or_, select, table, update
from sqlalchemy.orm import Session

from qonaq.audit.models import AuditEvent
from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.db.crypto import Keyring, current_keyring
from qonaq.db.session import transaction
from qonaq.i18n import N_
from qonaq.registry.identity import document_digest, iin_digest, phone_digest
from qonaq.registry.models import Household, Person, Placement
from qonaq.registry.schemas import document_key_of
from qonaq.registry.service import NotFound, household_preferences

# what an erased member's name becomes; the birth date keeps its year only (as 1 July)
ERASED_NAME = "erased"
ERASED_FIELDS = ("full_name", "birth_date", "document_number", "iin", "phone")
# the persons table as stored (tokens, digests), without the encrypting column type
STORED_PERSONS = table(
    "persons", column("id"), column("citizenship"), column("document_type"),
    column("document_key"), column("document_number"), column("iin"), column("iin_key"),
    column("phone"), column("phone_key"),
)  # fmt: skip
RESEALED = ("document_key", "document_number", "iin", "iin_key", "phone", "phone_key")
IDS_PER_QUERY = 1000


def find_persons(
    *,
    db_session: Session,
    iin: str | None = None,
    citizenship: str | None = None,
    document_type: str | None = None,
    document_number: str | None = None,
) -> list[tuple[int, str]]:
    """(person id, household reference) of the members with this IIN or this document."""
    keyring = current_keyring()
    wanted = []
    if iin:
        wanted.append(Person.iin_key == iin_digest(keyring, iin))
    if citizenship and document_type and document_number:
        plain = document_key_of(citizenship.upper(), document_type, document_number)
        wanted.append(Person.document_key == document_digest(keyring, plain))
    if not wanted:
        return []
    rows = db_session.execute(
        select(Person.id, Household.reference).join(Household).where(or_(*wanted))
    ).all()
    return [(person_id, reference) for person_id, reference in rows]


def export_person(*, db_session: Session, person_id: int, actor: Actor) -> dict[str, Any]:
    """Everything held on one person: the member (decrypted), the household, its placements,
    and the audit entries about them. The export itself is audited."""
    person = _person_or_fail(db_session, person_id)
    household = db_session.get(Household, person.household_id)
    assert household is not None
    placements = list(
        db_session.scalars(
            select(Placement).where(Placement.household_id == household.id).order_by(Placement.id)
        )
    )
    member = _columns(person)
    member["languages"] = [code for code in person.languages.split(",") if code]
    export = {
        "person": member,
        "household": {**_columns(household), "preferences": household_preferences(household)},
        "placements": [_columns(placement) for placement in placements],
        "audit": [
            _columns(event)
            for event in _audit_trail(db_session, person, [p.id for p in placements])
        ],
    }
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="person.export", object_type="person", object_id=str(person.id),
        after={"household_id": household.id},
    )  # fmt: skip
    return export


def erase_person(*, db_session: Session, person_id: int, actor: Actor) -> bool:
    """Remove one member's personal fields, keeping the household's counts; False if done before.

    The name becomes "erased", the birth date keeps its year, the document, IIN and phone
    and their digests become NULL; the audit entry names the fields, never their values.
    """
    person = _person_or_fail(db_session, person_id)
    if person.erased_at is not None:
        return False
    now = datetime.now(UTC)
    _erase(db_session, [(person.id, person.birth_date)], now)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="person.erase", object_type="person", object_id=str(person.id),
        after={"household_id": person.household_id, "erased": list(ERASED_FIELDS)},
    )  # fmt: skip
    return True


@dataclass(frozen=True)
class PurgeSummary:
    """How many households and members the retention erased (or would erase)."""

    households: int
    persons: int
    inactive_since: datetime


def purge_expired(
    *, db_session: Session, retention_days: int, actor: Actor, dry_run: bool = False
) -> PurgeSummary:
    """Erase the members of every household without activity for `retention_days`.

    A household's last activity is the latest of its registration, its placements and any
    audited change to it or its placements (confirmed, arrived, no-show, withdrawn).
    """
    now = datetime.now(UTC)
    cutoff = now - timedelta(days=retention_days)
    expired = _inactive_since(db_session, cutoff)
    members = [
        member
        for start in range(0, len(expired), IDS_PER_QUERY)
        for member in db_session.execute(
            select(Person.id, Person.birth_date, Person.household_id).where(
                Person.household_id.in_(expired[start : start + IDS_PER_QUERY]),
                Person.erased_at.is_(None),
            )
        )
    ]
    summary = PurgeSummary(len(expired), len(members), cutoff)
    if dry_run or not members:
        return summary
    _erase(db_session, [(m.id, m.birth_date) for m in members], now)
    erased_per_household = Counter(m.household_id for m in members)
    for household_id, count in sorted(erased_per_household.items()):
        record_event(
            db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
            action="household.purge", object_type="household", object_id=str(household_id),
            after={"persons_erased": count}, reason=f"retention {retention_days} days",
        )  # fmt: skip
    return summary


@dataclass(frozen=True)
class RotationSummary:
    """How many members were re-encrypted and re-hashed, in how many transactions."""

    persons: int
    batches: int


def rotate_keys(*, engine: Engine, actor: Actor, batch_size: int = 500) -> RotationSummary:
    """Re-encrypt every member's fields with the current data key and re-hash their digests
    with the current hashing key, one transaction per batch (an interrupted run can rerun)."""
    keyring = current_keyring()
    last_id, persons, batches = 0, 0, 0
    while True:
        with transaction(engine) as db_session:
            rows = db_session.execute(
                select(STORED_PERSONS)
                .where(STORED_PERSONS.c.id > last_id)
                .order_by(STORED_PERSONS.c.id)
                .limit(batch_size)
                .with_for_update()
            ).all()
            if not rows:
                break
            db_session.execute(
                update(STORED_PERSONS)
                .where(STORED_PERSONS.c.id == bindparam("row_id"))
                .values({name: bindparam(name) for name in RESEALED}),
                [_resealed(keyring, row) for row in rows],
            )
        last_id, persons, batches = rows[-1].id, persons + len(rows), batches + 1
    with transaction(engine) as db_session:
        record_event(
            db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
            action="data.rotate_keys", object_type="persons", object_id="*",
            after={"persons": persons, "batches": batches},
        )  # fmt: skip
    return RotationSummary(persons, batches)


def _resealed(keyring: Keyring, row: Any) -> dict[str, object]:
    number = keyring.open(row.document_number) if row.document_number else None
    iin = keyring.open(row.iin) if row.iin else None
    phone = keyring.open(row.phone) if row.phone else None
    plain_key = document_key_of(row.citizenship, row.document_type, number) if number else None
    return {
        "row_id": row.id,
        "document_key": document_digest(keyring, plain_key) if plain_key else None,
        "document_number": keyring.seal(number) if number else None,
        "iin": keyring.seal(iin) if iin else None,
        "iin_key": iin_digest(keyring, iin) if iin else None,
        "phone": keyring.seal(phone) if phone else None,
        "phone_key": phone_digest(keyring, phone) if phone else None,
    }


def _person_or_fail(db_session: Session, person_id: int) -> Person:
    person = db_session.get(Person, person_id, with_for_update=True)
    if person is None:
        raise NotFound(N_("no person %(id)s"), id=person_id)
    return person


def _erase(db_session: Session, members: list[tuple[int, date]], now: datetime) -> None:
    db_session.execute(
        update(Person),
        [
            {
                "id": person_id, "full_name": ERASED_NAME, "birth_date": date(born.year, 7, 1),
                "document_key": None, "document_number": None, "iin": None, "iin_key": None,
                "phone": None, "phone_key": None, "name_folded": None, "erased_at": now,
            }
            for person_id, born in members
        ],
    )  # fmt: skip


def _inactive_since(db_session: Session, cutoff: datetime) -> list[int]:
    """Households with a member not yet erased and no activity since `cutoff`."""
    candidates = list(
        db_session.scalars(
            select(Household.id)
            .where(
                Household.registered_at < cutoff,
                Household.id.in_(select(Person.household_id).where(Person.erased_at.is_(None))),
            )
            .order_by(Household.id)
        )
    )
    active: set[int] = set()
    for start in range(0, len(candidates), IDS_PER_QUERY):
        chunk = candidates[start : start + IDS_PER_QUERY]
        placements = db_session.execute(
            select(Placement.id, Placement.household_id, Placement.created_at).where(
                Placement.household_id.in_(chunk)
            )
        ).all()
        active.update(p.household_id for p in placements if p.created_at >= cutoff)
        household_of = {str(p.id): p.household_id for p in placements}
        touched = db_session.execute(
            select(AuditEvent.object_type, AuditEvent.object_id)
            .where(
                AuditEvent.at >= cutoff,
                or_(
                    (AuditEvent.object_type == "household")
                    & AuditEvent.object_id.in_([str(h) for h in chunk]),
                    (AuditEvent.object_type == "placement")
                    & AuditEvent.object_id.in_(list(household_of)),
                ),
            )
            .group_by(AuditEvent.object_type, AuditEvent.object_id)
        ).all()
        for object_type, object_id in touched:
            active.add(int(object_id) if object_type == "household" else household_of[object_id])
    return [household_id for household_id in candidates if household_id not in active]


def _audit_trail(db_session: Session, person: Person, placement_ids: list[int]) -> list[AuditEvent]:
    about = or_(
        (AuditEvent.object_type == "person") & (AuditEvent.object_id == str(person.id)),
        (AuditEvent.object_type == "household")
        & (AuditEvent.object_id == str(person.household_id)),
        (AuditEvent.object_type == "placement")
        & AuditEvent.object_id.in_([str(i) for i in placement_ids]),
    )
    return list(db_session.scalars(select(AuditEvent).where(about).order_by(AuditEvent.id)))


def _columns(row: object) -> dict[str, Any]:
    mapper = inspect(row).mapper
    return {attr.key: _plain(getattr(row, attr.key)) for attr in mapper.column_attrs}


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date | datetime) else value
