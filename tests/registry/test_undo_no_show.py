"""Undoing a mistaken 'did not come': one conditional write, room re-reserved, audited; refused
cleanly when the settlement is full or the household was placed again; a double click wins once."""

import threading

import httpx
import pytest
from sqlalchemy import Engine, select

from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import start_session
from qonaq.db.session import transaction
from qonaq.errors import Conflict, Forbidden, Invalid
from qonaq.registry.models import Household, Placement
from qonaq.registry.service import (
    confirm_placement,
    record_arrival,
    register_household,
    undo_no_show,
)
from qonaq.settlements.models import Settlement
from qonaq.web.app import create_app
from qonaq.web.deps import SESSION_COOKIE
from tests.e2e.conftest import serve_in_thread
from tests.registry.factories import household, seed_tiny_country
from tests.web.conftest import make_site

HOST = Actor("akimat", role="host", user_id=None, settlement_id="small")
REASON = "they came late in the evening"


def _no_show(engine: Engine, size: int = 2, settlement_id: str = "small") -> int:
    """A household placed in `settlement_id`, then marked as not come; its placement id."""
    with transaction(engine) as db_session:
        found = register_household(db_session=db_session, data=household(size), actor=Actor("t"))
        placement = confirm_placement(
            db_session=db_session, household_id=found.id, settlement_id=settlement_id,
            actor=Actor("desk"), recommended=[settlement_id], override_reason=None,
        )  # fmt: skip
        db_session.flush()
        its_host = Actor("akimat", role="host", settlement_id=settlement_id)
        record_arrival(
            db_session=db_session, placement_id=placement.id, arrived=False, actor=its_host
        )
        return placement.id


def _state(engine: Engine, placement_id: int) -> tuple[str, str, int]:
    with transaction(engine, writes=False) as db_session:
        placement = db_session.get(Placement, placement_id)
        assert placement is not None
        owner = db_session.get(Household, placement.household_id)
        settlement = db_session.get(Settlement, placement.settlement_id)
        assert owner is not None and settlement is not None
        return placement.status, owner.status, settlement.load_persons


def test_undo_holds_the_room_again_and_is_audited_with_its_reason(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    placement_id = _no_show(migrated_engine)
    assert _state(migrated_engine, placement_id) == ("no_show", "no_show", 0)
    with transaction(migrated_engine) as db_session:
        undo_no_show(db_session=db_session, placement_id=placement_id, reason=REASON, actor=HOST)
    assert _state(migrated_engine, placement_id) == ("reserved", "placed", 2)
    with transaction(migrated_engine, writes=False) as db_session:
        event = db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "placement.undo_no_show")
        ).one()
    assert event.object_id == str(placement_id) and event.reason == REASON
    assert event.before == {"status": "no_show"} and event.after == {"status": "reserved"}


