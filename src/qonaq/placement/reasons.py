"""Why an option was recommended: structured reasons (code + parameters) and their words."""

from dataclasses import dataclass, field

LOCALES: tuple[str, ...] = ("en", "ru", "kk")

TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "distance": "{km} km from {origin}",
        "distance_plain": "{km} km away",
        "housing_fill": "{kind} at {percent} % of its housing capacity",
        "vacancies": "{count} vacancies for {occupation}",
        "preference": "your {ordinal} choice",
        "school_places": "{free} school places left",
        "clinic_places": "{free} clinic places left",
    },
    "ru": {
        "distance": "{km} км от {origin}",
        "distance_plain": "{km} км пути",
        "housing_fill": "{kind}, жильё заполнено на {percent} %",
        "vacancies": "вакансий по профессии «{occupation}»: {count}",
        "preference": "ваш {ordinal} выбор",
        "school_places": "свободных мест в школах: {free}",
        "clinic_places": "свободных мест в поликлиниках: {free}",
    },
    "kk": {
        "distance": "{origin} қаласынан {km} км",
        "distance_plain": "{km} км жол",
        "housing_fill": "{kind}, тұрғын үй {percent} % толған",
        "vacancies": "«{occupation}» мамандығы бойынша {count} бос жұмыс орны",
        "preference": "сіздің {ordinal} таңдауыңыз",
        "school_places": "мектептерде {free} бос орын",
        "clinic_places": "емханаларда {free} бос орын",
    },
}

KIND_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "republic_city": "city of republican status",
        "regional_centre": "regional centre",
        "town": "town",
        "village": "village",
    },
    "ru": {
        "republic_city": "город республиканского значения",
        "regional_centre": "областной центр",
        "town": "город",
        "village": "село",
    },
    "kk": {
        "republic_city": "республикалық маңызы бар қала",
        "regional_centre": "облыс орталығы",
        "town": "қала",
        "village": "ауыл",
    },
}

ORDINALS: dict[str, tuple[str, str, str]] = {
    "en": ("1st", "2nd", "3rd"),
    "ru": ("1-й", "2-й", "3-й"),
    "kk": ("1-ші", "2-ші", "3-ші"),
}


@dataclass(frozen=True)
class Reason:
    """One reason for an option: a code and the numbers and names it speaks of."""

    code: str
    params: dict[str, object] = field(default_factory=dict)


def render(reason: Reason, locale: str = "en") -> str:
    """The reason in plain words in `locale` (en, ru or kk)."""
    if locale not in TEMPLATES:
        raise ValueError(f"unknown locale {locale!r}: use one of {', '.join(LOCALES)}")
    params = dict(reason.params)
    code = reason.code
    if code == "distance" and not params.get("origin"):
        code = "distance_plain"
    if "kind" in params:
        params["kind"] = KIND_NAMES[locale].get(str(params["kind"]), str(params["kind"]))
    if "rank" in params:
        params["ordinal"] = ORDINALS[locale][int(str(params["rank"])) - 1]
    if code not in TEMPLATES[locale]:
        raise ValueError(f"unknown reason code {reason.code!r}")
    return TEMPLATES[locale][code].format(**params)


def render_all(reasons: tuple[Reason, ...] | list[Reason], locale: str = "en") -> str:
    """All reasons of an option joined with ' · ', as shown at the desk."""
    return " · ".join(render(reason, locale) for reason in reasons)
