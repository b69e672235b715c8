"""Expected arrival dates use the circuity of the policy that placed the household, at the
desk and in a batch plan, not a constant of their own."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.placement.policy import Policy
from qonaq.registry import placing
from qonaq.registry.models import Placement
from qonaq.registry.replans import apply_stored_plan, store_plan
from qonaq.registry.service import confirm_placement, register_household
from qonaq.settlements.service import HubRow, upsert_hubs
from tests.registry.factories import household, seed_tiny_country

DESK = Actor(label="desk-1", role="registrar")
# a crossing 300–480 km from every tiny settlement: 1 travel day at 1.25, 2 at 2.0
FAR = HubRow("far", "Far", "road_crossing", "west-kazakhstan", 51.0, 57.5)


@pytest.fixture
def country(migrated_engine: Engine) -> Engine:
    seed_tiny_country(migrated_engine)
    with transaction(migrated_engine) as db_session:
        upsert_hubs(db_session=db_session, hubs=[FAR], actor_label="test")
    return migrated_engine


def _register_far(engine: Engine) -> int:
    with transaction(engine) as db_session:
        data = household(origin_hub_id="far")
        return register_household(db_session=db_session, data=data, actor=DESK).id


def _today() -> date:
    return datetime.now(UTC).date()


def test_desk_arrival_uses_the_desk_policy_circuity(country: Engine) -> None:
    family = _register_far(country)
    with transaction(country) as db_session:
        placement = confirm_placement(
            db_session=db_session, household_id=family, settlement_id="aksai",
            actor=DESK, recommended=["aksai"], override_reason=None, policy_name="default",
        )  # fmt: skip
        # 316 km × 1.25 = 395 road km: departure the next day, one day on the road
        assert placement.expected_arrival == _today() + timedelta(days=2)


@pytest.mark.parametrize(("circuity", "days"), [(1.25, 2), (2.0, 3)])
def test_a_plan_applied_under_a_longer_circuity_arrives_later(
    country: Engine, circuity: float, days: int
) -> None:
    family = _register_far(country)
    policy = Policy(circuity=circuity)
    with transaction(country) as db_session:
        plan, households = placing.replan(db_session=db_session, policy=policy)
        row = store_plan(
            db_session=db_session, plan=plan, household_ids=[h.id for h in households],
            policy="custom", actor=DESK,
        )  # fmt: skip
        applied = apply_stored_plan(
            db_session=db_session, plan_id=row.id, actor=DESK, circuity=policy.circuity
        )
        assert applied.placed == 1
        placement = db_session.scalars(
            select(Placement).where(Placement.household_id == family)
        ).one()
        assert placement.expected_arrival == _today() + timedelta(days=days)
