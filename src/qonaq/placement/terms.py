"""The model's per-settlement cost terms in one place, for every path that prices a move:
the congestion bands, the congestion of a slice of persons, and the jobs a crew gains.

Plain numpy ufuncs that broadcast (not np.clip): the move searches call them tens of
thousands of times on small arrays. placement.check keeps its own scalar reference on
purpose: it is the independent check these are compared with."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qonaq.placement.model import FloatArray, IntArray
from qonaq.placement.policy import Policy


@dataclass(frozen=True)
class Bands:
    """Each settlement's congestion bands: the persons where each begins and ends, its cost."""

    starts: FloatArray  # (S, K)
    ends: FloatArray  # (S, K)
    costs: FloatArray  # (K,) per person in the band


def band_edges(policy: Policy, capacity: npt.ArrayLike) -> FloatArray:
    """Persons at which each congestion band ends, (S, K) for persons capacities (S,)."""
    result: FloatArray = np.asarray(capacity, dtype=np.float64)[:, None] * np.asarray(
        policy.congestion.breaks, dtype=np.float64
    )
    return result


def congestion_bands(policy: Policy, capacity: npt.ArrayLike) -> Bands:
    """The bands of settlements with these persons capacities (S,)."""
    ends = band_edges(policy, capacity)
    starts = np.concatenate([np.zeros((ends.shape[0], 1)), ends[:, :-1]], axis=1)
    return Bands(starts, ends, np.asarray(policy.congestion.costs, dtype=np.float64))


def filled(starts: FloatArray, ends: FloatArray, persons: npt.ArrayLike) -> FloatArray:
    """Persons in each band at a persons load; `persons` broadcasts against the band edges
    (give it a trailing axis of 1 for the bands)."""
    result: FloatArray = np.minimum(np.maximum(persons, starts), ends) - starts
    return result


def slice_in_bands(
    starts: FloatArray, ends: FloatArray, before: npt.ArrayLike, size: npt.ArrayLike
) -> FloatArray:
    """Persons of a slice of `size` on top of `before` in each band (the starts cancel)."""
    after = np.add(before, size)
    result: FloatArray = np.minimum(np.maximum(after, starts), ends) - np.minimum(
        np.maximum(before, starts), ends
    )
    return result


def congestion_cost(bands: Bands, load: npt.ArrayLike) -> FloatArray:
    """cong_s(L): the congestion cost of persons load L in each settlement (S,)."""
    persons = np.asarray(load, dtype=np.float64)[:, None]
    result: FloatArray = filled(bands.starts, bands.ends, persons) @ bands.costs
    return result


def slice_cost(bands: Bands, before: npt.ArrayLike, size: float) -> FloatArray:
    """cong_s(L + size) − cong_s(L) in each settlement (S,), for persons loads L (S,)."""
    persons = np.asarray(before, dtype=np.float64)[:, None]
    result: FloatArray = slice_in_bands(bands.starts, bands.ends, persons, size) @ bands.costs
    return result


def jobs_gained(open_jobs: npt.ArrayLike, crew: npt.ArrayLike) -> IntArray:
    """Matched workers a crew adds where `open_jobs` = vacancies − workers placed:
    min(V, W + w) − min(V, W) = min(max(V − W, 0), w)."""
    result: IntArray = np.minimum(np.maximum(open_jobs, 0), crew)
    return result
