"""Writing settlements, regions and hubs: the one importer for seeds and users' files alike."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.db.base import utc_now
from qonaq.errors import Conflict, Forbidden, Invalid, NotFound
from qonaq.geo.gazetteer import display_name, localized_name
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.i18n import N_
from qonaq.registry.service import required_reason
from qonaq.settlements.models import Hub, Region, Settlement

# columns an import may overwrite on a settlement that already exists; loads are not among
# them, because loads in the database are the sum of its placements
IMPORTED_FIELDS: tuple[str, ...] = (
    "name", "name_ru", "name_kk", "lat", "lon", "population", "kind", "open",
    "cap_persons", "cap_children", "cap_medical", "capacity_source",
)  # fmt: skip


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    created: int
    updated: int
    regions_created: int


@dataclass(frozen=True)
class RegionRow:
    """A region to create or rename: id and names in English, Russian, Kazakh."""

    id: str
    name: str
    name_ru: str = ""
    name_kk: str = ""


@dataclass(frozen=True)
class HubRow:
    """An entry hub to create or update."""

    id: str
    name: str
    kind: str
    region_id: str
    lat: float
    lon: float
    name_ru: str = ""
    name_kk: str = ""


def region_key(name: str) -> str:
    """The id given to a region named only by its name in an imported file."""
    return re.sub(r"[^0-9a-z]+", "-", name.strip().lower()).strip("-") or "region"


def upsert_regions(*, db_session: Session, regions: Iterable[RegionRow], actor_label: str) -> int:
    """Create or rename regions; returns how many were created."""
    created = 0
    for row in regions:
        region = db_session.get(Region, row.id)
        if region is None:
            db_session.add(
                Region(id=row.id, name=row.name, name_ru=row.name_ru, name_kk=row.name_kk)
            )
            created += 1
        else:
            region.name, region.name_ru, region.name_kk = row.name, row.name_ru, row.name_kk
    db_session.flush()
    record_event(
        db_session=db_session, actor_label=actor_label, action="regions.upsert",
        object_type="region", object_id="*", after={"created": created},
    )  # fmt: skip
    return created


def import_settlements(
    *,
    db_session: Session,
    records: Sequence[SettlementRecord],
    actor_label: str,
    source: str,
) -> ImportResult:
    """Create or update settlements from validated records, in the caller's transaction."""
    region_ids, regions_created = _region_ids(db_session, records)
    existing = {s.id: s for s in db_session.scalars(select(Settlement))}
    created = updated = 0
    for record in records:
        values = {f: getattr(record, f) for f in IMPORTED_FIELDS}
        region_id = record.region_id or region_ids[record.region]
        settlement = existing.get(record.id)
        if settlement is None:
            db_session.add(
                Settlement(
                    id=record.id, region_id=region_id, **values,
                    load_persons=record.load_persons, load_children=record.load_children,
                    load_medical=record.load_medical,
                )
            )  # fmt: skip
            created += 1
        else:
            for field, value in values.items():
                setattr(settlement, field, value)
            settlement.region_id = region_id
            updated += 1
    db_session.flush()
    record_event(
        db_session=db_session, actor_label=actor_label, action="settlements.import",
        object_type="settlement", object_id="*",
        after={"source": source, "created": created, "updated": updated},
    )  # fmt: skip
    return ImportResult(created=created, updated=updated, regions_created=regions_created)


def _region_ids(
    db_session: Session, records: Sequence[SettlementRecord]
) -> tuple[dict[str, str], int]:
    """The region id of each region name in the records, creating regions not seen before."""
    # each distinct name is looked up once, not once per settlement
    ids: dict[str, str] = {}
    for name in {r.region for r in records if not r.region_id}:
        found = find_region(db_session=db_session, text=name)
        ids[name] = found.id if found is not None else region_key(name)
    wanted = {region_id: name for name, region_id in ids.items()}
    wanted |= {r.region_id: r.region for r in records if r.region_id}
    created = 0
    for region_id, name in wanted.items():
        if db_session.get(Region, region_id) is None:
            db_session.add(Region(id=region_id, name=name, name_ru="", name_kk=""))
            created += 1
    db_session.flush()
    return ids, created


