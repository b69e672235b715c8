"""The desk's prices: those of the last applied batch plan of a policy, read from the
database and kept per process by plan, so every server process and every restart steers its
desks by the same plan."""

import json
import threading
from typing import Any

import numpy as np
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.model import VacancyRecord
from qonaq.placement.pricing import Prices
from qonaq.registry.models import Plan

_PRICES: dict[int, dict[str, object]] = {}
_PRICES_LOCK = threading.Lock()


def desk_prices(*, db_session: Session, policy_name: str) -> dict[str, object] | None:
    """The prices of the last applied batch plan of `policy_name`, read once per process.

    Every server process and every restart steers its desks by the same plan.
    """
    plan_id = db_session.scalars(latest_plan(policy_name)).first()
    return None if plan_id is None else stored_prices(db_session=db_session, plan_id=plan_id)


def latest_plan(policy_name: str) -> Select[int]:
    """The id of the last applied batch plan of `policy_name`, as a query."""
    return (
        select(Plan.id)
        .where(Plan.policy == policy_name, Plan.status == "applied")
        .order_by(Plan.applied_at.desc(), Plan.id.desc())
        .limit(1)
    )


def stored_prices(*, db_session: Session, plan_id: int) -> dict[str, object]:
    """A stored plan's prices (with its `plan_id`), read from the database once per process."""
    with _PRICES_LOCK:
        cached = _PRICES.get(plan_id)
    if cached is None:
        cached = json.loads(db_session.scalars(select(Plan.prices).where(Plan.id == plan_id)).one())
        cached["plan_id"] = plan_id
        with _PRICES_LOCK:
            _PRICES[plan_id] = cached
    return cached


def prices_for(
    stored: dict[str, object], records: list[SettlementRecord], vacancies: list[VacancyRecord]
) -> Prices:
    """A stored plan's prices in the order the desk reads settlements and hiring groups."""
    groups: list[str] = stored["groups"]  # type: ignore[assignment]
    by_id: dict[str, list[Any]] = stored["settlements"]  # type: ignore[assignment]
    hiring = sorted({v.occupation for v in vacancies if v.vacancies > 0})
    column = {g: groups.index(g) for g in hiring if g in groups}
    rows = [by_id.get(r.id, [0.0, 0.0, 0.0, []]) for r in records]
    workers = np.zeros((len(records), len(hiring)))
    for s, row in enumerate(rows):
        for g, name in enumerate(hiring):
            if name in column and row[3]:
                workers[s, g] = row[3][column[name]]
    return Prices(
        persons=np.array([r[0] for r in rows], dtype=np.float64),
        children=np.array([r[1] for r in rows], dtype=np.float64),
        medical=np.array([r[2] for r in rows], dtype=np.float64),
        workers=workers,
    )
