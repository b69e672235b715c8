"""Batch re-plans against desks: apply exactly the previewed plan, once, skipping whoever a
desk placed meanwhile; concurrent desks and re-plans never deadlock or place twice."""

import threading

import httpx
import pytest
from sqlalchemy import Engine, select

from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.errors import Conflict
from qonaq.registry import placing
from qonaq.registry.integrity import integrity_problems
from qonaq.registry.models import Household, Placement, PlanAssignment
from qonaq.registry.service import confirm_placement, register_household
from qonaq.settlements.models import Settlement
from qonaq.web.app import create_app
from tests.e2e.conftest import serve_in_thread
from tests.registry.factories import household, seed_tiny_country
from tests.web.conftest import make_site

COORDINATOR = Actor("coordinator", role="coordinator")


def _register(engine: Engine, count: int, size: int = 1) -> list[int]:
    with transaction(engine) as db_session:
        return [
            register_household(db_session=db_session, data=household(size), actor=Actor("s")).id
            for _ in range(count)
        ]


def _preview(engine: Engine) -> placing.ReplanRead:
    with transaction(engine) as db_session:
        return placing.preview(db_session=db_session, policy_name="default", actor=COORDINATOR)


def _apply(engine: Engine, plan_id: int) -> placing.Applied:
    with transaction(engine) as db_session:
        return placing.apply(db_session=db_session, plan_id=plan_id, actor=COORDINATOR)


def _desk_places(engine: Engine, household_id: int, settlement_id: str) -> None:
    with transaction(engine) as db_session:
        confirm_placement(
            db_session=db_session, household_id=household_id, settlement_id=settlement_id,
            actor=Actor("desk"), recommended=[], override_reason="placed at the desk",
        )  # fmt: skip


def _consistent(engine: Engine) -> None:
    with transaction(engine, writes=False) as db_session:
        assert integrity_problems(db_session=db_session) == []


def _reserved(engine: Engine) -> dict[int, str]:
    """Each household's settlement among the reserved placements."""
    with transaction(engine, writes=False) as db_session:
        return {
            p.household_id: p.settlement_id
            for p in db_session.scalars(select(Placement).where(Placement.status == "reserved"))
        }


def test_apply_places_exactly_the_preview_and_skips_households_placed_meanwhile(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    ids = _register(migrated_engine, 6)
    preview = _preview(migrated_engine)
    assert preview.placed_households == 6
    with transaction(migrated_engine, writes=False) as db_session:
        previewed = dict(
            db_session.execute(
                select(PlanAssignment.household_id, PlanAssignment.settlement_id).where(
                    PlanAssignment.plan_id == preview.plan_id
                )
            ).all()
        )
    # a desk places two of them elsewhere between preview and apply
    elsewhere = {"oral": "aksai", "aksai": "oral", "small": "oral"}
    for household_id in ids[:2]:
        _desk_places(migrated_engine, household_id, elsewhere[previewed[household_id]])
    applied = _apply(migrated_engine, preview.plan_id)
    assert (applied.placed, applied.not_pending, applied.no_room) == (4, 2, 0)
    placed = _reserved(migrated_engine)
    for household_id in ids[2:]:
        assert placed[household_id] == previewed[household_id]  # exactly the preview
    for household_id in ids[:2]:
        assert placed[household_id] == elsewhere[previewed[household_id]]  # the desk's
    _consistent(migrated_engine)


def test_a_plan_applies_once_and_an_older_preview_is_superseded(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    _register(migrated_engine, 3)
    older = _preview(migrated_engine)
    newer = _preview(migrated_engine)
    assert _apply(migrated_engine, newer.plan_id).placed == 3
    with pytest.raises(Conflict, match="already applied"):
        _apply(migrated_engine, newer.plan_id)
    with pytest.raises(Conflict, match="already superseded"):
        _apply(migrated_engine, older.plan_id)
    _consistent(migrated_engine)


def test_households_whose_settlement_filled_up_stay_pending(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    with transaction(migrated_engine) as db_session:
        # only 'small' is open, with room for the 3 planned persons
        for settlement in db_session.scalars(select(Settlement)):
            settlement.open = settlement.id == "small"
    planned = _register(migrated_engine, 3)
    preview = _preview(migrated_engine)
    assert preview.placed_households == 3
    # the desk fills 'small' up to two free places before the plan is applied
    walk_ins = _register(migrated_engine, 1, size=8)
    _desk_places(migrated_engine, walk_ins[0], "small")
    applied = _apply(migrated_engine, preview.plan_id)
    assert (applied.placed, applied.not_pending, applied.no_room) == (2, 0, 1)
    with transaction(migrated_engine, writes=False) as db_session:
        statuses = [db_session.get(Household, h).status for h in planned]  # type: ignore[union-attr]
        small = db_session.get(Settlement, "small")
        assert small is not None and small.load_persons == small.cap_persons == 10
    assert sorted(statuses) == ["pending", "placed", "placed"]
    _consistent(migrated_engine)


def test_a_replan_applied_while_16_desks_confirm_over_http(migrated_engine: Engine) -> None:
    """Desks confirm the very households the plan names, while the plan is applied twice at
    once: no 5xx, no deadlock, one apply wins, every household placed exactly once."""
    desks = 16
    site = make_site(migrated_engine)
    ids = _register(migrated_engine, 40)
    preview = _preview(migrated_engine)
    server, url = serve_in_thread(create_app(migrated_engine, letter_secret=b"race"))
    barrier = threading.Barrier(desks + 2)
    statuses: dict[str, list[int]] = {"desk": [], "apply": []}

    def desk(n: int) -> None:
        with httpx.Client(base_url=url, headers=site.auth("registrar"), timeout=60) as client:
            barrier.wait()
            for household_id in ids[n::desks]:
                response = client.post(
                    f"/api/v1/households/{household_id}/placement",
                    json={"settlement_id": "aksai", "override_reason": "walk-in at the desk"},
                )
                statuses["desk"].append(response.status_code)

    def coordinator() -> None:
        with httpx.Client(base_url=url, headers=site.auth("coordinator"), timeout=60) as client:
            barrier.wait()
            response = client.post(f"/api/v1/replan/{preview.plan_id}/apply")
            statuses["apply"].append(response.status_code)

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(desks)]
    threads += [threading.Thread(target=coordinator) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.should_exit = True
    assert sorted(statuses["apply"]) == [200, 409], statuses["apply"]
    assert set(statuses["desk"]) <= {201, 409}, statuses["desk"]
    with transaction(migrated_engine, writes=False) as db_session:
        households = db_session.scalars(select(Household).where(Household.id.in_(ids))).all()
        assert {h.status for h in households} == {"placed"}
    _consistent(migrated_engine)