REGION_WORDS = (" region", " oblysy", " oblast", " облысы", " область")


def _region_forms(text: str) -> set[str]:
    # "Mangystau", "Mangystau Region" and "Маңғыстау облысы" all name the same region
    plain = text.strip().lower()
    forms = {plain}
    for word in REGION_WORDS:
        if plain.endswith(word):
            forms.add(plain.removesuffix(word).strip())
    return forms


def find_region(*, db_session: Session, text: str) -> Region | None:
    """The region whose id or name in any language is `text` (case and 'Region' ignored)."""
    wanted = _region_forms(text)
    for region in db_session.scalars(select(Region).order_by(Region.id)):
        names = (region.id, region.name, region.name_ru, region.name_kk)
        if any(wanted & _region_forms(name) for name in names if name):
            return region
    return None


def upsert_hubs(*, db_session: Session, hubs: Iterable[HubRow], actor_label: str) -> int:
    """Create or update entry hubs; returns how many there are now."""
    count = 0
    for row in hubs:
        hub = db_session.get(Hub, row.id)
        if hub is None:
            hub = Hub(id=row.id)
            db_session.add(hub)
        hub.name, hub.name_ru, hub.name_kk = row.name, row.name_ru, row.name_kk
        hub.kind, hub.region_id, hub.lat, hub.lon = row.kind, row.region_id, row.lat, row.lon
        count += 1
    db_session.flush()
    record_event(
        db_session=db_session, actor_label=actor_label, action="hubs.upsert",
        object_type="hub", object_id="*", after={"hubs": count},
    )  # fmt: skip
    return count


def list_settlements(
    *, db_session: Session, region: str | None = None, kind: str | None = None
) -> list[tuple[Settlement, Region]]:
    """Settlements with their region, optionally of one region (id or name) and one kind."""
    query = select(Settlement, Region).join(Region, Settlement.region_id == Region.id)
    if region is not None:
        found = find_region(db_session=db_session, text=region)
        if found is None:
            raise NotFound(N_("unknown region %(name)s"), name=region)
        query = query.where(Settlement.region_id == found.id)
    if kind is not None:
        query = query.where(Settlement.kind == kind)
    query = query.order_by(Region.name, Settlement.population.desc(), Settlement.id)
    return [(s, r) for s, r in db_session.execute(query).all()]


@dataclass(frozen=True)
class RegionCapacity:
    """Totals of one region: settlements, population, capacity and load per dimension."""

    region: Region
    settlements: int
    population: int
    cap_persons: int
    cap_children: int
    cap_medical: int
    load_persons: int
    estimated: int


def capacity_by_region(*, db_session: Session) -> list[RegionCapacity]:
    """Per-region totals, regions in name order."""
    query = (
        select(
            Region,
            func.count(Settlement.id),
            func.sum(Settlement.population),
            func.sum(Settlement.cap_persons),
            func.sum(Settlement.cap_children),
            func.sum(Settlement.cap_medical),
            func.sum(Settlement.load_persons),
            func.sum(case((Settlement.capacity_source == "estimate", 1), else_=0)),
        )
        .join(Settlement, Settlement.region_id == Region.id)
        .group_by(Region.id)
        .order_by(Region.name)
    )
    return [
        RegionCapacity(region, *(int(v or 0) for v in values))
        for region, *values in db_session.execute(query).all()
    ]


