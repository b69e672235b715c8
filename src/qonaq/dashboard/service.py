"""Reading the live load picture from the database into the shared Plotly figure builders."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qonaq.geo.gazetteer import display_name, localized_name, regions_geojson
from qonaq.i18n import N_, gettext
from qonaq.registry.models import Household, Placement
from qonaq.settlements.models import Hub, Region, Settlement
from qonaq.simulation.figures import (
    FILL_COLOURS,
    FILL_SCALE_MAX,
    KAZAKHSTAN_LAT,
    KAZAKHSTAN_LON,
    MAX_BUBBLE_PX,
    PLOTLY_SEPARATORS,
    Figure,
    region_outlines,
)

PRESSED_SHOWN = 12
EMPTY_BUBBLE = 1e-6
CHART_WORDS = (
    N_("Placed persons and fill ratio"), N_("Persons per day"), N_("registered"), N_("placed"),
    N_("persons"), N_("Most pressed settlements: share of housing capacity in use"),
    N_("placed: %(persons)s persons"), N_("capacity: %(capacity)s, free: %(free)s"),
    N_("fill"), N_("closed to new placements"), N_("settlements: persons placed"),
    N_("households waiting to be placed, where they registered"),
    N_("waiting: %(households)s households, %(persons)s persons"),
)  # fmt: skip


class PressedSettlement(BaseModel):
    """A settlement near or over its persons capacity."""

    id: str
    name: str
    region: str
    load: int
    capacity: int
    fill: float
    open: bool


class RegionTotal(BaseModel):
    """One region's room and queue: beds, persons placed, free beds in its open settlements,
    and the households waiting to be placed that registered there."""

    id: str
    name: str
    capacity: int
    load: int
    free: int
    pending_households: int
    pending_persons: int


@dataclass(frozen=True)
class PendingOrigin:
    """Where pending households registered (a settlement's PSC or an entry hub), and how many."""

    label: str
    lat: float
    lon: float
    region_id: str
    settlement_id: str | None
    households: int
    persons: int


class DashboardRead(BaseModel):
    """Everything the live dashboard draws, as plain figure dicts and totals."""

    registered_persons: int
    placed_persons: int
    pending_households: int
    settlements_over_80_percent: int
    pressed: list[PressedSettlement]
    regions: list[RegionTotal]
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
    places = db_session.execute(
        select(Settlement, Region).join(Region).order_by(Settlement.id)
    ).all()
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
                open=s.open,
            )
            for s, region in places
            if s.load_persons > 0
        ),
        key=lambda p: -p.fill,
    )
    waiting = _pending_origins(db_session, places, language)
    return DashboardRead(
        registered_persons=sum(registered.values()),
        placed_persons=sum(s.load_persons for s, _ in places),
        pending_households=db_session.scalar(
            select(func.count()).where(Household.status == "pending")
        )
        or 0,
        settlements_over_80_percent=sum(1 for p in pressed if p.fill > 0.8),
        pressed=pressed[:PRESSED_SHOWN],
        regions=_region_totals(places, waiting, language),
        load_map=_load_map(places, waiting, words, language),
        per_day=_per_day_chart(days, registered, placed, words, language),
        pressed_chart=_pressed_chart(pressed[:PRESSED_SHOWN], words, language),
    )


def _pending_origins(
    db_session: Session, places: Sequence[Any], language: str
) -> list[PendingOrigin]:
    """Pending households counted by the place they registered at, in one grouped query."""
    rows = db_session.execute(
        select(
            Household.origin_settlement_id, Household.origin_hub_id, func.count(),
            func.sum(Household.size),
        )
        .where(Household.status == "pending")
        .group_by(Household.origin_settlement_id, Household.origin_hub_id)
    ).all()  # fmt: skip
    settlements = {s.id: (s, region) for s, region in places}
    hubs = {h.id: (h, r) for h, r in db_session.execute(select(Hub, Region).join(Region)).all()}
    found = []
    for settlement_id, hub_id, households, persons in rows:
        place, region = (
            settlements.get(settlement_id or "") or hubs.get(hub_id or "") or (None, None)
        )
        if place is None or region is None:  # an origin no longer in the gazetteer
            continue
        found.append(
            PendingOrigin(
                display_name(place, region, language), place.lat, place.lon, region.id,
                settlement_id if settlement_id in settlements else None, int(households),
                int(persons or 0),
            )
        )  # fmt: skip
    return found


