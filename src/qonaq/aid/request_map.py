"""The coordinator's map of open requests for help: one marker trace per kind of help, at the
settlement or entry hub where it is needed, area ∝ people; words in the reader's language."""

from collections.abc import Callable
from datetime import datetime

from babel.numbers import format_decimal
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from qonaq.aid.models import AidKind, AidRequest, RequestStatus
from qonaq.db.base import utc_now
from qonaq.geo.gazetteer import display_name, regions_geojson
from qonaq.i18n import N_, gettext
from qonaq.settlements.models import Hub, Region, Settlement
from qonaq.simulation.figures import (
    KAZAKHSTAN_LAT,
    KAZAKHSTAN_LON,
    MAX_BUBBLE_PX,
    PLOTLY_SEPARATORS,
    Figure,
    region_outlines,
)

MAP_WORDS = (N_("%(kind)s: %(requests)s requests, %(people)s people"),)
# one colour per kind, told apart by colour-blind readers (Okabe-Ito, then Tol's muted)
KIND_COLOURS = {
    AidKind.SHELTER: "#D55E00", AidKind.FOOD: "#E69F00", AidKind.CLOTHES: "#56B4E9",
    AidKind.SIM_CARD: "#009E73", AidKind.MONEY_TRANSFER: "#F0E442", AidKind.LEGAL: "#0072B2",
    AidKind.MEDICAL: "#CC79A7", AidKind.CHILDCARE: "#882255", AidKind.TRANSLATION: "#44AA99",
    AidKind.TRANSPORT: "#332288", AidKind.OTHER: "#777777",
}  # fmt: skip

# (kind, place name, lat, lon, requests, people)
Point = tuple[str, str, float, float, int, int]


def open_requests_by_place(
    db_session: Session, language: str, now: datetime | None = None
) -> list[Point]:
    """Open, live requests counted per kind and place (a settlement or an entry hub)."""
    now = now or utc_now()
    live = or_(AidRequest.expires_at > now, AidRequest.committed > 0)
    rows = db_session.execute(
        select(AidRequest.kind, AidRequest.settlement_id, AidRequest.hub_id, func.count(),
               func.sum(AidRequest.people))
        .where(AidRequest.status == RequestStatus.OPEN, live)
        .group_by(AidRequest.kind, AidRequest.settlement_id, AidRequest.hub_id)
    ).all()  # fmt: skip
    settlement_ids = {s for _, s, _, _, _ in rows if s}
    hub_ids = {h for _, _, h, _, _ in rows if h}
    settlements = {
        s.id: (s, r)
        for s, r in db_session.execute(
            select(Settlement, Region).join(Region).where(Settlement.id.in_(settlement_ids))
        ).all()
    }
    hubs = {
        h.id: (h, r)
        for h, r in db_session.execute(
            select(Hub, Region).join(Region).where(Hub.id.in_(hub_ids))
        ).all()
    }
    points = []
    for kind, settlement_id, hub_id, count, people in rows:
        found = settlements.get(settlement_id or "") or hubs.get(hub_id or "")
        if found is None:  # a place no longer in the gazetteer
            continue
        place, region = found
        name = display_name(place, region, language)
        points.append((kind, name, place.lat, place.lon, int(count), int(people or 0)))
    return sorted(points, key=lambda p: (p[0], p[1].casefold()))


def requests_map(points: list[Point], kind_word: Callable[[str], str], language: str) -> Figure:
    """Region outlines and, for each kind with open requests, its markers on one size scale."""
    lons, lats = region_outlines(regions_geojson())
    sizeref = 2.0 * max([p[5] for p in points] + [1]) / MAX_BUBBLE_PX**2
    hover = gettext(language, "%(kind)s: %(requests)s requests, %(people)s people")
    outlines = {
        "type": "scattergeo", "lon": lons, "lat": lats, "mode": "lines", "fill": "toself",
        "fillcolor": "rgba(200,205,215,0.35)", "line": {"color": "#7a8290", "width": 0.8},
        "hoverinfo": "skip", "showlegend": False, "name": "regions",
    }  # fmt: skip
    traces = [outlines]
    for kind in AidKind:
        shown = [p for p in points if p[0] == kind]
        if not shown:
            continue
        word = kind_word(kind)
        marker = {
            "size": [p[5] for p in shown], "sizemode": "area", "sizeref": sizeref, "sizemin": 5,
            "color": KIND_COLOURS[kind], "opacity": 0.8, "line": {"color": "#333", "width": 0.5},
        }  # fmt: skip
        traces.append(
            {
                "type": "scattergeo",
                "name": word,
                "mode": "markers",
                "showlegend": True,
                "lon": [p[3] for p in shown],
                "lat": [p[2] for p in shown],
                "text": [
                    f"{p[1]}<br>"
                    + hover
                    % {
                        "kind": word,
                        "requests": format_decimal(p[4], locale=language),
                        "people": format_decimal(p[5], locale=language),
                    }
                    for p in shown
                ],
                "hoverinfo": "text",
                "marker": marker,
            }
        )
    geo = {
        "visible": False, "showframe": False, "projection": {"type": "mercator"},
        "lonaxis": {"range": list(KAZAKHSTAN_LON)}, "lataxis": {"range": list(KAZAKHSTAN_LAT)},
        "bgcolor": "rgba(0,0,0,0)",
    }  # fmt: skip
    layout = {
        "geo": geo, "margin": {"l": 0, "r": 0, "t": 10, "b": 0}, "height": 420,
        "legend": {"orientation": "h", "y": -0.02, "yanchor": "top", "itemsizing": "constant"},
        "separators": PLOTLY_SEPARATORS[language],
    }  # fmt: skip
    return {"data": traces, "layout": layout}
