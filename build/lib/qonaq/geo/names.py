"""Choosing a place's English, Russian and Kazakh names from GeoNames' untagged alternate names."""

import difflib
import itertools
import re
import unicodedata

# letters of the Kazakh Cyrillic alphabet that Russian lacks
KAZAKH_ONLY = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
RUSSIAN_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
NAME_PUNCTUATION = frozenset(" -'’.()")
RUSSIAN_CONSONANTS = frozenset("бвгджзклмнпрстфхцчшщБВГДЖЗКЛМНПРСТФХЦЧШЩ")
# "Село Касыма Кайсенова", "Разъезд Белкуль": the place type is not part of the name
PLACE_TYPE_PREFIX = re.compile(r"^(село|посёлок|поселок|разъезд|станция|аул)\s+", re.IGNORECASE)
# below this likeness to the English name a Russian candidate is another (often Soviet) name
MIN_RUSSIAN_LIKENESS = 0.5

_CYRILLIC_TO_LATIN = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya", "ә": "a", "ғ": "gh", "қ": "q", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u",
        "һ": "h", "і": "i",
    }
)  # fmt: skip

# Latin letters GeoNames uses that NFKD does not fold to ASCII
_LATIN_EXTRA = str.maketrans({"ı": "i", "ə": "a", "Ə": "A", "’": "", "ʼ": "", "‘": ""})


def english_name(geonames_name: str) -> str:
    """GeoNames' name folded to plain ASCII letters (Äūlīeköl -> Auliekol, Akkol’ -> Akkol)."""
    decomposed = unicodedata.normalize("NFKD", geonames_name.translate(_LATIN_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def is_kazakh(name: str) -> bool:
    """A Cyrillic name written in the Kazakh alphabet with at least one Kazakh-only letter."""
    letters = [c for c in name if c not in NAME_PUNCTUATION]
    allowed = all(c in RUSSIAN_LETTERS or c in KAZAKH_ONLY for c in letters)
    return bool(letters) and allowed and any(c in KAZAKH_ONLY for c in letters)


def is_russian(name: str) -> bool:
    """A name in Russian letters only, with no й after a consonant (Tajik-style "Мунайшй")."""
    letters = [c for c in name if c not in NAME_PUNCTUATION]
    pairs = itertools.pairwise(name)
    after_consonant = any(b in "йЙ" and a in RUSSIAN_CONSONANTS for a, b in pairs)
    return bool(letters) and all(c in RUSSIAN_LETTERS for c in letters) and not after_consonant


def _romanised(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower().translate(_CYRILLIC_TO_LATIN))


def likeness(name: str, english: str) -> float:
    """How much a Cyrillic name, romanised, looks like the English name (0 to 1)."""
    target = re.sub(r"[^a-z]", "", english_name(english).lower())
    return difflib.SequenceMatcher(None, _romanised(name), target).ratio()


def _closest(candidates: list[str], english: str) -> str:
    # the alternate that sounds most like the English name is the current one, not a Soviet one
    return min(candidates, key=lambda name: (-likeness(name, english), name))


def russian_and_kazakh(english: str, alternates: list[str]) -> tuple[str, str]:
    """The Russian and Kazakh names among `alternates`; the English name when none is found.

    Russian: of the names in Russian letters only, the one closest to the English name,
    if it is at least MIN_RUSSIAN_LIKENESS alike; else the Kazakh name; else the English one.
    Kazakh: of the names with Kazakh-only letters, the closest; else the Russian name
    (many Kazakh names, e.g. Астана, Павлодар, need no Kazakh-only letter).
    """
    names = sorted({PLACE_TYPE_PREFIX.sub("", n).strip() for n in alternates})
    russian = [n for n in names if is_russian(n)]
    kazakh = [n for n in names if is_kazakh(n)]
    name_ru = _closest(russian, english) if russian else ""
    if name_ru and likeness(name_ru, english) < MIN_RUSSIAN_LIKENESS:
        name_ru = ""
    name_kk = _closest(kazakh, english) if kazakh else name_ru
    name_ru = name_ru or name_kk or english_name(english)
    return name_ru, name_kk or name_ru