def test_undo_needs_a_reason_and_the_hosts_own_settlement(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    placement_id = _no_show(migrated_engine)
    other_host = Actor("elsewhere", role="host", settlement_id="oral")
    with transaction(migrated_engine) as db_session:
        with pytest.raises(Invalid):
            undo_no_show(db_session=db_session, placement_id=placement_id, reason=" ", actor=HOST)
        with pytest.raises(Forbidden):
            undo_no_show(
                db_session=db_session, placement_id=placement_id, reason=REASON, actor=other_host
            )
    assert _state(migrated_engine, placement_id) == ("no_show", "no_show", 0)


def test_undo_is_refused_when_the_settlement_has_no_room_now(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    placement_id = _no_show(migrated_engine, size=4)
    with transaction(migrated_engine) as db_session:
        found = register_household(db_session=db_session, data=household(8), actor=Actor("t"))
        confirm_placement(
            db_session=db_session, household_id=found.id, settlement_id="small",
            actor=Actor("desk"), recommended=["small"], override_reason=None,
        )  # fmt: skip
    with pytest.raises(Conflict, match="no room"), transaction(migrated_engine) as db_session:
        undo_no_show(db_session=db_session, placement_id=placement_id, reason=REASON, actor=HOST)
    assert _state(migrated_engine, placement_id) == ("no_show", "no_show", 8)


def test_undo_is_refused_when_the_household_was_placed_again(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    placement_id = _no_show(migrated_engine)
    with transaction(migrated_engine) as db_session:
        first = db_session.get(Placement, placement_id)
        assert first is not None
        owner = db_session.get(Household, first.household_id)
        assert owner is not None
        # re-placed elsewhere meanwhile (as a registrar's re-place does): a new active placement
        owner.status = "placed"
        db_session.add(
            Placement(household_id=owner.id, settlement_id="aksai", status="reserved",
                      persons=2, children=0, medical=0)
        )  # fmt: skip
    with pytest.raises(Conflict, match="placed again"), transaction(migrated_engine) as db_session:
        undo_no_show(db_session=db_session, placement_id=placement_id, reason=REASON, actor=HOST)
    assert _state(migrated_engine, placement_id) == ("no_show", "placed", 0)


def test_a_double_click_on_undo_holds_the_room_once(migrated_engine: Engine) -> None:
    """Two form posts of Undo at once over HTTP: one 303, one 409; the room is held once."""
    make_site(migrated_engine)
    placement_id = _no_show(migrated_engine)
    with transaction(migrated_engine) as db_session:
        host = db_session.scalars(select(User).where(User.username == "host")).one()
        token, csrf = start_session(db_session=db_session, user=host)
    server, url = serve_in_thread(create_app(migrated_engine, letter_secret=b"race"))
    barrier = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def click() -> None:
        with httpx.Client(base_url=url, cookies={SESSION_COOKIE: token}, timeout=60) as client:
            barrier.wait()
            form = {"csrf_token": csrf, "reason": REASON}
            answers.append(
                client.post(f"/host/placements/{placement_id}/undo-no-show?lang=en", data=form)
            )

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.should_exit = True
    done, refused = sorted(answers, key=lambda r: r.status_code)
    assert done.status_code == 303, done.text
    assert refused.status_code == 409 and "already reserved" in refused.text
    assert _state(migrated_engine, placement_id) == ("reserved", "placed", 2)
    with transaction(migrated_engine, writes=False) as db_session:
        undone = db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "placement.undo_no_show")
        ).all()
    assert len(undone) == 1


def test_the_api_undoes_a_no_show_with_the_pages_rules(migrated_engine: Engine) -> None:
    """POST /api/v1/placements/{id}/undo-no-show: reason required, a host only in its own
    settlement, 404 for no placement, 409 when it is not a no-show; in the OpenAPI."""
    site = make_site(migrated_engine)
    placement_id = _no_show(migrated_engine)
    elsewhere = _no_show(migrated_engine, settlement_id="oral")
    url = f"/api/v1/placements/{placement_id}/undo-no-show"
    host, registrar = site.auth("host"), site.auth("registrar")
    assert site.client.post(url, json={}, headers=host).status_code == 422
    short = site.client.post(url, json={"reason": "  "}, headers=host)
    assert short.status_code == 422 and "written reason" in short.json()["detail"]
    assert site.client.post(url, json={"reason": REASON}, headers=registrar).status_code == 403
    other = site.client.post(
        f"/api/v1/placements/{elsewhere}/undo-no-show", json={"reason": REASON}, headers=host
    )
    assert other.status_code == 403 and "another settlement" in other.json()["detail"]
    missing = site.client.post(
        "/api/v1/placements/999999/undo-no-show", json={"reason": REASON}, headers=host
    )
    assert missing.status_code == 404 and "no placement" in missing.json()["detail"]
    assert _state(migrated_engine, placement_id) == ("no_show", "no_show", 0)
    done = site.client.post(url, json={"reason": REASON}, headers=host)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "reserved" and done.json()["settlement_id"] == "small"
    assert _state(migrated_engine, placement_id) == ("reserved", "placed", 2)
    again = site.client.post(url, json={"reason": REASON}, headers=host)
    assert again.status_code == 409 and "already reserved" in again.json()["detail"]
    by_coordinator = site.client.post(
        f"/api/v1/placements/{elsewhere}/undo-no-show",
        json={"reason": REASON}, headers=site.auth("coordinator"),
    )  # fmt: skip
    assert by_coordinator.status_code == 200
    with transaction(migrated_engine, writes=False) as db_session:
        reasons = db_session.scalars(
            select(AuditEvent.reason).where(AuditEvent.action == "placement.undo_no_show")
        ).all()
    assert reasons == [REASON, REASON]
    operation = site.client.get("/api/v1/openapi.json").json()["paths"][
        "/api/v1/placements/{placement_id}/undo-no-show"
    ]["post"]
    assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])


def test_two_api_undos_at_once_hold_the_room_once(migrated_engine: Engine) -> None:
    """Two hosts' API requests at once over HTTP: one 200, one 409; the room is held once."""
    site = make_site(migrated_engine)
    placement_id = _no_show(migrated_engine)
    server, url = serve_in_thread(create_app(migrated_engine, letter_secret=b"race"))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def undo() -> None:
        with httpx.Client(base_url=url, headers=site.auth("host"), timeout=60) as client:
            barrier.wait()
            statuses.append(
                client.post(
                    f"/api/v1/placements/{placement_id}/undo-no-show", json={"reason": REASON}
                ).status_code
            )

    threads = [threading.Thread(target=undo) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.should_exit = True
    assert sorted(statuses) == [200, 409], statuses
    assert _state(migrated_engine, placement_id) == ("reserved", "placed", 2)
    with transaction(migrated_engine, writes=False) as db_session:
        undone = db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "placement.undo_no_show")
        ).all()
    assert len(undone) == 1
