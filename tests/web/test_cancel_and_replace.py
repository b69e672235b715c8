"""Cancelling a placement and placing a household again (also after a no-show): service, API,
form, audit rows, freed capacity, and races between desks and hosts on both databases."""

import re
import threading
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import Engine, select

from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import start_session
from qonaq.db.session import transaction
from qonaq.errors import Conflict, Invalid
from qonaq.registry.integrity import integrity_problems
from qonaq.registry.models import Household, Placement
from qonaq.registry.service import (
    cancel_placement,
    confirm_placement,
    record_arrival,
    register_household,
    reopen_household,
)
from qonaq.settlements.models import Settlement
from qonaq.web.app import create_app
from qonaq.web.deps import SESSION_COOKIE
from tests.e2e.conftest import serve_in_thread
from tests.registry.factories import household, seed_tiny_country
from tests.web.conftest import Site, make_site

DESK = Actor("desk", role="registrar")


def _placed(engine: Engine, settlement_id: str = "aksai", size: int = 2) -> tuple[int, int]:
    """A registered household placed in `settlement_id`: (household id, placement id)."""
    with transaction(engine) as db_session:
        registered = register_household(db_session=db_session, data=household(size), actor=DESK)
        placement = confirm_placement(
            db_session=db_session, household_id=registered.id, settlement_id=settlement_id,
            actor=DESK, recommended=[settlement_id], override_reason=None,
        )  # fmt: skip
        db_session.flush()
        return registered.id, placement.id


def _state(engine: Engine, household_id: int) -> tuple[str, list[str], dict[str, int]]:
    """The household's status, its placements' statuses, and every settlement's persons load."""
    with transaction(engine, writes=False) as db_session:
        found = db_session.get(Household, household_id)
        assert found is not None
        statuses = db_session.scalars(
            select(Placement.status)
            .where(Placement.household_id == household_id)
            .order_by(Placement.id)
        ).all()
        loads = {s.id: s.load_persons for s in db_session.scalars(select(Settlement))}
        return found.status, list(statuses), loads


def _consistent(engine: Engine) -> None:
    with transaction(engine, writes=False) as db_session:
        assert integrity_problems(db_session=db_session) == []


