"""Great-circle distances in km, one pair at a time or as a matrix."""

import math

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0


def great_circle_km(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    """Haversine distance between two points in km (no circuity)."""
    phi_a, phi_b = math.radians(lat_a), math.radians(lat_b)
    d_phi = phi_b - phi_a
    d_lambda = math.radians(lon_b - lon_a)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def great_circle_matrix_km(
    lat_a: npt.ArrayLike, lon_a: npt.ArrayLike, lat_b: npt.ArrayLike, lon_b: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Haversine distances in km from every point a (rows) to every point b (columns)."""
    phi_a = np.radians(np.asarray(lat_a, dtype=np.float64))[:, None]
    phi_b = np.radians(np.asarray(lat_b, dtype=np.float64))[None, :]
    d_lambda = (
        np.radians(np.asarray(lon_b, dtype=np.float64))[None, :]
        - np.radians(np.asarray(lon_a, dtype=np.float64))[:, None]
    )
    h = np.sin((phi_b - phi_a) / 2) ** 2 + np.cos(phi_a) * np.cos(phi_b) * np.sin(d_lambda / 2) ** 2
    result: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


def great_circle_pairs_km(
    lat_a: npt.ArrayLike, lon_a: npt.ArrayLike, lat_b: npt.ArrayLike, lon_b: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Haversine km between a[i] and b[i] for every i (no circuity)."""
    phi_a = np.radians(np.asarray(lat_a, dtype=np.float64))
    phi_b = np.radians(np.asarray(lat_b, dtype=np.float64))
    d_lambda = np.radians(np.asarray(lon_b, dtype=np.float64)) - np.radians(
        np.asarray(lon_a, dtype=np.float64)
    )
    h = np.sin((phi_b - phi_a) / 2) ** 2 + np.cos(phi_a) * np.cos(phi_b) * np.sin(d_lambda / 2) ** 2
    result: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result
