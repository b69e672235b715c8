"""Synthetic arrivals for the demo and load tests: plausible households, clearly fake people."""

from datetime import UTC, date, datetime, timedelta

import numpy as np

from qonaq.registry.iin import make_iin
from qonaq.registry.schemas import OCCUPATION_GROUPS, HouseholdCreate, PersonCreate

GIVEN_F = ("Anna", "Maria", "Elena", "Olga", "Daria", "Irina", "Sofia", "Polina", "Aigerim", "Dana")
GIVEN_M = (
    "Ivan",
    "Pavel",
    "Dmitry",
    "Sergey",
    "Artem",
    "Maxim",
    "Oleg",
    "Nikita",
    "Arman",
    "Timur",
)
FAMILY = (
    "Demo-Ivanov",
    "Demo-Petrov",
    "Demo-Smirnov",
    "Demo-Kuznetsov",
    "Demo-Popov",
    "Demo-Sokolov",
)
# households of 1 to 8 people: most single men and couples in 2022, then families
SIZE_SHARES = np.array([0.40, 0.22, 0.15, 0.11, 0.06, 0.03, 0.02, 0.01])
BIG_CITY_WISH_SHARE = 0.35


def synthetic_households(
    count: int,
    hub_ids: list[str],
    big_city_ids: list[str],
    seed: int = 2022,
) -> list[HouseholdCreate]:
    """`count` valid households arriving at the given hubs; names are marked as demo data."""
    rng = np.random.default_rng(seed)
    today = datetime.now(UTC).date()
    households = []
    serial = 0
    for _ in range(count):
        size = int(rng.choice(len(SIZE_SHARES), p=SIZE_SHARES)) + 1
        family = str(rng.choice(FAMILY))
        members = []
        for index in range(size):
            serial += 1
            members.append(_member(rng, today, family, index, serial))
        wishes: list[str] = []
        if big_city_ids and rng.random() < BIG_CITY_WISH_SHARE:
            wishes = [
                str(w)
                for w in rng.choice(big_city_ids, size=min(2, len(big_city_ids)), replace=False)
            ]
        households.append(
            HouseholdCreate(
                members=members,
                origin_hub_id=str(rng.choice(hub_ids)),
                preferences=wishes,
                language=str(rng.choice(["ru", "kk", "en"], p=[0.8, 0.1, 0.1])),  # type: ignore[arg-type]
            )
        )
    return households


ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def _document_number(serial: int, adult: bool) -> str:
    """A unique number in the real format: foreign passport, or birth certificate."""
    if adult:
        return f"{70 + serial // 10**7 % 30} {serial % 10**7:07d}"
    return f"{ROMAN[serial // 10**6 % 10]}-ДМ {serial % 10**6:06d}"


def _member(
    rng: np.random.Generator, today: date, family: str, index: int, serial: int
) -> PersonCreate:
    # the first two members are adults; the others are mostly children
    adult = index < 2 or rng.random() < 0.2
    age_days = int(rng.integers(18 * 365, 60 * 365) if adult else rng.integers(365, 17 * 365))
    born = today - timedelta(days=age_days)
    sex = "F" if (index == 1 or rng.random() < 0.4) else "M"
    given = str(rng.choice(GIVEN_F if sex == "F" else GIVEN_M))
    iin = make_iin(born, sex, serial % 10000) if adult and rng.random() < 0.3 else None
    return PersonCreate(
        full_name=f"{given} {family}",
        birth_date=born,
        sex=sex,  # type: ignore[arg-type]
        citizenship="RUS",
        document_type="passport" if adult else "birth_certificate",
        document_number=_document_number(serial, adult),
        iin=iin,
        languages=["ru"],
        occupation=str(rng.choice(OCCUPATION_GROUPS)) if adult and rng.random() < 0.7 else None,
        needs_medical=bool(rng.random() < 0.05),
    )
