"""The desk's settlement index, kept per server process: a recommendation re-reads only the
settlements' loads and capacities (one narrow query) instead of every settlement record, and
rebuilds the index when a capacity, an opening, a vacancy count or the plan's prices changed.

A stale index can never over-fill a settlement: confirming stays one conditional write on
capacity (`reserve_capacity`). Names and vacancy lists are at most MAX_AGE seconds old.
"""

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from qonaq.config import get_settings
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.desk import DeskIndex, desk_index
from qonaq.placement.policy import policy_named
from qonaq.registry.engine_records import settlement_records, vacancy_records
from qonaq.registry.prices import desk_prices, latest_plan, prices_for, stored_prices
from qonaq.settlements.models import Settlement, Vacancy

# what the index is built from, per settlement: a change to any of these rebuilds it
SHAPE = (
    Settlement.id, Settlement.open, Settlement.population, Settlement.kind, Settlement.lat,
    Settlement.lon, Settlement.cap_persons, Settlement.cap_children, Settlement.cap_medical,
)  # fmt: skip
LOADS = (Settlement.load_persons, Settlement.load_children, Settlement.load_medical)
NOW = select(*SHAPE, *LOADS).order_by(Settlement.id)
# names, regions and a vacancy moved between settlements (same count and sum) are caught here
MAX_AGE = 60.0


@dataclass(frozen=True)
class DeskView:
    """The desk index at this moment's loads, the records it was built from (names, regions,
    capacities; their loads may be older than the index's) and the plan that priced it."""

    index: DeskIndex
    records: dict[str, SettlementRecord]
    plan_id: int | None

    def with_loads(self, settlement_id: str) -> SettlementRecord:
        """A settlement's record with the loads of now."""
        persons, children, medical = self.index.load[self.index.position[settlement_id]].tolist()
        return self.records[settlement_id].model_copy(
            update={"load_persons": persons, "load_children": children, "load_medical": medical}
        )


@dataclass(frozen=True)
class _Built:
    view: DeskView
    shape: Sequence[tuple[object, ...]]
    vacancies: tuple[int, int]
    built: float


_BUILT: dict[tuple[str, str], _Built] = {}
_LOCK = threading.Lock()


def desk_view(*, db_session: Session, policy_name: str = "default") -> DeskView:
    """The desk index of `policy_name` against the current loads."""
    if not get_settings().desk_cache:
        stored = desk_prices(db_session=db_session, policy_name=policy_name)
        return _build(db_session, policy_name, stored).view
    # Core, not the ORM: two light queries per recommendation instead of 346 objects
    connection = db_session.connection()
    vacancy_count, vacancy_sum, plan_id = connection.execute(_fingerprint(policy_name)).one()
    result = connection.execute(NOW)
    # the driver's own tuples: every settlement per recommendation, no Row objects built
    # (SHAPE and LOADS are plain numbers, text and booleans: nothing to convert)
    rows = result.cursor.fetchall()
    result.close()
    shape = [row[: len(SHAPE)] for row in rows]
    key = (str(connection.engine.url), policy_name)
    with _LOCK:
        built = _BUILT.get(key)
    if (
        built is None
        or built.view.plan_id != plan_id
        or built.vacancies != (vacancy_count, vacancy_sum)
        or built.shape != shape
        or time.monotonic() - built.built > MAX_AGE
    ):
        stored = None if plan_id is None else stored_prices(db_session=db_session, plan_id=plan_id)
        # the records just read carry their own loads, at least as new as `rows`
        built = _build(db_session, policy_name, stored)
        with _LOCK:
            _BUILT[key] = built
        return built.view
    loads = np.array([row[len(SHAPE) :] for row in rows], dtype=np.int64).reshape(-1, 3)
    return replace(built.view, index=replace(built.view.index, load=loads))


@cache
def _fingerprint(policy_name: str) -> Select[int, int, int]:
    # the vacancy list's count and sum and the plan pricing the desks, in one round trip
    return select(
        select(func.count()).select_from(Vacancy).scalar_subquery(),
        select(func.coalesce(func.sum(Vacancy.vacancies), 0)).scalar_subquery(),
        latest_plan(policy_name).scalar_subquery(),
    )


def _build(db_session: Session, policy_name: str, stored: dict[str, object] | None) -> _Built:
    policy = policy_named(policy_name)
    records = settlement_records(db_session=db_session)
    vacancies = vacancy_records(db_session=db_session)
    prices = prices_for(stored, records, vacancies) if stored is not None else None
    index = desk_index(records, vacancies, policy, prices=prices)
    plan_id = stored.get("plan_id") if stored is not None else None
    view = DeskView(index=index, records={r.id: r for r in records}, plan_id=plan_id)  # type: ignore[arg-type]
    shape = [
        (r.id, r.open, r.population, r.kind, r.lat, r.lon, r.cap_persons, r.cap_children,
         r.cap_medical)
        for r in records
    ]  # fmt: skip
    counted = (len(vacancies), sum(v.vacancies for v in vacancies))
    return _Built(view, shape, counted, time.monotonic())