def declare_capacity(
    *,
    db_session: Session,
    settlement_id: str,
    persons: int,
    children: int,
    medical: int,
    actor: Actor,
    below_load: bool = True,
) -> Settlement:
    """An akimat's declared capacity replaces the estimate; audited with before and after.

    With `below_load` False, a capacity below what is already placed there is refused (409).
    """
    settlement = db_session.get(Settlement, settlement_id, with_for_update=True)
    if settlement is None:
        raise NotFound(N_("unknown settlement %(id)s"), id=settlement_id)
    if actor.role == "host" and actor.settlement_id != settlement_id:
        raise Forbidden(N_("a host declares capacity only for its own settlement"))
    if min(persons, children, medical) < 0:
        raise Invalid(N_("capacities cannot be negative"))
    if not below_load and _below_load(settlement, persons, children, medical):
        raise Conflict(
            N_(
                "The new capacity is below the %(persons)s persons, %(children)s children and "
                "%(medical)s medical places already placed here. Tick the confirmation to save it."
            ),
            persons=settlement.load_persons, children=settlement.load_children,
            medical=settlement.load_medical,
        )  # fmt: skip
    before = _capacity_of(settlement)
    settlement.cap_persons, settlement.cap_children, settlement.cap_medical = (
        persons, children, medical,
    )  # fmt: skip
    settlement.capacity_source = "declared"
    settlement.capacity_updated_at = utc_now()
    db_session.flush()
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="capacity.declare", object_type="settlement", object_id=settlement_id,
        before=before, after=_capacity_of(settlement),
    )  # fmt: skip
    return settlement


def _below_load(settlement: Settlement, persons: int, children: int, medical: int) -> bool:
    return (
        persons < settlement.load_persons
        or children < settlement.load_children
        or medical < settlement.load_medical
    )


def _capacity_of(settlement: Settlement) -> dict[str, object]:
    return {
        "cap_persons": settlement.cap_persons,
        "cap_children": settlement.cap_children,
        "cap_medical": settlement.cap_medical,
        "capacity_source": settlement.capacity_source,
    }


@dataclass(frozen=True)
class Choice:
    """A place as a form offers it: id and a label that always names the region too."""

    id: str
    label: str


def settlement_choices(
    *, db_session: Session, language: str, kinds: tuple[str, ...] | None = None
) -> list[Choice]:
    """Open settlements as form choices, labelled 'Name (Region)' in `language`, sorted."""
    query = select(Settlement, Region).join(Region).where(Settlement.open.is_(True))
    if kinds is not None:
        query = query.where(Settlement.kind.in_(kinds))
    choices = [
        Choice(s.id, display_name(s, r, language)) for s, r in db_session.execute(query).all()
    ]
    return sorted(choices, key=lambda c: c.label)


def hub_choices(*, db_session: Session, language: str) -> list[Choice]:
    """Entry hubs as form choices, labelled 'Name (Region)' in `language`."""
    rows = db_session.execute(select(Hub, Region).join(Region).order_by(Hub.name)).all()
    return [Choice(h.id, display_name(h, r, language)) for h, r in rows]


def set_open(
    *, db_session: Session, settlement_id: str, open_: bool, actor: Actor, reason: str | None
) -> Settlement:
    """Close a settlement to new placements (those it holds stay), or open it again; one
    conditional write, audited with the reason."""
    written = required_reason(reason)
    settlement = db_session.get(Settlement, settlement_id)
    if settlement is None:
        raise NotFound(N_("unknown settlement %(id)s"), id=settlement_id)
    changed = db_session.execute(
        update(Settlement)
        .where(Settlement.id == settlement_id, Settlement.open.is_(not open_))
        .values(open=open_)
        .execution_options(synchronize_session=False)
    )
    db_session.refresh(settlement, ["open"])
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        state = N_("open") if open_ else N_("closed")
        raise Conflict(N_("settlement %(id)s is already %(state)s"), id=settlement_id, state=state)
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="settlement.open" if open_ else "settlement.close", object_type="settlement",
        object_id=settlement_id, before={"open": not open_}, after={"open": open_}, reason=written,
    )  # fmt: skip
    return settlement


def place_name(db_session: Session, place_id: str, language: str) -> str:
    """A boarding point (an entry hub) or a settlement by id, in the reader's language."""
    place = db_session.get(Hub, place_id) or db_session.get(Settlement, place_id)
    return localized_name(place, language) if place is not None else place_id
