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
    unique_origins, origin_of = np.unique(origins, axis=0, return_inverse=True)
    key = np.concatenate(
        [origin_of.reshape(-1, 1), problem.demand, problem.workers, problem.preferences], axis=1
    )
    rows, of_household, count = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    groups = problem.workers.shape[1]
    return HouseholdTypes(
        of_household=of_household.reshape(-1).astype(np.int64),
        count=count.astype(np.int64),
        origin=rows[:, 0].astype(np.int64),
        origin_lat=unique_origins[:, 0].copy(),
        origin_lon=unique_origins[:, 1].copy(),
        demand=rows[:, 1:4].astype(np.int64),
        workers=rows[:, 4 : 4 + groups].astype(np.int64),
        preferences=rows[:, 4 + groups :].astype(np.int64),
    )
