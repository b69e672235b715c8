"""Reading the live load picture from the database into the shared Plotly figure builders."""

from collections import defaultdict
from datetime import date

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from qonaq.geo.gazetteer import regions_geojson
from qonaq.registry.models import Household, Placement
from qonaq.settlements.models import Region, Settlement
from qonaq.simulation.figures import Figure, SettlementLoad, load_map_figure, time_series_figure

PRESSED_SHOWN = 12


class PressedSettlement(BaseModel):
    """A settlement near or over its persons capacity."""

    id: str
    name: str
    region: str
    load: int
    capacity: int
    fill: float


class DashboardRead(BaseModel):
    """Everything the live dashboard draws, as plain figure dicts and totals."""

    registered_persons: int
    placed_persons: int
    pending_households: int
    settlements_over_80_percent: int
    pressed: list[PressedSettlement]
    load_map: Figure
    per_day: Figure
    pressed_chart: Figure


def _per_day(rows: list[tuple[date, int]]) -> dict[date, int]:
    totals: dict[date, int] = defaultdict(int)
    for day, persons in rows:
        totals[day] += persons
    return totals


def dashboard(*, db_session: Session) -> DashboardRead:
    """The current national picture."""
    places = db_session.execute(select(Settlement, Region.name).join(Region)).all()
    loads = [
        SettlementLoad(
            name=f"{s.name} ({region})",
            lat=s.lat,
            lon=s.lon,
            arrivals=s.load_persons,
            fill_ratio=s.load_persons / s.cap_persons if s.cap_persons else 0.0,
        )
        for s, region in places
    ]
    registered = _per_day(
        [(h.registered_at.date(), h.size) for h in db_session.scalars(select(Household))]
    )
    placements = list(db_session.scalars(select(Placement).where(Placement.status != "cancelled")))
    placed = _per_day([(p.created_at.date(), p.persons) for p in placements])
    days = sorted(set(registered) | set(placed))
    pressed = sorted(
        (
            PressedSettlement(
                id=s.id,
                name=s.name,
                region=region,
                load=s.load_persons,
                capacity=s.cap_persons,
                fill=s.load_persons / s.cap_persons if s.cap_persons else 0.0,
            )
            for s, region in places
            if s.load_persons > 0
        ),
        key=lambda p: -p.fill,
    )
    return DashboardRead(
        registered_persons=sum(registered.values()),
        placed_persons=sum(s.load_persons for s, _ in places),
        pending_households=sum(
            1 for _ in db_session.scalars(select(Household.id).where(Household.status == "pending"))
        ),
        settlements_over_80_percent=sum(1 for p in pressed if p.fill > 0.8),
        pressed=pressed[:PRESSED_SHOWN],
        load_map=load_map_figure(regions_geojson(), loads, "Placed persons and fill ratio"),
        per_day=time_series_figure(
            "Persons per day",
            [d.isoformat() for d in days],
            {
                "registered": [registered.get(d, 0) for d in days],
                "placed": [placed.get(d, 0) for d in days],
            },
            "persons",
        ),
        pressed_chart=_pressed_chart(pressed[:PRESSED_SHOWN]),
    )


def _pressed_chart(pressed: list[PressedSettlement]) -> Figure:
    shown = list(reversed(pressed))
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [round(100 * p.fill, 1) for p in shown],
                "y": [f"{p.name} ({p.region})" for p in shown],
                "marker": {"color": ["#d73027" if p.fill > 0.8 else "#00739d" for p in shown]},
                "hovertemplate": "%{y}: %{x} %<extra></extra>",
            }
        ],
        "layout": {
            "title": {"text": "Most pressed settlements (% of housing capacity)"},
            "margin": {"l": 220, "r": 20, "t": 40, "b": 40},
            "height": 380,
            "xaxis": {"range": [0, 100], "ticksuffix": " %"},
        },
    }
