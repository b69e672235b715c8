"""Plotly figures of a surge, as plain figure dicts: the load map and the time series.

Pure builders from plain data, so the simulation report and the live dashboard draw the
same pictures. Nothing here needs the network: the map draws the shipped region outlines
itself and switches off Plotly's base layers, which would fetch topojson from a CDN.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from babel.numbers import format_decimal

from qonaq.i18n import N_, gettext

Figure = dict[str, Any]
# Plotly's decimal point and thousands separator, as each language writes numbers
PLOTLY_SEPARATORS = {"en": ".,", "ru": ", ", "kk": ", "}
ARRIVALS = N_("arrivals: %(persons)s")
FILL_RATIO = N_("highest fill ratio: %(fill)s")

# fill ratio shown at the top of the colour scale; anything fuller is as red
FILL_SCALE_MAX = 1.5
FILL_COLOURS: list[list[float | str]] = [
    [0.0, "#1a9850"],
    [0.5 / FILL_SCALE_MAX, "#d9ef8b"],
    [0.8 / FILL_SCALE_MAX, "#fdae61"],
    [1.0 / FILL_SCALE_MAX, "#d73027"],
    [1.0, "#67001f"],
]
# the largest bubble's diameter in pixels
MAX_BUBBLE_PX = 42
KAZAKHSTAN_LON = (46.0, 88.0)
KAZAKHSTAN_LAT = (40.3, 55.7)


@dataclass(frozen=True)
class SettlementLoad:
    """What a map bubble shows: a settlement, how many arrived there and how full it got."""

    name: str
    lat: float
    lon: float
    arrivals: int
    fill_ratio: float


def region_outlines(
    regions_geojson: Mapping[str, Any],
) -> tuple[list[float | None], list[float | None]]:
    """Longitudes and latitudes of every region ring, rings separated by None."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for feature in regions_geojson["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            for ring in polygon:
                lons.extend([point[0] for point in ring] + [None])
                lats.extend([point[1] for point in ring] + [None])
    return lons, lats


def load_map_figure(
    regions_geojson: Mapping[str, Any],
    settlements: Sequence[SettlementLoad],
    title: str,
    max_arrivals: int | None = None,
    language: str = "en",
) -> Figure:
    """Regions with a bubble per settlement: area ∝ arrivals, colour = fill ratio; its words
    and numbers in `language` (settlement names come as the caller names them).

    Pass the same `max_arrivals` to maps shown side by side so their bubbles compare.
    """
    shown = [s for s in settlements if s.arrivals > 0]
    largest = max_arrivals or max((s.arrivals for s in shown), default=1)
    lons, lats = region_outlines(regions_geojson)
    outlines = go.Scattergeo(
        lon=lons, lat=lats, mode="lines", fill="toself", fillcolor="rgba(200,205,215,0.35)",
        line={"color": "#7a8290", "width": 0.8}, hoverinfo="skip", showlegend=False,
        name="regions",
    )  # fmt: skip
    bubbles = go.Scattergeo(
        lon=[s.lon for s in shown],
        lat=[s.lat for s in shown],
        mode="markers",
        name="settlements",
        showlegend=False,
        text=[_bubble_text(s, language) for s in shown],
        hoverinfo="text",
        marker={
            "size": [s.arrivals for s in shown],
            "sizemode": "area",
            "sizeref": 2.0 * max(largest, 1) / MAX_BUBBLE_PX**2,
            "sizemin": 2,
            "color": [min(s.fill_ratio, FILL_SCALE_MAX) for s in shown],
            "cmin": 0.0,
            "cmax": FILL_SCALE_MAX,
            "colorscale": FILL_COLOURS,
            "colorbar": {
                "title": {"text": gettext(language, "fill")},
                "thickness": 12,
                "len": 0.7,
            },
            "line": {"color": "#333", "width": 0.5},
            "opacity": 0.85,
        },
    )
    figure = go.Figure([outlines, bubbles])
    figure.update_geos(
        visible=False, showframe=False, projection_type="mercator",
        lonaxis_range=list(KAZAKHSTAN_LON), lataxis_range=list(KAZAKHSTAN_LAT),
        bgcolor="rgba(0,0,0,0)",
    )  # fmt: skip
    figure.update_layout(
        title={"text": title}, margin={"l": 0, "r": 0, "t": 40, "b": 0}, height=420,
        separators=PLOTLY_SEPARATORS.get(language, PLOTLY_SEPARATORS["en"]),
    )  # fmt: skip
    result: Figure = figure.to_dict()
    return result


def _bubble_text(site: SettlementLoad, language: str) -> str:
    persons = format_decimal(site.arrivals, locale=language)
    fill = format_decimal(site.fill_ratio, format="0.00", locale=language)
    return "<br>".join(
        (
            site.name,
            gettext(language, ARRIVALS) % {"persons": persons},
            gettext(language, FILL_RATIO) % {"fill": fill},
        )
    )


def time_series_figure(
    title: str,
    dates: Sequence[str],
    series: Mapping[str, Sequence[float]],
    y_title: str,
    stacked: bool = False,
    language: str = "en",
) -> Figure:
    """One line (or stacked area) per named series over `dates`, numbers as `language` writes
    them (titles and names come translated)."""
    figure = go.Figure(
        [
            go.Scatter(
                x=list(dates),
                y=list(values),
                name=name,
                mode="lines",
                stackgroup="one" if stacked else None,
            )
            for name, values in series.items()
        ]
    )
    figure.update_layout(
        title={"text": title},
        yaxis={"title": {"text": y_title}, "rangemode": "tozero"},
        margin={"l": 60, "r": 20, "t": 40, "b": 40},
        height=340,
        legend={"orientation": "h", "y": -0.2},
        hovermode="x unified",
        separators=PLOTLY_SEPARATORS.get(language, PLOTLY_SEPARATORS["en"]),
    )
    result: Figure = figure.to_dict()
    return result
