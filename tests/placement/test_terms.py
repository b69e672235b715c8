"""The model's terms in one module, against the scalar reference of placement.check."""

import numpy as np

from qonaq.placement.check import congestion_of
from qonaq.placement.policy import DEFAULT_POLICY
from qonaq.placement.terms import (
    congestion_bands,
    congestion_cost,
    jobs_gained,
    slice_cost,
    slice_in_bands,
)

CAPACITY = np.array([7.0, 10.0, 0.0, 1000.0])


def test_congestion_and_slices_match_the_scalar_reference() -> None:
    bands = congestion_bands(DEFAULT_POLICY, CAPACITY)
    for load in (0.0, 3.0, 4.0, 5.6, 9.0, 12.0, 800.0):
        loads = np.full(len(CAPACITY), load)
        expected = [congestion_of(DEFAULT_POLICY, c, load) for c in CAPACITY]
        np.testing.assert_allclose(congestion_cost(bands, loads), expected)
        for size in (1.0, 5.0):
            after = [congestion_of(DEFAULT_POLICY, c, load + size) for c in CAPACITY]
            np.testing.assert_allclose(
                slice_cost(bands, loads, size), np.subtract(after, expected), atol=1e-9
            )


def test_slices_broadcast_over_sizes_as_the_move_screen_uses_them() -> None:
    bands = congestion_bands(DEFAULT_POLICY, CAPACITY)
    loads, sizes = np.array([0.0, 4.0, 0.0, 500.0]), np.array([1.0, 3.0])
    joined = slice_in_bands(bands.starts, bands.ends, loads[None, :, None], sizes[:, None, None])
    for z, size in enumerate(sizes):
        np.testing.assert_allclose(joined[z] @ bands.costs, slice_cost(bands, loads, size))


def test_jobs_gained_is_the_change_in_matched_workers() -> None:
    for vacancies in range(4):
        for placed in range(5):
            for crew in range(3):
                matched = min(vacancies, placed + crew) - min(vacancies, placed)
                assert jobs_gained(vacancies - placed, crew) == matched
