"""The kk, ru and en catalogs translate every string the source marks, keep its placeholders,
and are not an untranslated copy of the English."""

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from qonaq.i18n import LANGUAGES, LOCALE_DIR, translations
from qonaq.registry.schemas import OCCUPATION_GROUPS
from qonaq.web.vocabulary import KIND_WORDS, ROLE_WORDS, SOURCE_WORDS, STATUS_WORDS

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "qonaq"  # babel.cfg paths are relative to it, as in `make messages`
# the keywords of `make messages`: Babel's defaults, gettext(language, message), N_(message)
KEYWORDS = {**DEFAULT_KEYWORDS, "gettext": (2,), "N_": None}
PLURAL_FORMS = {
    "kk": (2, "(n!=1)"),
    "ru": (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    "en": (2, "(n != 1)"),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
MIN_TRANSLATED_SHARE = 0.9
CODES = (*ROLE_WORDS, *STATUS_WORDS, *KIND_WORDS, *SOURCE_WORDS, *OCCUPATION_GROUPS)


@cache
def extracted() -> dict[str, tuple[str, ...]]:
    """Every message the source marks for translation today: singular id -> all its ids."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(SOURCE), method_map, options_map, keywords=KEYWORDS
    ):
        ids = (message,) if isinstance(message, str) else tuple(message)
        found[ids[0]] = ids
    return found


@cache
def catalog(language: str) -> Catalog:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po_file:
        return read_po(po_file, locale=language)


def strings(language: str, msgid: str) -> tuple[str, ...]:
    message = catalog(language).get(msgid)
    if message is None:
        return ()
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_the_source_marks_strings_in_templates_and_python() -> None:
    ids = extracted()
    assert len(ids) > 100
    assert "Register a household" in ids  # a template
    assert "Wrong username or password." in ids  # gettext(language, message) in Python
    assert "no_show" in ids  # N_() in qonaq.web.vocabulary


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_header_is_final_with_the_language_and_its_plural_forms(language: str) -> None:
    header = catalog(language)
    assert not header.fuzzy
    assert str(header.locale) == language
    assert (header.num_plurals, header.plural_expr) == PLURAL_FORMS[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_translated_and_not_fuzzy(language: str) -> None:
    untranslated, fuzzy = [], []
    for msgid in extracted():
        message = catalog(language).get(msgid)
        if message is None or not all(s.strip() for s in strings(language, msgid)):
            untranslated.append(msgid)
        elif message.fuzzy:
            fuzzy.append(msgid)
    assert untranslated == [], f"{language}: run `make messages` and translate {untranslated}"
    assert fuzzy == [], f"{language}: check and unmark the fuzzy entries {fuzzy}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_entries_have_every_form_of_the_language(language: str) -> None:
    for msgid, ids in extracted().items():
        if len(ids) > 1:
            assert len(strings(language, msgid)) == catalog(language).num_plurals, msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_and_literal_percent_signs(language: str) -> None:
    for msgid, ids in extracted().items():
        names = set().union(*(placeholders(i) for i in ids))
        for text in strings(language, msgid):
            assert placeholders(text) == names, f"{language}: {msgid!r} -> {text!r}"
            if names:  # %-formatted where shown: a literal % must stay %%
                assert text.count("%%") == msgid.count("%%"), f"{language}: {text!r}"
                text % dict.fromkeys(names, "1")  # raises on a broken placeholder or lone %


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_kazakh_and_russian_are_not_a_copy_of_the_english(language: str) -> None:
    ids = list(extracted())
    same = [m for m in ids if all(s == m for s in strings(language, m))]
    assert len(ids) - len(same) >= MIN_TRANSLATED_SHARE * len(ids), f"{language}: {same}"


def test_kazakh_is_written_with_kazakh_letters_not_a_copy_of_the_russian() -> None:
    ids = [m for m in extracted() if catalog("kk").get(m) is not None]
    kazakh = [m for m in ids if KAZAKH_LETTERS & set("".join(strings("kk", m)))]
    assert len(kazakh) >= len(ids) / 2
    like_russian = [m for m in ids if strings("kk", m) == strings("ru", m)]
    assert len(ids) - len(like_russian) >= MIN_TRANSLATED_SHARE * len(ids), like_russian


@pytest.mark.parametrize("language", LANGUAGES)
def test_codes_shown_through_the_catalog_read_as_words(language: str) -> None:
    for code in CODES:
        text = gettext_via_app(language, code)
        assert "_" not in text, f"{language}: {code} -> {text}"
    if language == "en":
        assert gettext_via_app("en", "no_show") == "did not come"
        assert gettext_via_app("en", "republic_city") == "city of republican status"
        assert gettext_via_app("en", "it") == "IT"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_app_serves_the_catalog_strings(language: str) -> None:
    for msgid, ids in extracted().items():
        if len(ids) == 1:
            assert gettext_via_app(language, msgid) == strings(language, msgid)[0]


def gettext_via_app(language: str, message: str) -> str:
    """`message` as the pages show it (the catalog compiled by qonaq.i18n)."""
    return translations(language).gettext(message)
