"""Why an option was recommended: structured reasons (code + parameters) and their words.

The words live in the Babel catalogs (`qonaq/locale`), like every other user-facing string,
so a translator finds them beside the rest of the interface.
"""

from dataclasses import dataclass, field

from qonaq.geo.settlements_file import SettlementRecord
from qonaq.i18n import LANGUAGES, N_, gettext
from qonaq.placement.model import effective_persons_capacity, is_eligible
from qonaq.placement.policy import Policy

LOCALES: tuple[str, ...] = LANGUAGES

MESSAGES: dict[str, str] = {
    "distance": N_("%(km)s km from %(origin)s"),
    "distance_plain": N_("%(km)s km away"),
    "housing_fill": N_("%(kind)s at %(percent)s %% of its housing capacity"),
    "vacancies": N_("%(count)s vacancies for %(occupation)s"),
    "school_places": N_("%(free)s school places left"),
    "clinic_places": N_("%(free)s clinic places left"),
}
CHOICES: tuple[str, str, str] = (
    N_("your 1st choice"),
    N_("your 2nd choice"),
    N_("your 3rd choice"),
)


@dataclass(frozen=True)
class Reason:
    """One reason for an option: a code and the numbers and names it speaks of."""

    code: str
    params: dict[str, object] = field(default_factory=dict)


def render(reason: Reason, locale: str = "en") -> str:
    """The reason in plain words in `locale` (en, ru or kk)."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}: use one of {', '.join(LOCALES)}")
    params = dict(reason.params)
    if reason.code == "preference":
        return gettext(locale, CHOICES[int(str(params["rank"])) - 1])
    code = reason.code
    if code == "distance" and not params.get("origin"):
        code = "distance_plain"
    if code not in MESSAGES:
        raise ValueError(f"unknown reason code {reason.code!r}")
    # kinds and occupation groups are catalog words too ("town" → «город»)
    for word in ("kind", "occupation"):
        if word in params:
            params[word] = gettext(locale, str(params[word]))
    return gettext(locale, MESSAGES[code]) % params


def render_all(reasons: tuple[Reason, ...] | list[Reason], locale: str = "en") -> str:
    """All reasons of an option joined with ' · ', as shown at the desk."""
    return " · ".join(render(reason, locale) for reason in reasons)


def from_origin(reasons: tuple[Reason, ...], origin: str) -> list[Reason]:
    """The reasons with the distance measured from `origin` in words (the hub or PSC city)."""
    return [
        Reason(r.code, {**r.params, "origin": origin}) if r.code == "distance" else r
        for r in reasons
    ]


def plain_params(params: dict[str, object]) -> dict[str, float | int | str]:
    """A reason's values as numbers and strings, as an API answer carries them."""
    return {k: v if isinstance(v, int | float | str) else str(v) for k, v in params.items()}


# why a wished settlement is not among the options, checked in this order
WISH_WORDS = {
    "closed": N_("%(name)s: closed to new placements"),
    "ineligible": N_("%(name)s: not eligible under the placement policy"),
    "policy_cap": N_("%(name)s: beyond the policy's cap for a place of its size"),
    "full": N_("%(name)s: full"),
    "full_children": N_("%(name)s: full for children"),
    "full_medical": N_("%(name)s: no places left for medical care"),
    "ranked_lower": N_("%(name)s: has room, but three settlements ranked better"),
}


def why_not(
    record: SettlementRecord, size: int, children: int, medical: int, policy: Policy
) -> str:
    """The WISH_WORDS key of why a household of these counts was not offered `record`."""
    if not record.open:
        return "closed"
    if not is_eligible(record, policy):
        return "ineligible"
    persons_after = record.load_persons + size
    if persons_after > record.cap_persons:
        return "full"
    if persons_after > effective_persons_capacity(record, policy):
        return "policy_cap"
    if children and record.load_children + children > record.cap_children:
        return "full_children"
    if medical and record.load_medical + medical > record.cap_medical:
        return "full_medical"
    return "ranked_lower"
