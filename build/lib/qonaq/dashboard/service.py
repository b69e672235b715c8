"""Reading the live load picture from the database into the shared Plotly figure builders."""

from collections import defaultdict
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qonaq.geo.gazetteer import display_name, localized_name, regions_geojson
from qonaq.i18n import N_, gettext
from qonaq.registry.models import Household, Placement
from qonaq.settlements.models import Region, Settlement
from qonaq.simulation.figures import Figure, SettlementLoad, load_map_figure

PRESSED_SHOWN = 12
CHART_WORDS = (
    N_("Placed persons and fill ratio"), N_("Persons per day"), N_("registered"), N_("placed"),
    N_("persons"), N_("Most pressed settlements: share of housing capacity in use"),
)  # fmt: skip


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


def _per_day(db_session: Session, moment: Any, persons: Any, *where: Any) -> dict[date, int]:
    # summed in the database: the dashboard refreshes every few seconds during a surge
    day = func.date(moment)
    rows = db_session.execute(select(day, func.sum(persons)).where(*where).group_by(day)).all()
    totals: dict[date, int] = defaultdict(int)
    for when, count in rows:
        # SQLite returns the day as text, PostgreSQL as a date
        totals[date.fromisoformat(when) if isinstance(when, str) else when] += int(count or 0)
    return totals


def dashboard(*, db_session: Session, language: str = "en") -> DashboardRead:
    """The current national picture, its titles in `language`."""
    words = {w: gettext(language, w) for w in CHART_WORDS}
    places = db_session.execute(select(Settlement, Region).join(Region)).all()
    loads = [
        SettlementLoad(
            name=display_name(s, region, language),
            lat=s.lat,
            lon=s.lon,
            arrivals=s.load_persons,
            fill_ratio=s.load_persons / s.cap_persons if s.cap_persons else 0.0,
        )
        for s, region in places
    ]
    registered = _per_day(db_session, Household.registered_at, Household.size)
    placed = _per_day(
        db_session, Placement.created_at, Placement.persons, Placement.status != "cancelled"
    )
    days = sorted(set(registered) | set(placed))
    pressed = sorted(
        (
            PressedSettlement(
                id=s.id,
                name=localized_name(s, language),
                region=localized_name(region, language),
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
        pending_households=db_session.scalar(
            select(func.count()).where(Household.status == "pending")
        )
        or 0,
        settlements_over_80_percent=sum(1 for p in pressed if p.fill > 0.8),
        pressed=pressed[:PRESSED_SHOWN],
        load_map=load_map_figure(regions_geojson(), loads, words["Placed persons and fill ratio"]),
        per_day=_per_day_chart(days, registered, placed, words),
        pressed_chart=_pressed_chart(pressed[:PRESSED_SHOWN], words),
    )


def _per_day_chart(
    days: list[date], registered: dict[date, int], placed: dict[date, int], words: dict[str, str]
) -> Figure:
    # bars by calendar day: a line needs two days, and the first day of a surge has one
    labels = [d.isoformat() for d in days]
    return {
        "data": [
            {
                "type": "bar",
                "name": "registered",
                "x": labels,
                "y": [registered.get(d, 0) for d in days],
            },
            {
                "type": "bar",
                "name": words["placed"],
                "x": labels,
                "y": [placed.get(d, 0) for d in days],
            },
        ],
        "layout": {
            "title": {"text": words["Persons per day"]},
            "barmode": "group",
            "xaxis": {"type": "category"},
            "yaxis": {"title": {"text": words["persons"]}, "rangemode": "tozero"},
            "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
            "height": 380,
            "legend": {"orientation": "h", "y": -0.2},
        },
    }


def _pressed_chart(pressed: list[PressedSettlement], words: dict[str, str]) -> Figure:
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
            "title": {"text": words["Most pressed settlements: share of housing capacity in use"]},
            "margin": {"l": 220, "r": 20, "t": 40, "b": 40},
            "height": 380,
            "xaxis": {"range": [0, 100], "ticksuffix": " %"},
        },
    }
