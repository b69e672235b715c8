"""Vehicle types and the transport settings of a policy: every default in this one place.

The tariffs and fixed costs are assumptions of the order of 2022 intercity charter prices
(a full bus seat about 12 tenge per km, as `kz-2022`'s 15 tenge per person-km); a policy
file's `[transport]` section replaces any of them by name.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)
# no vehicle seats more than a full train; a bigger number is a typing slip
MAX_SEATS = 1000
MAX_TENGE = 10**9


class VehicleType(BaseModel):
    """A kind of vehicle: seats (every person, child too, needs one), speed and what it costs."""

    model_config = STRICT

    seats: int = Field(ge=1, le=MAX_SEATS)
    speed_kmh: float = Field(gt=0, le=300)
    # tenge per road km of the route, and per departure whatever its length
    tariff_per_km: int = Field(ge=0, le=MAX_TENGE)
    fixed_cost: int = Field(ge=0, le=MAX_TENGE)


DEFAULT_VEHICLES: dict[str, VehicleType] = {
    "bus": VehicleType(seats=50, speed_kmh=70.0, tariff_per_km=600, fixed_cost=30_000),
    "minibus": VehicleType(seats=18, speed_kmh=80.0, tariff_per_km=300, fixed_cost=15_000),
    "rail_car": VehicleType(seats=54, speed_kmh=60.0, tariff_per_km=400, fixed_cost=80_000),
}

VehicleName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class TransportPolicy(BaseModel):
    """How departures are planned: the fleet, the detour bound, driving days and the solver."""

    model_config = STRICT

    vehicles: dict[VehicleName, VehicleType] = Field(
        default_factory=lambda: dict(DEFAULT_VEHICLES), min_length=1, max_length=20
    )
    # each passenger's ride is at most (1 + max_detour) × the direct road km to their stop
    max_detour: float = Field(default=0.2, ge=0, le=2)
    # stops a multi-stop departure makes after its boarding point
    max_stops: int = Field(default=4, ge=1, le=8)
    # drivers drive this many hours a day, then stop overnight until the same hour next day
    driving_hours_per_day: float = Field(default=10.0, gt=0, le=24)
    # departures leave at this hour (UTC; 04:00 UTC is 09:00 in Kazakhstan)
    departure_hour_utc: int = Field(default=4, ge=0, le=23)
    # households whose earliest travel dates fall in one window of this many days leave
    # together on its last day, so a small group may wait to share a vehicle
    window_days: int = Field(default=1, ge=1, le=14)
    # HiGHS stops at this relative gap or time limit per boarding point and day: proving
    # the last fraction of a per cent optimal takes the solver far longer than finding it
    solver_gap: float = Field(default=0.005, ge=0, le=1)
    solver_seconds: float = Field(default=5.0, gt=0, le=3600)


DEFAULT_TRANSPORT = TransportPolicy()
