"""Household types: identical households (origin, needs, workers, wishes) counted once."""

from dataclasses import dataclass

import numpy as np

from qonaq.placement.model import FloatArray, IntArray, PlacementProblem


@dataclass(frozen=True)
class HouseholdTypes:
    """Distinct households with their counts; `of_household[h]` is household h's type."""

    of_household: IntArray  # (H,)
    count: IntArray  # (T,)
    origin: IntArray  # (T,) index into origin_lat / origin_lon
    origin_lat: FloatArray  # (O,)
    origin_lon: FloatArray  # (O,)
    demand: IntArray  # (T, 3)
    workers: IntArray  # (T, G)
    preferences: IntArray  # (T, 3)

    @property
    def size(self) -> IntArray:
        """Persons per household of each type."""
        result: IntArray = self.demand[:, 0]
        return result


def household_types(problem: PlacementProblem) -> HouseholdTypes:
    """Group households that no cost term or constraint can tell apart."""
    origins = np.stack([problem.origin_lat, problem.origin_lon], axis=1)
    unique_origins, origin_of = unique_rows(origins)
    key = np.concatenate(
        [origin_of.reshape(-1, 1), problem.demand, problem.workers, problem.preferences], axis=1
    )
    rows, of_household = unique_rows(key)
    count = np.bincount(of_household, minlength=len(rows))
    groups = problem.workers.shape[1]
    return HouseholdTypes(
        of_household=of_household,
        count=count.astype(np.int64),
        origin=rows[:, 0].astype(np.int64),
        origin_lat=unique_origins[:, 0].copy(),
        origin_lon=unique_origins[:, 1].copy(),
        demand=rows[:, 1:4].astype(np.int64),
        workers=rows[:, 4 : 4 + groups].astype(np.int64),
        preferences=rows[:, 4 + groups :].astype(np.int64),
    )


def plain_types(types: HouseholdTypes) -> HouseholdTypes:
    """The types merged across workers and wishes, one per origin and demand: the
    households as travel, congestion and needs alone tell them apart."""
    key = np.concatenate([types.origin[:, None], types.demand], axis=1)
    rows, of_type = unique_rows(key)
    return HouseholdTypes(
        of_household=of_type[types.of_household],
        count=np.bincount(of_type, weights=types.count, minlength=len(rows)).astype(np.int64),
        origin=rows[:, 0].astype(np.int64),
        origin_lat=types.origin_lat,
        origin_lon=types.origin_lon,
        demand=rows[:, 1:].astype(np.int64),
        workers=np.zeros((len(rows), types.workers.shape[1]), dtype=np.int64),
        preferences=np.full((len(rows), types.preferences.shape[1]), -1, dtype=np.int64),
    )


def unique_rows(table: np.ndarray) -> tuple[np.ndarray, IntArray]:
    """The distinct rows in lexicographic order and each row's place among them: what
    np.unique(axis=0) gives, by one sort of few keys (several times faster on a million rows)."""
    if len(table) == 0:
        return table[:0], np.empty(0, dtype=np.int64)
    # packing pays on long tables; on short ones its per-column steps cost more than it saves
    short = len(table) < PACKED_MIN_ROWS and table.shape[1] > 0
    keys = list(table.T) if short else packed_columns(table)
    order = np.argsort(keys[0], kind="stable") if len(keys) == 1 else np.lexsort(keys[::-1])
    ordered = np.stack([key[order] for key in keys], axis=1)
    starts = np.r_[True, np.any(ordered[1:] != ordered[:-1], axis=1)]
    of_row = np.empty(len(table), dtype=np.int64)
    of_row[order] = np.cumsum(starts) - 1
    return table[order[starts]], of_row


# an integer key packs columns while the product of their ranges stays below this
PACKED_SPAN = 2**62
# tables shorter than this are sorted column by column as they are
PACKED_MIN_ROWS = 4096


def packed_columns(table: np.ndarray) -> list[np.ndarray]:
    """The table's columns with runs of integer columns packed into one int64 key each (mixed
    radix over each column's range), in the same lexicographic order: a household's eleven
    columns sort as two or three keys."""
    if not np.issubdtype(table.dtype, np.integer):
        return [table[:, column] for column in range(table.shape[1])]
    low, high = table.min(axis=0).tolist(), table.max(axis=0).tolist()
    keys: list[np.ndarray] = []
    key, product = np.zeros(len(table), dtype=np.int64), 1
    for column in range(table.shape[1]):
        span = high[column] - low[column] + 1
        if product * span >= PACKED_SPAN:
            keys.append(key)
            key, product = np.zeros(len(table), dtype=np.int64), 1
        if span >= PACKED_SPAN:
            # a column too wide to shift into int64 keeps its own values
            keys.append(table[:, column])
            continue
        key *= span
        key += (table[:, column] - low[column]).astype(np.int64)
        product *= span
    keys.append(key)
    return keys