def _audit(engine: Engine, action: str) -> list[AuditEvent]:
    with transaction(engine, writes=False) as db_session:
        return list(db_session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_cancel_frees_the_places_and_the_household_is_placed_again(
    migrated_engine: Engine,
) -> None:
    seed_tiny_country(migrated_engine)
    household_id, placement_id = _placed(migrated_engine)
    with transaction(migrated_engine) as db_session:
        cancel_placement(
            db_session=db_session, placement_id=placement_id, actor=DESK,
            reason="  family asked for Oral  ",
        )  # fmt: skip
    assert _state(migrated_engine, household_id) == (
        "pending", ["cancelled"], {"oral": 0, "aksai": 0, "small": 0},
    )  # fmt: skip
    (event,) = _audit(migrated_engine, "placement.cancel")
    assert event.reason == "family asked for Oral" and event.object_id == str(placement_id)
    assert event.before == {"status": "reserved", "settlement_id": "aksai"}
    _consistent(migrated_engine)
    with transaction(migrated_engine) as db_session:
        confirm_placement(
            db_session=db_session, household_id=household_id, settlement_id="oral",
            actor=DESK, recommended=["oral"], override_reason=None,
        )  # fmt: skip
    assert _state(migrated_engine, household_id) == (
        "placed", ["cancelled", "reserved"], {"oral": 2, "aksai": 0, "small": 0},
    )  # fmt: skip
    _consistent(migrated_engine)


def test_a_cancel_needs_a_reason_and_a_reserved_placement(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    household_id, placement_id = _placed(migrated_engine)
    with pytest.raises(Invalid, match="reason"), transaction(migrated_engine) as db_session:
        cancel_placement(db_session=db_session, placement_id=placement_id, actor=DESK, reason=" ")
    with transaction(migrated_engine) as db_session:
        record_arrival(db_session=db_session, placement_id=placement_id, arrived=True, actor=DESK)
    with pytest.raises(Conflict, match="already arrived"), transaction(migrated_engine) as session:
        cancel_placement(db_session=session, placement_id=placement_id, actor=DESK, reason="moved")
    assert _state(migrated_engine, household_id)[:2] == ("arrived", ["arrived"])
    assert _audit(migrated_engine, "placement.cancel") == []
    _consistent(migrated_engine)


def test_a_household_that_did_not_come_is_placed_again(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    household_id, placement_id = _placed(migrated_engine)
    with transaction(migrated_engine) as db_session:
        record_arrival(db_session=db_session, placement_id=placement_id, arrived=False, actor=DESK)
    assert _state(migrated_engine, household_id)[0] == "no_show"
    with pytest.raises(Conflict), transaction(migrated_engine) as db_session:
        confirm_placement(
            db_session=db_session, household_id=household_id, settlement_id="oral",
            actor=DESK, recommended=["oral"], override_reason=None,
        )  # fmt: skip
    with transaction(migrated_engine) as db_session:
        reopen_household(
            db_session=db_session, household_id=household_id, actor=DESK,
            reason="came back to the PSC",
        )  # fmt: skip
        confirm_placement(
            db_session=db_session, household_id=household_id, settlement_id="oral",
            actor=DESK, recommended=["oral"], override_reason=None,
        )  # fmt: skip
    assert _state(migrated_engine, household_id) == (
        "placed", ["no_show", "reserved"], {"oral": 2, "aksai": 0, "small": 0},
    )  # fmt: skip
    (event,) = _audit(migrated_engine, "household.reopen")
    assert event.reason == "came back to the PSC" and event.after == {"status": "pending"}
    with pytest.raises(Conflict, match="already placed"), transaction(migrated_engine) as session:
        reopen_household(
            db_session=session, household_id=household_id, actor=DESK, reason="again please"
        )
    _consistent(migrated_engine)


def test_api_cancel_and_reopen(site: Site) -> None:
    household_id, placement_id = _placed(site.engine, "small", 1)
    desk = site.auth("registrar")
    short = site.client.post(
        f"/api/v1/placements/{placement_id}/cancel", json={"reason": "no"}, headers=desk
    )
    assert short.status_code == 422 and "reason" in short.json()["detail"]
    host = site.client.post(
        f"/api/v1/placements/{placement_id}/cancel", json={"reason": "the host"},
        headers=site.auth("host"),
    )  # fmt: skip
    assert host.status_code == 403
    cancelled = site.client.post(
        f"/api/v1/placements/{placement_id}/cancel", json={"reason": "wrong town"}, headers=desk
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = site.client.post(
        f"/api/v1/placements/{placement_id}/cancel", json={"reason": "wrong town"}, headers=desk
    )
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"]
    pending = site.client.get(f"/api/v1/households/{household_id}", headers=desk).json()
    assert pending["status"] == "pending"
    reopen = site.client.post(
        f"/api/v1/households/{household_id}/reopen", json={"reason": "not a no-show"}, headers=desk
    )
    assert reopen.status_code == 409
    missing = site.client.post(
        "/api/v1/placements/999999/cancel", json={"reason": "wrong town"}, headers=desk
    )
    assert missing.status_code == 404
    _consistent(site.engine)


def _session_cookie(engine: Engine, username: str) -> tuple[str, str]:
    with transaction(engine) as db_session:
        user = db_session.scalars(select(User).where(User.username == username)).one()
        return start_session(db_session=db_session, user=user)


def test_the_household_page_cancels_and_reopens_with_a_reason(sqlite_site: Site) -> None:
    household_id, placement_id = _placed(sqlite_site.engine, "small", 1)
    token, csrf = _session_cookie(sqlite_site.engine, "registrar")
    client = sqlite_site.client
    client.cookies.set(SESSION_COOKIE, token)
    page = client.get(f"/desk/households/{household_id}?lang=ru")
    assert 'id="cancel-placement"' in page.text and "Ivan Petrov" in page.text
    assert 'href="/desk" id="next-household"' in page.text
    refused = client.post(
        f"/desk/households/{household_id}/cancel?lang=ru",
        data={"csrf_token": csrf, "placement_id": str(placement_id), "reason": "x"},
    )
    assert refused.status_code == 422 and "укажите причину" in refused.text
    done = client.post(
        f"/desk/households/{household_id}/cancel",
        data={"csrf_token": csrf, "placement_id": str(placement_id), "reason": "wrong town"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    options = client.get(f"/desk/households/{household_id}?lang=en").text
    assert 'class="card option"' in options and 'id="cancel-placement"' not in options
    assert _state(sqlite_site.engine, household_id)[:2] == ("pending", ["cancelled"])
    _consistent(sqlite_site.engine)


Race = Callable[[httpx.Client, int], httpx.Response]


def _race(engine: Engine, site: Site, *runners: tuple[str, Race]) -> list[int]:
    """Each runner (a role and a request) at once, behind a barrier; their status codes."""
    server, url = serve_in_thread(create_app(engine, letter_secret=b"race"))
    barrier = threading.Barrier(len(runners))
    statuses = [0] * len(runners)

    def run(n: int) -> None:
        role, request = runners[n]
        with httpx.Client(base_url=url, headers=site.auth(role), timeout=60) as client:
            barrier.wait()
            statuses[n] = request(client, n).status_code

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(runners))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.should_exit = True
    return statuses


def test_two_desks_cancelling_one_placement_cancel_it_once(migrated_engine: Engine) -> None:
    site = make_site(migrated_engine)
    household_id, placement_id = _placed(migrated_engine, "oral", 3)

    def cancel(client: httpx.Client, n: int) -> httpx.Response:
        reason = {"reason": f"desk {n}"}
        return client.post(f"/api/v1/placements/{placement_id}/cancel", json=reason)

    statuses = _race(migrated_engine, site, *[("registrar", cancel)] * 4)
    assert sorted(statuses) == [200, 409, 409, 409], statuses
    assert _state(migrated_engine, household_id) == (
        "pending", ["cancelled"], {"oral": 0, "aksai": 0, "small": 0},
    )  # fmt: skip
    assert len(_audit(migrated_engine, "placement.cancel")) == 1
    _consistent(migrated_engine)


def test_a_cancel_racing_the_hosts_arrival_loses_or_wins_whole(migrated_engine: Engine) -> None:
    site = make_site(migrated_engine)  # the host's settlement is "small"
    household_id, placement_id = _placed(migrated_engine, "small", 2)

    def cancel(client: httpx.Client, n: int) -> httpx.Response:
        return client.post(f"/api/v1/placements/{placement_id}/cancel", json={"reason": "moved"})

    def arrive(client: httpx.Client, n: int) -> httpx.Response:
        return client.post(f"/api/v1/placements/{placement_id}/arrival", json={"arrived": True})

    statuses = _race(migrated_engine, site, ("registrar", cancel), ("host", arrive))
    assert sorted(statuses) == [200, 409], statuses
    status, placements, loads = _state(migrated_engine, household_id)
    if statuses[0] == 200:
        assert (status, placements, loads["small"]) == ("pending", ["cancelled"], 0)
    else:
        assert (status, placements, loads["small"]) == ("arrived", ["arrived"], 2)
    _consistent(migrated_engine)


def test_two_desks_replacing_one_household_place_it_once(migrated_engine: Engine) -> None:
    """Cancel-and-confirm by two desks at once: one cancel, one new placement, no leak."""
    site = make_site(migrated_engine)
    household_id, placement_id = _placed(migrated_engine, "oral", 2)
    choices = ("aksai", "small")

    def replace(client: httpx.Client, n: int) -> httpx.Response:
        cancelled = client.post(
            f"/api/v1/placements/{placement_id}/cancel", json={"reason": f"desk {n} moves it"}
        )
        if cancelled.status_code != 200:
            return cancelled
        return client.post(
            f"/api/v1/households/{household_id}/placement",
            json={"settlement_id": choices[n], "override_reason": "family nearby"},
        )

    statuses = _race(migrated_engine, site, ("registrar", replace), ("coordinator", replace))
    assert sorted(statuses) == [201, 409], statuses
    status, placements, loads = _state(migrated_engine, household_id)
    winner = choices[statuses.index(201)]
    assert (status, placements) == ("placed", ["cancelled", "reserved"])
    assert loads == {"oral": 0, "aksai": 0, "small": 0} | {winner: 2}
    _consistent(migrated_engine)


def test_two_desks_reopening_a_no_show_reopen_it_once(migrated_engine: Engine) -> None:
    site = make_site(migrated_engine)
    household_id, placement_id = _placed(migrated_engine, "small", 2)
    with transaction(migrated_engine) as db_session:
        record_arrival(db_session=db_session, placement_id=placement_id, arrived=False, actor=DESK)

    def reopen(client: httpx.Client, n: int) -> httpx.Response:
        return client.post(
            f"/api/v1/households/{household_id}/reopen", json={"reason": f"desk {n} again"}
        )

    statuses = _race(migrated_engine, site, *[("registrar", reopen)] * 3)
    assert sorted(statuses) == [200, 409, 409], statuses
    assert _state(migrated_engine, household_id) == (
        "pending", ["no_show"], {"oral": 0, "aksai": 0, "small": 0},
    )  # fmt: skip
    assert len(_audit(migrated_engine, "household.reopen")) == 1
    _consistent(migrated_engine)


def test_form_shows_a_conflict_in_the_readers_language(sqlite_site: Site) -> None:
    household_id, placement_id = _placed(sqlite_site.engine, "small", 1)
    with transaction(sqlite_site.engine) as db_session:
        record_arrival(db_session=db_session, placement_id=placement_id, arrived=True, actor=DESK)
    token, csrf = _session_cookie(sqlite_site.engine, "registrar")
    sqlite_site.client.cookies.set(SESSION_COOKIE, token)
    refused = sqlite_site.client.post(
        f"/desk/households/{household_id}/cancel?lang=ru",
        data={"csrf_token": csrf, "placement_id": str(placement_id), "reason": "wrong town"},
    )
    assert refused.status_code == 409
    assert re.search("уже", refused.text), refused.text[-800:]
