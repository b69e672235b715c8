"""The placement problem in arrays: settlements with capacities, households with demands."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import overload

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qonaq.geo.settlements_file import MAX_COUNT, SettlementRecord
from qonaq.placement.policy import Policy

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

DIMENSIONS: tuple[str, ...] = ("persons", "children", "medical")
PERSONS, CHILDREN, MEDICAL = 0, 1, 2
UNPLACED = -1


class HouseholdRecord(BaseModel):
    """One household to place: its size, needs, where it is now, its workers and wishes."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    id: str = Field(min_length=1, max_length=64)
    size: int = Field(ge=1, le=100)
    children: int = Field(default=0, ge=0)
    medical: int = Field(default=0, ge=0)
    origin_lat: float = Field(ge=-90, le=90)
    origin_lon: float = Field(ge=-180, le=180)
    # one occupation group per working-age member, e.g. ("it", "it", "driver")
    occupations: tuple[str, ...] = ()
    # preferred settlement ids, best first
    preferences: tuple[str, ...] = ()

    @field_validator("occupations", "preferences", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(";") if part.strip())
        return value

    @model_validator(mode="after")
    def _within_size(self) -> "HouseholdRecord":
        if self.children > self.size:
            raise ValueError("children cannot exceed size")
        if self.medical > self.size:
            raise ValueError("medical cannot exceed size")
        if len(self.occupations) > self.size:
            raise ValueError("more occupations than members")
        if len(self.preferences) > 3:
            raise ValueError("at most three preferences")
        return self


class VacancyRecord(BaseModel):
    """Open jobs of one occupation group in one settlement."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    settlement_id: str = Field(min_length=1, max_length=64)
    occupation: str = Field(min_length=1, max_length=64)
    vacancies: int = Field(ge=0, le=MAX_COUNT)


@dataclass(frozen=True)
class PlacementProblem:
    """Everything the solver and the cost functions read, as arrays indexed s (settlement), h, g."""

    policy: Policy
    settlement_ids: tuple[str, ...]
    settlement_names: tuple[str, ...]
    kinds: tuple[str, ...]
    lat: FloatArray  # (S,)
    lon: FloatArray  # (S,)
    population: IntArray  # (S,)
    eligible: BoolArray  # (S,) open and passing the policy filters
    capacity: IntArray  # (S, 3) after policy caps
    load: IntArray  # (S, 3) already placed
    occupations: tuple[str, ...]  # groups that have vacancies somewhere
    vacancies: IntArray  # (S, G)
    household_ids: tuple[str, ...]
    demand: IntArray  # (H, 3) persons, children, medical
    workers: IntArray  # (H, G)
    origin_lat: FloatArray  # (H,)
    origin_lon: FloatArray  # (H,)
    preferences: IntArray  # (H, 3) settlement index, -1 for none

    @property
    def remaining(self) -> IntArray:
        """Room left in every settlement and dimension (0 where already overfull or ineligible)."""
        room = np.maximum(self.capacity - self.load, 0)
        room[~self.eligible] = 0
        return room


def effective_persons_capacity(record: SettlementRecord, policy: Policy) -> int:
    """Declared persons capacity, lowered by the policy's population-share cap for its kind."""
    share = policy.max_share_of_population.get(record.kind)
    if share is None:
        return record.cap_persons
    # a tiny epsilon keeps floor(0.002 * 500000) at 1000 despite binary fractions
    return min(record.cap_persons, math.floor(share * record.population + 1e-9))


def is_eligible(record: SettlementRecord, policy: Policy) -> bool:
    """Open and passing every eligibility filter of the policy."""
    rules = policy.eligibility
    return (
        record.open
        and record.id not in rules.closed_ids
        and record.kind not in rules.excluded_kinds
        and record.population >= rules.min_population
        and record.population >= rules.min_population_by_kind.get(record.kind, 0)
    )