def _region_totals(
    places: Sequence[Any], waiting: Sequence[PendingOrigin], language: str
) -> list[RegionTotal]:
    """Per region: beds, persons placed, free beds of its open settlements, who waits there."""
    totals: dict[str, RegionTotal] = {}
    for s, region in places:
        total = totals.setdefault(
            region.id, RegionTotal(id=region.id, name=localized_name(region, language),
                                   capacity=0, load=0, free=0, pending_households=0,
                                   pending_persons=0),
        )  # fmt: skip
        total.capacity += s.cap_persons
        total.load += s.load_persons
        # an overfull town does not make room elsewhere, and a closed one takes nobody
        total.free += max(s.cap_persons - s.load_persons, 0) if s.open else 0
    for origin in waiting:
        if origin.region_id in totals:
            totals[origin.region_id].pending_households += origin.households
            totals[origin.region_id].pending_persons += origin.persons
    return sorted(totals.values(), key=lambda t: t.name.casefold())


def _number(value: int, language: str) -> str:
    return format_decimal(value, locale=language)


def _percent(fill: float, language: str) -> str:
    return format_percent(fill, locale=language)


def _load_map(
    places: Sequence[Any], waiting: Sequence[PendingOrigin], words: dict[str, str], language: str
) -> Figure:
    """Regions with a bubble per settlement, every one of them (an empty one is a small dot,
    a town with room is what a coordinator looks for): area ∝ persons placed, colour = fill;
    and a diamond where households wait to be placed, area ∝ persons waiting, on one scale.
    Each settlement's point carries its id, for a click to open its page."""
    lons, lats = region_outlines(regions_geojson())
    largest = max(
        [s.load_persons for s, _ in places] + [origin.persons for origin in waiting], default=1
    )
    sizeref = 2.0 * max(largest, 1) / MAX_BUBBLE_PX**2
    fills = [s.load_persons / s.cap_persons if s.cap_persons else 0.0 for s, _ in places]
    placed, room = (
        words["placed: %(persons)s persons"],
        words["capacity: %(capacity)s, free: %(free)s"],
    )
    hover = [
        "<br>".join(
            (
                display_name(s, region, language),
                placed % {"persons": _number(s.load_persons, language)},
                room
                % {
                    "capacity": _number(s.cap_persons, language),
                    "free": _number(max(s.cap_persons - s.load_persons, 0), language),
                },
                f"{words['fill']} {_percent(fill, language)}",
                *(() if s.open else (f"<b>{words['closed to new placements']}</b>",)),
            )
        )
        for (s, region), fill in zip(places, fills, strict=True)
    ]
    outlines = {
        "type": "scattergeo", "lon": lons, "lat": lats, "mode": "lines", "fill": "toself",
        "fillcolor": "rgba(200,205,215,0.35)", "line": {"color": "#7a8290", "width": 0.8},
        "hoverinfo": "skip", "showlegend": False, "name": "regions",
    }  # fmt: skip
    bubbles = {
        "type": "scattergeo",
        "lon": [s.lon for s, _ in places],
        "lat": [s.lat for s, _ in places],
        "mode": "markers",
        "name": words["settlements: persons placed"],
        "showlegend": True,
        "text": hover,
        "customdata": [s.id for s, _ in places],
        "hoverinfo": "text",
        "marker": {
            # Plotly draws no marker of size 0: an empty town gets the smallest bubble
            "size": [max(s.load_persons, EMPTY_BUBBLE) for s, _ in places],
            # a closed settlement is crossed out
            "symbol": ["circle" if s.open else "circle-x" for s, _ in places],
            "sizemode": "area",
            "sizeref": sizeref,
            "sizemin": 3,
            "color": [min(fill, FILL_SCALE_MAX) for fill in fills],
            "cmin": 0.0,
            "cmax": FILL_SCALE_MAX,
            "colorscale": FILL_COLOURS,
            "colorbar": {"title": {"text": words["fill"]}, "thickness": 12, "len": 0.7},
            "line": {"color": "#333", "width": 0.5},
            "opacity": 0.85,
        },
    }
    waits = words["waiting: %(households)s households, %(persons)s persons"]
    pending = {
        "type": "scattergeo",
        "lon": [origin.lon for origin in waiting],
        "lat": [origin.lat for origin in waiting],
        "mode": "markers",
        "name": words["households waiting to be placed, where they registered"],
        "showlegend": True,
        "text": [
            f"{origin.label}<br>"
            + waits
            % {
                "households": _number(origin.households, language),
                "persons": _number(origin.persons, language),
            }
            for origin in waiting
        ],
        # a hub has no page of its own: its point opens nothing
        "customdata": [origin.settlement_id for origin in waiting],
        "hoverinfo": "text",
        "marker": {
            "size": [origin.persons for origin in waiting],
            "symbol": "diamond",
            "sizemode": "area",
            "sizeref": sizeref,
            "sizemin": 6,
            "color": "#6a3d9a",
            "line": {"color": "#fff", "width": 1},
            "opacity": 0.8,
        },
    }
    geo = {
        "visible": False, "showframe": False, "projection": {"type": "mercator"},
        "lonaxis": {"range": list(KAZAKHSTAN_LON)}, "lataxis": {"range": list(KAZAKHSTAN_LAT)},
        "bgcolor": "rgba(0,0,0,0)",
    }  # fmt: skip
    layout = {
        "title": {"text": words["Placed persons and fill ratio"]},
        "geo": geo, "margin": {"l": 0, "r": 0, "t": 50, "b": 0}, "height": 500,
        "legend": {"orientation": "h", "y": -0.02, "yanchor": "top", "itemsizing": "constant"},
        "separators": PLOTLY_SEPARATORS[language],
    }  # fmt: skip
    return {"data": [outlines, bubbles, pending], "layout": layout}


