"""Small builders of valid registration input and a tiny country, for registry tests."""

import itertools
from datetime import date

from sqlalchemy import Engine

from qonaq.db.session import transaction
from qonaq.geo.settlements_file import SETTLEMENT_COLUMNS, parse_settlements
from qonaq.registry.schemas import HouseholdCreate, PersonCreate
from qonaq.settlements.service import (
    HubRow,
    RegionRow,
    import_settlements,
    upsert_hubs,
    upsert_regions,
)

_documents = itertools.count(1000000)

TINY_COUNTRY = "\n".join(
    [
        ",".join(SETTLEMENT_COLUMNS),
        "oral,Oral,West Kazakhstan,51.23,51.37,250000,regional_centre,1,5000,1200,250,0,0,0",
        "aksai,Aksai,West Kazakhstan,51.17,52.99,35000,town,1,700,170,35,0,0,0",
        "small,Small,West Kazakhstan,50.25,52.6,6000,village,1,10,10,10,0,0,0",
    ]
)


def seed_tiny_country(engine: Engine) -> None:
    """Three settlements (one with room for 10) and one road crossing."""
    with transaction(engine) as db_session:
        upsert_regions(
            db_session=db_session,
            regions=[
                RegionRow(
                    "west-kazakhstan", "West Kazakhstan", "Западно-Казахстанская", "Батыс Қазақстан"
                )
            ],
            actor_label="test",
        )
        import_settlements(
            db_session=db_session,
            records=parse_settlements("tiny.csv", TINY_COUNTRY),
            actor_label="test",
            source="tiny.csv",
        )
        upsert_hubs(
            db_session=db_session,
            hubs=[HubRow("syrym", "Syrym", "road_crossing", "west-kazakhstan", 51.5, 52.0)],
            actor_label="test",
        )


def person(**overrides: object) -> PersonCreate:
    """A valid adult member with a fresh passport number."""
    values: dict[str, object] = {
        "full_name": "Ivan Petrov",
        "birth_date": date(1990, 5, 17),
        "sex": "M",
        "citizenship": "RUS",
        "document_type": "passport",
        "document_number": f"75 {next(_documents)}",
        "languages": ["ru"],
    }
    values.update(overrides)
    return PersonCreate.model_validate(values)


def household(size: int = 1, **overrides: object) -> HouseholdCreate:
    """A valid household of `size` adults arriving at the Syrym crossing."""
    values: dict[str, object] = {
        "members": [person() for _ in range(size)],
        "origin_hub_id": "syrym",
    }
    values.update(overrides)
    return HouseholdCreate.model_validate(values)
