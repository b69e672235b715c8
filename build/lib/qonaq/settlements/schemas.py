"""Shapes of settlements and capacities in the API."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SettlementRead(BaseModel):
    """A settlement with its region, capacity and load per dimension."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    name_ru: str
    name_kk: str
    region_id: str
    region_name: str = ""
    lat: float
    lon: float
    population: int
    kind: str
    open: bool
    cap_persons: int
    cap_children: int
    cap_medical: int
    load_persons: int
    load_children: int
    load_medical: int
    capacity_source: str
    capacity_updated_at: datetime | None


class CapacityDeclare(BaseModel):
    """What an akimat declares it can absorb."""

    model_config = ConfigDict(extra="forbid")

    cap_persons: int = Field(ge=0, le=10_000_000)
    cap_children: int = Field(ge=0, le=10_000_000)
    cap_medical: int = Field(ge=0, le=10_000_000)


class HubRead(BaseModel):
    """An entry hub."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    name_ru: str
    name_kk: str
    kind: str
    region_id: str
    lat: float
    lon: float
