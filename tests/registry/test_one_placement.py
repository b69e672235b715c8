"""One household, one placement: concurrent confirmations of one household, on both databases."""

import threading

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import start_session
from qonaq.db.session import transaction
from qonaq.errors import Conflict
from qonaq.registry.models import Household, Placement
from qonaq.registry.service import confirm_placement, register_household
from qonaq.settlements.models import Settlement
from qonaq.web.app import create_app
from qonaq.web.deps import SESSION_COOKIE
from tests.e2e.conftest import serve_in_thread
from tests.registry.factories import household, seed_tiny_country
from tests.web.conftest import make_site

DESKS = 8
SETTLEMENTS = ("oral", "aksai", "small")


def _register(engine: Engine, size: int = 2) -> int:
    with transaction(engine) as db_session:
        return register_household(
            db_session=db_session, data=household(size), actor=Actor("setup")
        ).id


def _active_placements(engine: Engine, household_id: int) -> list[Placement]:
    with transaction(engine) as db_session:
        return list(
            db_session.scalars(
                select(Placement).where(
                    Placement.household_id == household_id,
                    Placement.status.in_(("reserved", "arrived")),
                )
            )
        )


def _loads(engine: Engine) -> dict[str, int]:
    with transaction(engine) as db_session:
        return {s.id: s.load_persons for s in db_session.scalars(select(Settlement))}


def test_the_database_refuses_a_second_active_placement(migrated_engine: Engine) -> None:
    seed_tiny_country(migrated_engine)
    household_id = _register(migrated_engine)
    row = {"household_id": household_id, "persons": 2, "children": 0, "medical": 0}
    with transaction(migrated_engine) as db_session:
        db_session.add(Placement(settlement_id="oral", status="no_show", **row))
        db_session.add(Placement(settlement_id="oral", status="reserved", **row))
    with pytest.raises(IntegrityError), transaction(migrated_engine) as db_session:
        db_session.add(Placement(settlement_id="aksai", status="reserved", **row))


def test_a_stale_copy_of_the_household_cannot_place_it_again(migrated_engine: Engine) -> None:
    """A request that read the household before another desk placed it gets a 409, not a place."""
    seed_tiny_country(migrated_engine)
    household_id = _register(migrated_engine)
    with transaction(migrated_engine) as db_session:
        stale = db_session.get(Household, household_id)  # read while still pending
        assert stale is not None and stale.status == "pending"
        # another desk places it behind this session's back (the copy above stays 'pending')
        confirm_placement(
            db_session=db_session.__class__(bind=db_session.connection()),
            household_id=household_id, settlement_id="oral", actor=Actor("desk-1"),
            recommended=["oral"], override_reason=None,
        )  # fmt: skip
        assert stale.status == "pending"
        with pytest.raises(Conflict, match="already placed"):
            confirm_placement(
                db_session=db_session, household_id=household_id, settlement_id="aksai",
                actor=Actor("desk-2"), recommended=["aksai"], override_reason=None,
            )  # fmt: skip
    assert [p.settlement_id for p in _active_placements(migrated_engine, household_id)] == ["oral"]
    assert _loads(migrated_engine) == {"oral": 2, "aksai": 0, "small": 0}


def test_eight_desks_confirming_one_household_over_http_place_it_once(
    migrated_engine: Engine,
) -> None:
    site = make_site(migrated_engine)
    household_id = _register(migrated_engine)
    server, url = serve_in_thread(create_app(migrated_engine, letter_secret=b"race"))
    barrier = threading.Barrier(DESKS)
    statuses: list[int] = [0] * DESKS

    def desk(n: int) -> None:
        with httpx.Client(base_url=url, headers=site.auth("registrar"), timeout=60) as client:
            barrier.wait()
            response = client.post(
                f"/api/v1/households/{household_id}/placement",
                json={
                    "settlement_id": SETTLEMENTS[n % len(SETTLEMENTS)],
                    "override_reason": "double click test",
                },
            )
            statuses[n] = response.status_code

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(DESKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.should_exit = True
    assert sorted(statuses) == [201] + [409] * (DESKS - 1), statuses
    (placement,) = _active_placements(migrated_engine, household_id)
    loads = _loads(migrated_engine)
    assert loads[placement.settlement_id] == 2 and sum(loads.values()) == 2
    with transaction(migrated_engine) as db_session:
        assert db_session.scalar(select(func.count()).select_from(Placement)) == 1


def test_a_double_click_on_confirm_gives_one_letter(migrated_engine: Engine) -> None:
    """Two form posts of the desk's Confirm at once: one letter, one 'already placed' page."""
    make_site(migrated_engine)
    household_id = _register(migrated_engine)
    with transaction(migrated_engine) as db_session:
        registrar = db_session.scalars(select(User).where(User.username == "registrar")).one()
        token, csrf = start_session(db_session=db_session, user=registrar)
    server, url = serve_in_thread(create_app(migrated_engine, letter_secret=b"race"))
    barrier = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def click() -> None:
        with httpx.Client(base_url=url, cookies={SESSION_COOKIE: token}, timeout=60) as client:
            barrier.wait()
            form = {"csrf_token": csrf, "settlement_id": "aksai", "override_reason": "family"}
            answers.append(
                client.post(f"/desk/households/{household_id}/confirm?lang=en", data=form)
            )

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.should_exit = True
    letter, refused = sorted(answers, key=lambda r: r.status_code)
    assert letter.status_code == 303 and letter.headers["location"].startswith("/letters/")
    assert refused.status_code == 409 and "already placed" in refused.text
    assert len(_active_placements(migrated_engine, household_id)) == 1
    assert _loads(migrated_engine)["aksai"] == 2
