"""The two CSV shapes of a transport plan: departures and manifests (one row per household)."""

from sqlalchemy.orm import Session

from qonaq.transport.models import Departure
from qonaq.transport.service import manifest, stop_settlements

DEPARTURE_COLUMNS = ("departure_id", "vehicle", "seats", "boarding_point", "departs_at", "stops")
MANIFEST_COLUMNS = ("departure_id", "household_reference", "persons", "destination_settlement_id")


def departure_rows(db_session: Session, departures: list[Departure]) -> list[tuple[object, ...]]:
    """One row per departure; stops are settlement ids in driving order, `;`-separated."""
    return [
        (
            d.id, d.vehicle, d.seats, d.boarding_point, d.departs_at.isoformat(),
            ";".join(stop_settlements(db_session, d.id)),
        )
        for d in departures
    ]  # fmt: skip


def manifest_rows(db_session: Session, departures: list[Departure]) -> list[tuple[object, ...]]:
    """One row per household on board of each departure."""
    return [
        (row.departure_id, row.household_reference, row.persons, row.destination_settlement_id)
        for departure in departures
        for row in manifest(db_session, departure.id)
    ]
