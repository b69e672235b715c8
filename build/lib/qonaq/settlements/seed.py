"""Loading the shipped Kazakhstan gazetteer through the same importer users' files go through."""

from sqlalchemy.orm import Session

from qonaq.geo import gazetteer
from qonaq.geo.settlements_file import read_settlements
from qonaq.settlements.service import (
    HubRow,
    ImportResult,
    RegionRow,
    import_settlements,
    upsert_hubs,
    upsert_regions,
)

SEED_ACTOR = "seed"


def seed_kz(*, db_session: Session) -> ImportResult:
    """Regions, settlements and entry hubs of Kazakhstan, in the caller's transaction."""
    regions = [
        RegionRow(id=r.id, name=r.name, name_ru=r.name_ru, name_kk=r.name_kk)
        for r in gazetteer.load_regions()
    ]
    upsert_regions(db_session=db_session, regions=regions, actor_label=SEED_ACTOR)
    path = gazetteer.settlements_path()
    result = import_settlements(
        db_session=db_session,
        records=read_settlements(path),
        actor_label=SEED_ACTOR,
        source=path.name,
    )
    hubs = [
        HubRow(
            id=h.id, name=h.name, name_ru=h.name_ru, name_kk=h.name_kk, kind=h.kind,
            region_id=h.region_id, lat=h.lat, lon=h.lon,
        )
        for h in gazetteer.load_hubs()
    ]  # fmt: skip
    upsert_hubs(db_session=db_session, hubs=hubs, actor_label=SEED_ACTOR)
    return result
