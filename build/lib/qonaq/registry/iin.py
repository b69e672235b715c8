"""The Kazakh individual identification number (IIN): structure and check digit."""

from dataclasses import dataclass
from datetime import date

from qonaq.i18n import N_

FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
# used when the first sum gives 10, as the standard prescribes
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
CENTURY_BY_DIGIT = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


class InvalidIIN(ValueError):
    """The text is not a valid IIN; the message says why."""


@dataclass(frozen=True)
class IINFacts:
    """What an IIN encodes about its holder."""

    birth_date: date
    sex: str


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for these 11 digits, or None when no valid IIN can end them."""
    digits = [int(c) for c in first_eleven]
    for weights in (FIRST_WEIGHTS, SECOND_WEIGHTS):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def parse_iin(text: str) -> IINFacts:
    """Validate an IIN and return the birth date and sex it encodes; InvalidIIN if not valid."""
    if len(text) != 12 or not text.isascii() or not text.isdigit():
        raise InvalidIIN(N_("an IIN has exactly 12 digits"))
    century = CENTURY_BY_DIGIT.get(int(text[6]))
    if century is None:
        raise InvalidIIN(N_("the 7th digit of an IIN (century and sex) must be 1 to 6"))
    try:
        born = date(century + int(text[0:2]), int(text[2:4]), int(text[4:6]))
    except ValueError as exc:
        raise InvalidIIN(N_("the first six digits of an IIN must be a birth date YYMMDD")) from exc
    if check_digit(text[:11]) != int(text[11]):
        raise InvalidIIN(N_("the check digit of this IIN is wrong (a typing error?)"))
    return IINFacts(birth_date=born, sex="M" if int(text[6]) % 2 == 1 else "F")


def make_iin(birth_date: date, sex: str, serial: int) -> str | None:
    """A valid IIN for these facts and a 4-digit serial, or None if no check digit fits."""
    century_digit = {1800: 1, 1900: 3, 2000: 5}[birth_date.year // 100 * 100] + (sex == "F")
    first = f"{birth_date:%y%m%d}{century_digit}{serial:04d}"
    digit = check_digit(first)
    return None if digit is None else first + str(digit)