@dataclass(frozen=True, eq=False)
class HouseholdTable(Sequence[HouseholdRecord]):
    """Households as columns (a million rows without a million objects); indexing or
    iterating gives HouseholdRecords, built only when asked for."""

    ids: tuple[str, ...]
    demand: IntArray  # (H, 3) size, children, medical
    origin_lat: FloatArray  # (H,)
    origin_lon: FloatArray  # (H,)
    occupations: Sequence[tuple[str, ...]]
    preferences: Sequence[tuple[str, ...]]

    @classmethod
    def of(cls, households: Sequence[HouseholdRecord]) -> "HouseholdTable":
        """The columns of already validated records."""
        if isinstance(households, HouseholdTable):
            return households
        return cls(
            ids=tuple(h.id for h in households),
            demand=np.array(
                [(h.size, h.children, h.medical) for h in households], dtype=np.int64
            ).reshape(-1, 3),
            origin_lat=np.array([h.origin_lat for h in households], dtype=np.float64),
            origin_lon=np.array([h.origin_lon for h in households], dtype=np.float64),
            occupations=[h.occupations for h in households],
            preferences=[h.preferences for h in households],
        )

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> HouseholdRecord: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[HouseholdRecord]: ...

    def __getitem__(self, index: int | slice) -> HouseholdRecord | Sequence[HouseholdRecord]:
        if isinstance(index, slice):
            return [self[h] for h in range(*index.indices(len(self)))]
        size, children, medical = (int(x) for x in self.demand[index])
        # the columns were validated as a whole when the table was made
        return HouseholdRecord.model_construct(
            id=self.ids[index], size=size, children=children, medical=medical,
            origin_lat=float(self.origin_lat[index]), origin_lon=float(self.origin_lon[index]),
            occupations=self.occupations[index], preferences=self.preferences[index],
        )  # fmt: skip


def build_problem(
    settlements: Sequence[SettlementRecord],
    households: Sequence[HouseholdRecord],
    vacancies: Sequence[VacancyRecord],
    policy: Policy,
) -> PlacementProblem:
    """Turn records into the array model; ValueError when a record names an unknown settlement."""
    index = {record.id: s for s, record in enumerate(settlements)}
    occupations = tuple(sorted({v.occupation for v in vacancies if v.vacancies > 0}))
    group = {name: g for g, name in enumerate(occupations)}
    vacancy_matrix = np.zeros((len(settlements), len(occupations)), dtype=np.int64)
    for vacancy in vacancies:
        if vacancy.settlement_id not in index:
            raise ValueError(f"vacancies name unknown settlement {vacancy.settlement_id!r}")
        if vacancy.vacancies > 0:
            vacancy_matrix[index[vacancy.settlement_id], group[vacancy.occupation]] += (
                vacancy.vacancies
            )
    capacity = np.array(
        [
            (effective_persons_capacity(r, policy), r.cap_children, r.cap_medical)
            for r in settlements
        ],
        dtype=np.int64,
    ).reshape(-1, 3)
    load = np.array(
        [(r.load_persons, r.load_children, r.load_medical) for r in settlements], dtype=np.int64
    ).reshape(-1, 3)
    table = HouseholdTable.of(households)
    return PlacementProblem(
        policy=policy,
        settlement_ids=tuple(r.id for r in settlements),
        settlement_names=tuple(r.name for r in settlements),
        kinds=tuple(r.kind for r in settlements),
        lat=np.array([r.lat for r in settlements], dtype=np.float64),
        lon=np.array([r.lon for r in settlements], dtype=np.float64),
        population=np.array([r.population for r in settlements], dtype=np.int64),
        eligible=np.array([is_eligible(r, policy) for r in settlements], dtype=np.bool_),
        capacity=capacity,
        load=load,
        occupations=occupations,
        vacancies=vacancy_matrix,
        household_ids=table.ids,
        demand=table.demand.copy(),
        workers=worker_matrix(table.occupations, group),
        origin_lat=table.origin_lat.copy(),
        origin_lon=table.origin_lon.copy(),
        preferences=preference_matrix(table, index),
    )


def worker_matrix(occupations: Sequence[tuple[str, ...]], group: dict[str, int]) -> IntArray:
    """(H, G) workers per occupation group; groups with no vacancy anywhere are not counted."""
    lengths = np.fromiter((len(o) for o in occupations), dtype=np.int64, count=len(occupations))
    codes = np.array(
        [group.get(name, -1) for name in chain.from_iterable(occupations)], dtype=np.int64
    )
    rows = np.repeat(np.arange(len(occupations)), lengths)
    counted = codes >= 0
    workers = np.zeros((len(occupations), len(group)), dtype=np.int64)
    np.add.at(workers, (rows[counted], codes[counted]), 1)
    return workers


def preference_matrix(table: HouseholdTable, index: dict[str, int]) -> IntArray:
    """(H, 3) settlement index of each wish, -1 for none; a repeated wish keeps its best rank."""
    preferences = np.full((len(table), 3), UNPLACED, dtype=np.int64)
    for rank in range(3):
        holders = [h for h, wishes in enumerate(table.preferences) if len(wishes) > rank]
        where = []
        for h in holders:
            wish = table.preferences[h][rank]
            if wish not in index:
                raise ValueError(f"household {table.ids[h]!r} prefers unknown settlement {wish!r}")
            where.append(index[wish])
        preferences[holders, rank] = where
    for rank in (1, 2):
        repeated = np.any(preferences[:, [rank]] == preferences[:, :rank], axis=1)
        preferences[repeated, rank] = UNPLACED
    return preferences
