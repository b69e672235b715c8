"""Ranking offers for a request: kind, distance, availability, what is left — with reasons.

Pure: it reads plain records and returns ranked matches; the service loads and stores.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from qonaq.geo.distance import great_circle_km
from qonaq.i18n import N_, gettext
from qonaq.placement.reasons import Reason

# an offer starting within this long of now counts as available now
AVAILABLE_SOON = timedelta(hours=2)
# how soon each urgency needs help: an offer starting later ranks below one that is in time
NEEDED_WITHIN = {"today": timedelta(hours=24), "days": timedelta(days=3), "week": timedelta(days=7)}

REASON_WORDS: dict[str, str] = {
    "same_kind": N_("offers exactly this kind of help"),
    "other_kind": N_("a general offer, not of this kind"),
    "distance": N_("%(km)s km away, within its %(radius)s km"),
    "available_now": N_("available now"),
    "available_from": N_("available from %(date)s"),
    "too_late": N_("starts later than needed (%(date)s)"),
    "until": N_("until %(date)s"),
    "covers_all": N_("%(remaining)s left: covers all %(needed)s"),
    "covers_part": N_("%(remaining)s left: covers %(remaining)s of %(needed)s"),
}


@dataclass(frozen=True)
class Need:
    """What a request still needs, where and how soon."""

    kind: str
    urgency: str
    lat: float
    lon: float
    # the quantity not yet promised
    open_quantity: int


@dataclass(frozen=True)
class Supply:
    """An active offer as matching sees it."""

    offer_id: int
    kind: str
    lat: float
    lon: float
    radius_km: float
    remaining: int
    available_from: datetime
    available_until: datetime | None


@dataclass(frozen=True)
class Match:
    """An offer suggested for a request, its rank key and its reasons."""

    offer_id: int
    distance_km: float
    reasons: tuple[Reason, ...]
    key: tuple[int, int, int, float, int]


def rank_offers(need: Need, supplies: list[Supply], now: datetime) -> list[Match]:
    """The offers that can serve `need`, best first: same kind, in time, covering it, nearest.

    An offer qualifies when it is of the kind (or 'other'), has something left, has not
    ended, and the request lies within its radius. Ties go to the older offer (lower id).
    """
    matches = []
    for supply in supplies:
        km = great_circle_km(need.lat, need.lon, supply.lat, supply.lon)
        if not _qualifies(need, supply, km, now):
            continue
        reasons, key = _judge(need, supply, km, now)
        matches.append(Match(supply.offer_id, km, reasons, key))
    return sorted(matches, key=lambda m: (m.key, m.offer_id))


def _qualifies(need: Need, supply: Supply, km: float, now: datetime) -> bool:
    return (
        supply.kind in (need.kind, "other")
        and supply.remaining > 0
        and (supply.available_until is None or supply.available_until > now)
        and km <= supply.radius_km
    )


def _judge(
    need: Need, supply: Supply, km: float, now: datetime
) -> tuple[tuple[Reason, ...], tuple[int, int, int, float, int]]:
    same_kind = supply.kind == need.kind
    reasons = [Reason("same_kind" if same_kind else "other_kind")]
    reasons.append(Reason("distance", {"km": round(km), "radius": round(supply.radius_km)}))
    late = 0
    if supply.available_from <= now + AVAILABLE_SOON:
        reasons.append(Reason("available_now"))
    elif supply.available_from <= now + NEEDED_WITHIN.get(need.urgency, timedelta(days=3)):
        reasons.append(Reason("available_from", {"date": supply.available_from}))
        late = 1
    else:
        reasons.append(Reason("too_late", {"date": supply.available_from}))
        late = 2
    if supply.available_until is not None:
        reasons.append(Reason("until", {"date": supply.available_until}))
    covers = supply.remaining >= need.open_quantity
    counts: dict[str, object] = {"remaining": supply.remaining, "needed": need.open_quantity}
    reasons.append(Reason("covers_all" if covers else "covers_part", counts))
    key = (0 if same_kind else 1, late, 0 if covers else 1, round(km, 1), -supply.remaining)
    return tuple(reasons), key


def reason_words(reason: Reason, language: str) -> str:
    """One reason in plain words in `language`; dates as day.month hour:minute UTC."""
    params = {
        name: f"{value:%d.%m %H:%M} UTC" if isinstance(value, datetime) else value
        for name, value in reason.params.items()
    }
    text = gettext(language, REASON_WORDS[reason.code])
    return text % params if params else text
