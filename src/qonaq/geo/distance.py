"""Great-circle distances in km: one haversine, for one pair, pairs, a matrix, or one point
to many precomputed points; every caller in the code base uses these (no circuity here)."""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0

FloatArray = npt.NDArray[np.float64]


def haversine_km(
    phi_a: npt.ArrayLike, lam_a: npt.ArrayLike, cos_a: npt.ArrayLike,
    phi_b: npt.ArrayLike, lam_b: npt.ArrayLike, cos_b: npt.ArrayLike,
) -> FloatArray:  # fmt: skip
    """The haversine in km between points given in radians (with the cosines of their
    latitudes), broadcast like numpy; plain ufuncs, so numba compiles it for scalars too."""
    h = np.sin((np.subtract(phi_b, phi_a)) / 2) ** 2 + np.multiply(cos_a, cos_b) * (
        np.sin(np.subtract(lam_b, lam_a) / 2) ** 2
    )
    result: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


@dataclass(frozen=True)
class RadianPoints:
    """Points in radians with the cosines of their latitudes, computed once for many queries."""

    phi: FloatArray
    lam: FloatArray
    cos_phi: FloatArray


def radian_points(lat: npt.ArrayLike, lon: npt.ArrayLike) -> RadianPoints:
    """`lat`, `lon` in degrees as RadianPoints."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    return RadianPoints(phi, np.radians(np.asarray(lon, dtype=np.float64)), np.cos(phi))


def great_circle_to_points_km(lat: float, lon: float, points: RadianPoints) -> FloatArray:
    """Km from one point to each of `points`."""
    phi = np.radians(lat)
    return haversine_km(phi, np.radians(lon), np.cos(phi), points.phi, points.lam, points.cos_phi)


def great_circle_km(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    """Km between two points: haversine_km's formula in `math`, ten times quicker for one
    pair than numpy (geo.build compares every pair of places)."""
    phi_a, phi_b = math.radians(lat_a), math.radians(lat_b)
    h = math.sin((phi_b - phi_a) / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * (
        math.sin(math.radians(lon_b - lon_a) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


# a matrix of at least this many pairs goes through the compiled loop; a smaller one
# through numpy, which spares a small plan or a web request loading the compiled loop
COMPILED_MATRIX_PAIRS = 16_384


def great_circle_matrix_km(
    lat_a: npt.ArrayLike, lon_a: npt.ArrayLike, lat_b: npt.ArrayLike, lon_b: npt.ArrayLike
) -> FloatArray:
    """Km from every point a (rows) to every point b (columns): haversine_km, or for a large
    matrix its formula in a compiled loop (geo/compiled.py, the same km to 1e-13 of the
    distance: the planner builds millions of rows, where numpy's temporaries took seconds)."""
    a, b = radian_points(lat_a, lon_a), radian_points(lat_b, lon_b)
    if len(a.phi) * len(b.phi) < COMPILED_MATRIX_PAIRS:
        return haversine_km(
            a.phi[:, None], a.lam[:, None], a.cos_phi[:, None],
            b.phi[None, :], b.lam[None, :], b.cos_phi[None, :],
        )  # fmt: skip
    # numba only for the callers that build large matrices
    from qonaq.geo.compiled import haversine_matrix_km

    return haversine_matrix_km(a.phi, a.lam, b.phi, b.lam, EARTH_RADIUS_KM)


def great_circle_pairs_km(
    lat_a: npt.ArrayLike, lon_a: npt.ArrayLike, lat_b: npt.ArrayLike, lon_b: npt.ArrayLike
) -> FloatArray:
    """Km between a[i] and b[i] for every i."""
    a, b = radian_points(lat_a, lon_a), radian_points(lat_b, lon_b)
    return haversine_km(a.phi, a.lam, a.cos_phi, b.phi, b.lam, b.cos_phi)
