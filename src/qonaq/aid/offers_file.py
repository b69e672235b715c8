"""The offers file (`offers.csv`) of an organisation's volunteers: its columns and reading."""

from pathlib import Path

from pydantic import Field

from qonaq.aid.schemas import OfferCreate
from qonaq.csvinput import read_rows, validate_rows

OFFER_COLUMNS: tuple[str, ...] = ("username", "kind", "quantity", "settlement_id")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "unit", "radius_km", "available_from", "available_until", "conditions",
)  # fmt: skip


class OfferRecord(OfferCreate):
    """One row of offers.csv: whose offer (a sign-in name) and the offer itself."""

    username: str = Field(min_length=1, max_length=64)


def parse_offers(source: str, text: str | None = None) -> list[OfferRecord]:
    """Read and validate an offers CSV; InputFileError lists every bad row."""
    header, rows = read_rows(source, text)
    # empty optional cells mean "the default", not an empty value
    cleaned = [{k: v for k, v in row.items() if v is None or v.strip() != ""} for row in rows]
    return validate_rows(source, header, cleaned, OfferRecord, OFFER_COLUMNS)


def read_offers(path: Path) -> list[OfferRecord]:
    """Read and validate the offers file at `path`."""
    return parse_offers(str(path))