def _per_day_chart(
    days: list[date], registered: dict[date, int], placed: dict[date, int],
    words: dict[str, str], language: str,
) -> Figure:  # fmt: skip
    # bars by calendar day: a line needs two days, and the first day of a surge has one
    labels = [format_date(d, format="medium", locale=language) for d in days]
    series = ((words["registered"], registered), (words["placed"], placed))
    persons = words["persons"]
    return {
        "data": [
            {
                "type": "bar",
                "name": name,
                "x": labels,
                "y": [counts.get(d, 0) for d in days],
                "customdata": [_number(counts.get(d, 0), language) for d in days],
                "hovertemplate": f"%{{x}} · {name}: %{{customdata}} {persons}<extra></extra>",
            }
            for name, counts in series
        ],
        "layout": {
            "title": {"text": words["Persons per day"]},
            "barmode": "group",
            "xaxis": {"type": "category", "automargin": True},
            "yaxis": {
                "title": {"text": words["persons"]},
                "rangemode": "tozero",
                "automargin": True,
            },
            "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
            "height": 400,
            "legend": {"orientation": "h", "y": -0.25},
            "separators": PLOTLY_SEPARATORS[language],
        },
    }


def _pressed_chart(
    pressed: list[PressedSettlement], words: dict[str, str], language: str
) -> Figure:
    shown = list(reversed(pressed))
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [round(100 * p.fill, 1) for p in shown],
                # the region on a line of its own: a long name stays inside a narrow card
                "y": [f"{p.name}<br>({p.region})" for p in shown],
                "customdata": [_percent(p.fill, language) for p in shown],
                "marker": {"color": ["#d73027" if p.fill > 0.8 else "#00739d" for p in shown]},
                "hovertemplate": "%{y}: %{customdata}<extra></extra>",
            }
        ],
        "layout": {
            "title": {"text": words["Most pressed settlements: share of housing capacity in use"]},
            "margin": {"l": 20, "r": 20, "t": 50, "b": 40},
            "height": 420,
            "xaxis": {"range": [0, 100], "ticksuffix": " %", "automargin": True},
            "yaxis": {"automargin": True},
            "separators": PLOTLY_SEPARATORS[language],
        },
    }
