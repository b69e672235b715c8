"""The country a surge lands in, as arrays: settlements, entry hubs, PSC cities and road km."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qonaq.geo.distance import great_circle_matrix_km
from qonaq.geo.gazetteer import Hub, Region
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.model import FloatArray, IntArray
from qonaq.placement.policy import DEFAULT_POLICY, Policy
from qonaq.simulation.scenario import Scenario


@dataclass(frozen=True)
class Country:
    """Settlements (S), the scenario's hubs (B) and PSC cities (P), with road km between them."""

    settlements: tuple[SettlementRecord, ...]
    capacity: IntArray  # (S, 3) declared persons, children, medical
    initial_load: IntArray  # (S, 3)
    population: IntArray  # (S,)
    region_of: IntArray  # (S,) index into region_ids
    region_ids: tuple[str, ...]
    region_population: IntArray  # (R,)
    hub_ids: tuple[str, ...]
    hub_share: FloatArray  # (B,) sums to 1
    psc_settlement: IntArray  # (P,) settlement index of each PSC city
    psc_daily: IntArray  # (P,) persons registered per day
    hub_km: FloatArray  # (B, S) road km from each hub
    psc_km: FloatArray  # (P, S) road km from each PSC city
    hub_psc: IntArray  # (B,) the PSC nearest each hub
    settlement_psc: IntArray  # (S,) the PSC nearest each settlement
    hotspots: IntArray  # settlement indices of the scenario's hot spots
    circuity: float  # road km per great-circle km, the placement policy's

    @property
    def settlement_count(self) -> int:
        """S, the number of settlements."""
        return len(self.settlements)


def build_country(
    scenario: Scenario,
    settlements: Sequence[SettlementRecord],
    hubs: Sequence[Hub],
    regions: Sequence[Region],
    policy: Policy = DEFAULT_POLICY,
) -> Country:
    """Arrays for `scenario`, road km at the circuity of the placement `policy`; ValueError
    when it names a hub, PSC or hot spot that is not there."""
    index = {record.id: s for s, record in enumerate(settlements)}
    hub_by_id = {hub.id: hub for hub in hubs}
    unknown_hubs = sorted(set(scenario.arrivals.hubs) - set(hub_by_id))
    if unknown_hubs:
        raise ValueError(
            f"scenario {scenario.name!r} names unknown hub(s): {', '.join(unknown_hubs)}"
        )
    unknown = sorted(
        (set(scenario.registration.psc_daily) | set(scenario.metrics.hotspots)) - set(index)
    )
    if unknown:
        raise ValueError(
            f"scenario {scenario.name!r} names unknown settlement id(s): {', '.join(unknown)}"
        )
    lat = np.array([r.lat for r in settlements])
    lon = np.array([r.lon for r in settlements])
    hub_ids = tuple(scenario.arrivals.hubs)
    share = np.array([scenario.arrivals.hubs[h] for h in hub_ids], dtype=np.float64)
    chosen_hubs = [hub_by_id[h] for h in hub_ids]
    circuity = policy.circuity
    hub_km = circuity * great_circle_matrix_km(
        [h.lat for h in chosen_hubs], [h.lon for h in chosen_hubs], lat, lon
    )
    psc_settlement = np.array([index[p] for p in scenario.registration.psc_daily], dtype=np.int64)
    psc_km = circuity * great_circle_matrix_km(lat[psc_settlement], lon[psc_settlement], lat, lon)
    region_ids = tuple(sorted({r.region_id or r.region for r in settlements}))
    region_index = {rid: i for i, rid in enumerate(region_ids)}
    population_by_region = {r.id: r.population for r in regions}
    region_of = np.array(
        [region_index[r.region_id or r.region] for r in settlements], dtype=np.int64
    )
    fallback = np.bincount(region_of, weights=[r.population for r in settlements])
    region_population = np.array(
        [population_by_region.get(rid, fallback[i]) for i, rid in enumerate(region_ids)],
        dtype=np.int64,
    )
    return Country(
        settlements=tuple(settlements),
        capacity=np.array(
            [(r.cap_persons, r.cap_children, r.cap_medical) for r in settlements], dtype=np.int64
        ).reshape(-1, 3),
        initial_load=np.array(
            [(r.load_persons, r.load_children, r.load_medical) for r in settlements], dtype=np.int64
        ).reshape(-1, 3),
        population=np.array([r.population for r in settlements], dtype=np.int64),
        region_of=region_of,
        region_ids=region_ids,
        region_population=region_population,
        hub_ids=hub_ids,
        hub_share=share / share.sum(),
        psc_settlement=psc_settlement,
        psc_daily=np.array(list(scenario.registration.psc_daily.values()), dtype=np.int64),
        hub_km=hub_km,
        psc_km=psc_km,
        hub_psc=np.argmin(hub_km[:, psc_settlement], axis=1).astype(np.int64),
        settlement_psc=np.argmin(psc_km, axis=0).astype(np.int64),
        hotspots=np.array([index[h] for h in scenario.metrics.hotspots], dtype=np.int64),
        circuity=circuity,
    )
