"""Translations: Babel catalogs for Kazakh, Russian and English, read from the shipped .po files."""

import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

LANGUAGES: tuple[str, ...] = ("kk", "ru", "en")
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
DEFAULT_LANGUAGE = "ru"
LOCALE_DIR = Path(__file__).parent / "locale"


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    """The compiled catalog of `language` (English is the source language)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language not in LANGUAGES or not path.exists():
        return NullTranslations()
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def gettext(language: str, message: str) -> str:
    """`message` in `language`."""
    return translations(language).gettext(message)


def pick_language(*candidates: str | None) -> str:
    """The first supported language among the candidates, else the default."""
    for candidate in candidates:
        if candidate:
            code = candidate.split(",")[0].split("-")[0].strip().lower()[:2]
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE


def N_(message: str) -> str:  # noqa: N802 - the conventional name extractors look for
    """Mark `message` for translation where it is defined; it is translated where shown."""
    return message


def number(value: float, language: str) -> str:
    """A whole number as the reader writes it: 1 234 567 in kk and ru, 1,234,567 in en."""
    return format_decimal(round(value), locale=language)


def signed(value: float, language: str) -> str:
    """A whole number with its sign, +1 234 or -56, as the reader writes it."""
    return format_decimal(round(value), "+#,##0;-#,##0", locale=language)


def percent(share: float, language: str) -> str:
    """A share as a percentage with two decimals, in the reader's notation."""
    return format_percent(share, "#,##0.00%", locale=language)
