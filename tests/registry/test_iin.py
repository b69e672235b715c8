"""The IIN check digit and the facts an IIN encodes."""

from datetime import date

import pytest

from qonaq.registry.iin import InvalidIIN, check_digit, make_iin, parse_iin


def test_a_known_valid_iin_parses() -> None:
    # weights 1..11 over 90051730001: 9 + 20 + 5 + 42 + 21 + 11 = 108, and 108 % 11 = 9
    assert check_digit("90051730001") == 9
    facts = parse_iin("900517300019")
    assert facts.birth_date == date(1990, 5, 17) and facts.sex == "M"


def test_second_weight_sequence_is_used_when_the_first_gives_ten() -> None:
    # the first sum of these eleven digits is 10 mod 11, so the second weights decide
    first_eleven = next(
        f"{n:011d}" for n in range(10**10, 10**10 + 10**6)
        if sum(int(d) * w for d, w in zip(f"{n:011d}", range(1, 12), strict=True)) % 11 == 10
    )  # fmt: skip
    second = (
        sum(
            int(d) * w
            for d, w in zip(first_eleven, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2), strict=True)
        )
        % 11
    )
    assert check_digit(first_eleven) == (None if second == 10 else second)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("90051730001", "12 digits"),
        ("9005173000١9", "12 digits"),
        ("900517900019", "7th digit"),
        ("901317300019", "birth date"),
        ("900517300018", "check digit"),
    ],
)
def test_bad_iins_say_why(text: str, message: str) -> None:
    with pytest.raises(InvalidIIN, match=message):
        parse_iin(text)


def test_made_iins_round_trip() -> None:
    for serial in range(0, 200):
        iin = make_iin(date(2015, 2, 28), "F", serial)
        if iin is not None:
            facts = parse_iin(iin)
            assert facts.birth_date == date(2015, 2, 28) and facts.sex == "F"
