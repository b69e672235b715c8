"""The settlements file (`settlements.csv`): its columns, validation and reading."""

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qonaq.csvinput import read_rows, validate_rows
from qonaq.errors import RowError

SettlementKind = Literal["republic_city", "regional_centre", "town", "village"]
KINDS: tuple[str, ...] = ("republic_city", "regional_centre", "town", "village")

# people in one settlement, or its capacity: beyond any country's city, within PostgreSQL's INTEGER
MAX_COUNT = 1_000_000_000
DIMENSIONS: tuple[str, ...] = ("persons", "children", "medical")

SETTLEMENT_COLUMNS: tuple[str, ...] = (
    "id", "name", "region", "lat", "lon", "population", "kind", "open",
    "cap_persons", "cap_children", "cap_medical",
    "load_persons", "load_children", "load_medical",
)  # fmt: skip


class SettlementRecord(BaseModel):
    """One row of settlements.csv; extra columns (name_ru, name_kk, capacity_source) allowed."""

    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)

    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    region: str = Field(min_length=1, max_length=100)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    population: int = Field(ge=0, le=MAX_COUNT)
    kind: SettlementKind
    open: bool = True
    cap_persons: int = Field(ge=0, le=MAX_COUNT)
    cap_children: int = Field(ge=0, le=MAX_COUNT)
    cap_medical: int = Field(ge=0, le=MAX_COUNT)
    load_persons: int = Field(default=0, ge=0, le=MAX_COUNT)
    load_children: int = Field(default=0, ge=0, le=MAX_COUNT)
    load_medical: int = Field(default=0, ge=0, le=MAX_COUNT)
    name_ru: str = Field(default="", max_length=200)
    name_kk: str = Field(default="", max_length=200)
    region_id: str = Field(default="", max_length=64)
    capacity_source: Literal["estimate", "declared"] = "estimate"

    @field_validator("open", mode="before")
    @classmethod
    def _open_flag(cls, value: object) -> object:
        if isinstance(value, str):
            flag = value.strip().lower()
            if flag in ("", "1", "true", "yes", "y"):
                return True
            if flag in ("0", "false", "no", "n"):
                return False
        return value

    @field_validator("load_persons", "load_children", "load_medical", mode="before")
    @classmethod
    def _empty_load_is_zero(cls, value: object) -> object:
        return 0 if value == "" else value

    @field_validator("capacity_source", mode="before")
    @classmethod
    def _empty_source_is_estimate(cls, value: object) -> object:
        return "estimate" if value == "" else value


def _unique_ids() -> Callable[[int, SettlementRecord], list[RowError]]:
    """A row check that refuses an id already seen in an earlier row."""
    seen: dict[str, int] = {}

    def check(number: int, record: SettlementRecord) -> list[RowError]:
        first = seen.setdefault(record.id, number)
        if first != number:
            return [RowError(number, "id", f"duplicate id {record.id!r} (first in row {first})")]
        return []

    return check


def _load_within_capacity(number: int, record: SettlementRecord) -> list[RowError]:
    """A row check that refuses more people already placed than the settlement has room for."""
    errors = []
    for dimension in DIMENSIONS:
        load, cap = getattr(record, f"load_{dimension}"), getattr(record, f"cap_{dimension}")
        if load > cap:
            errors.append(
                RowError(number, f"load_{dimension}", f"load {load} exceeds cap_{dimension} {cap}")
            )
    return errors


def parse_settlements(source: str, text: str | None = None) -> list[SettlementRecord]:
    """Read and validate a settlements CSV; InputFileError lists every bad row."""
    header, rows = read_rows(source, text)
    unique = _unique_ids()

    def check(number: int, record: SettlementRecord) -> list[RowError]:
        return unique(number, record) + _load_within_capacity(number, record)

    return validate_rows(source, header, rows, SettlementRecord, SETTLEMENT_COLUMNS, check)


def read_settlements(path: Path) -> list[SettlementRecord]:
    """Read and validate the settlements file at `path`."""
    return parse_settlements(str(path))
