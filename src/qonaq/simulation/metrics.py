"""What a policy did to the country, in the numbers planners compare side by side."""

from dataclasses import asdict, dataclass

import numpy as np

from qonaq.i18n import N_
from qonaq.placement.model import PERSONS, FloatArray, IntArray
from qonaq.simulation.country import Country
from qonaq.simulation.run import PLACED, TRAVELLING, UNPLACED_STATE, PolicyRun
from qonaq.simulation.scenario import Scenario
from qonaq.simulation.wave import Wave


@dataclass(frozen=True)
class Metric:
    """One row of the comparison table: its key, label, number format (a Babel pattern; a
    percentage when it ends in %) and one-line meaning; label and meaning are msgids."""

    key: str
    label: str
    format: str
    meaning: str


METRICS: tuple[Metric, ...] = (
    Metric("stayers", N_("stayers (persons)"), "#,##0",
           N_("persons who stay in the country rather than move on abroad")),
    Metric("peak_fill_max", N_("peak fill ratio, max"), "0.00",
           N_("highest persons load / declared persons capacity of any settlement on any day")),
    Metric("peak_fill_p95", N_("peak fill ratio, p95"), "0.00",
           N_("95th percentile over settlements of each settlement's highest fill ratio")),
    Metric("settlements_over_capacity", N_("settlements over capacity"), "#,##0",
           N_("settlements whose persons, children or medical load exceeded capacity on some day")),
    Metric("person_days_over_capacity", N_("person-days over capacity"), "#,##0",
           N_("sum over days and settlements of persons beyond the persons capacity")),
    Metric("hotspot_share", N_("share in 2022 hot spots"), "0.0%",
           N_("share of settled persons in the hot spots (2022: Almaty, Astana, Oral, Petropavl)")),
    Metric("travel_km_mean", N_("travel km, mean"), "#,##0",
           N_("road km per person from entry hub via the PSC to the settlement")),
    Metric("travel_km_p95", N_("travel km, p95"), "#,##0",
           N_("95th percentile of road km per person")),
    Metric("transport_cost_tenge", N_("transport cost (tenge)"), "#,##0",
           N_("person-km times the scenario's fare per person-km")),
    Metric("psc_queue_peak", N_("PSC queue peak (persons)"), "#,##0",
           N_("most persons waiting at all PSCs at the end of any day")),
    Metric("days_waited_mean", N_("days waited at PSC, mean"), "0.0",
           N_("days from joining a PSC queue to registration, per person")),
    Metric("days_waited_p95", N_("days waited at PSC, p95"), "0",
           N_("95th percentile of days waited per person")),
    Metric("unplaced_households", N_("unplaced households"), "#,##0",
           N_("registered households for which no settlement had room at the end")),
    Metric("seconds", N_("seconds"), "0.0", N_("wall time of the policy's run")),
)  # fmt: skip


@dataclass(frozen=True)
class PolicyMetrics:
    """The comparison numbers of one policy's run (see METRICS for what each means)."""

    policy: str
    stayers: int
    peak_fill_max: float
    peak_fill_p95: float
    settlements_over_capacity: int
    person_days_over_capacity: int
    hotspot_share: float
    travel_km_mean: float
    travel_km_p95: float
    transport_cost_tenge: int
    psc_queue_peak: int
    days_waited_mean: float
    days_waited_p95: float
    unplaced_households: int
    seconds: float

    def as_dict(self) -> dict[str, float | int | str]:
        """The metrics as plain JSON-ready values."""
        return asdict(self)


def fill_ratio(load: IntArray, capacity: IntArray) -> FloatArray:
    """Persons load over persons capacity, (..., S); a zero capacity counts as one place."""
    result: FloatArray = load[..., PERSONS] / np.maximum(capacity[:, PERSONS], 1)
    return result


def peak_fill(run: PolicyRun, country: Country) -> FloatArray:
    """Each settlement's highest fill ratio over the run, (S,)."""
    result: FloatArray = fill_ratio(run.placed_load, country.capacity).max(axis=0)
    return result


def weighted_percentile(values: FloatArray, weights: IntArray, share: float) -> float:
    """The `share` percentile of `values` counted `weights` times each (0 when empty)."""
    if weights.sum() == 0:
        return 0.0
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    at = int(np.searchsorted(cumulative, share * cumulative[-1], side="left"))
    return float(values[order][min(at, len(order) - 1)])


def measure(scenario: Scenario, country: Country, wave: Wave, run: PolicyRun) -> PolicyMetrics:
    """The comparison numbers of `run`."""
    size = wave.size
    peaks = peak_fill(run, country)
    over_any = np.any(run.placed_load > country.capacity[None, :, :], axis=2).any(axis=0)
    excess = np.maximum(run.placed_load[..., PERSONS] - country.capacity[None, :, PERSONS], 0)
    arrived = run.placed_load[-1, :, PERSONS] - country.initial_load[:, PERSONS]
    moved = (run.state == TRAVELLING) | (run.state == PLACED)
    registered = run.days_waited >= 0
    person_km = float(run.travel_km[moved] @ size[moved])
    return PolicyMetrics(
        policy=run.policy,
        stayers=int(size[wave.stays].sum()),
        peak_fill_max=float(peaks.max(initial=0.0)),
        peak_fill_p95=float(np.percentile(peaks, 95)) if len(peaks) else 0.0,
        settlements_over_capacity=int(over_any.sum()),
        person_days_over_capacity=int(excess.sum()),
        hotspot_share=float(arrived[country.hotspots].sum() / max(arrived.sum(), 1)),
        travel_km_mean=float(np.average(run.travel_km[moved], weights=size[moved]))
        if moved.any()
        else 0.0,
        travel_km_p95=weighted_percentile(run.travel_km[moved], size[moved], 0.95),
        transport_cost_tenge=round(person_km * scenario.transport.tenge_per_person_km),
        psc_queue_peak=int(run.queue_persons.sum(axis=1).max(initial=0)),
        days_waited_mean=float(np.average(run.days_waited[registered], weights=size[registered]))
        if registered.any()
        else 0.0,
        days_waited_p95=weighted_percentile(
            run.days_waited[registered].astype(np.float64), size[registered], 0.95
        ),
        unplaced_households=int(np.count_nonzero(run.state == UNPLACED_STATE)),
        seconds=round(run.seconds, 2),
    )
