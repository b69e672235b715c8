"""Free choice by a gravity model, attraction = population^alpha / km^beta, and its calibration."""

import numpy as np

from qonaq.placement.model import BoolArray, FloatArray, IntArray

# closer than this, distance stops adding attraction (a hub inside a city is not infinitely near)
MIN_KM = 10.0


def choice_probabilities(
    population: IntArray, km: FloatArray, open_: BoolArray, alpha: float, beta: float
) -> FloatArray:
    """P(settlement | origin), (origins, S): population^alpha / km^beta over open settlements."""
    # logs keep population^alpha finite for any alpha
    log_pull = alpha * np.log(np.maximum(population, 1)) - beta * np.log(np.maximum(km, MIN_KM))
    log_pull = np.where(open_[None, :], log_pull, -np.inf)
    pull = np.exp(log_pull - log_pull.max(axis=1, keepdims=True))
    result: FloatArray = pull / pull.sum(axis=1, keepdims=True)
    return result


def hotspot_share(probabilities: FloatArray, origin_share: FloatArray, hotspots: IntArray) -> float:
    """Expected share of households choosing one of `hotspots` when origins weigh `origin_share`."""
    return float(origin_share @ probabilities[:, hotspots].sum(axis=1))


def calibrate_alpha(
    population: IntArray,
    km: FloatArray,
    open_: BoolArray,
    origin_share: FloatArray,
    hotspots: IntArray,
    *,
    beta: float,
    target: float,
) -> float:
    """The alpha (for a given beta) at which the hot spots draw `target` of households."""
    low, high = 0.0, 6.0
    for _ in range(60):
        middle = (low + high) / 2
        share = hotspot_share(
            choice_probabilities(population, km, open_, middle, beta), origin_share, hotspots
        )
        # bigger alpha favours bigger places, and the hot spots are among the biggest
        if share < target:
            low = middle
        else:
            high = middle
    return round((low + high) / 2, 3)
