"""Why an option was recommended: structured reasons (code + parameters) and their words.

The words live in the Babel catalogs (`qonaq/locale`), like every other user-facing string,
so a translator finds them beside the rest of the interface.
"""

from dataclasses import dataclass, field

from qonaq.i18n import LANGUAGES, N_, gettext

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
