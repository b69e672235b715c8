"""One great-circle distance: the scalar, pair, matrix, one-to-many and compiled forms agree."""

import numpy as np

from qonaq.geo.distance import (
    COMPILED_MATRIX_PAIRS,
    great_circle_km,
    great_circle_matrix_km,
    great_circle_pairs_km,
    great_circle_to_points_km,
    haversine_km,
    radian_points,
)
from qonaq.placement.origins import _haversine

# Almaty, Astana, Oral, Aktau and a point across the antimeridian's far side
LAT = np.array([43.24, 51.17, 51.23, 43.65, -10.0])
LON = np.array([76.89, 71.43, 51.37, 51.17, -170.0])


def test_almaty_to_astana_is_about_970_km() -> None:
    assert 960 < great_circle_km(43.24, 76.89, 51.17, 71.43) < 980


def test_every_form_gives_the_same_km() -> None:
    matrix = great_circle_matrix_km(LAT, LON, LAT, LON)
    np.testing.assert_allclose(np.diag(matrix), 0.0, atol=1e-9)
    np.testing.assert_allclose(matrix, matrix.T)
    points = radian_points(LAT, LON)
    for i in range(len(LAT)):
        np.testing.assert_allclose(great_circle_to_points_km(LAT[i], LON[i], points), matrix[i])
        np.testing.assert_allclose(
            great_circle_pairs_km(np.full(len(LAT), LAT[i]), np.full(len(LON), LON[i]), LAT, LON),
            matrix[i],
        )
        for j in range(len(LAT)):
            assert np.isclose(great_circle_km(LAT[i], LON[i], LAT[j], LON[j]), matrix[i, j])
            compiled = _haversine(
                points.phi[i], points.lam[i], points.cos_phi[i],
                points.phi[j], points.lam[j], points.cos_phi[j],
            )  # fmt: skip
            assert np.isclose(compiled, matrix[i, j])


def test_the_compiled_matrix_gives_haversine_km() -> None:
    rng = np.random.default_rng(7)
    lat = np.concatenate([rng.uniform(-85, 85, 300), LAT, LAT + 1e-5])
    lon = np.concatenate([rng.uniform(-180, 180, 300), LON, LON - 1e-5])
    points = radian_points(lat, lon)
    reference = haversine_km(
        points.phi[:, None], points.lam[:, None], points.cos_phi[:, None],
        points.phi[None, :], points.lam[None, :], points.cos_phi[None, :],
    )  # fmt: skip
    # 310 x 310 points: past COMPILED_MATRIX_PAIRS, the compiled loop
    matrix = great_circle_matrix_km(lat, lon, lat, lon)
    assert matrix.size >= COMPILED_MATRIX_PAIRS
    np.testing.assert_allclose(matrix, reference, rtol=1e-13, atol=1e-11)
