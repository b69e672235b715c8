"""Pages of departures: review, approve, board, arrive; the manifest; the letter; races."""

import re
import threading

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from qonaq.auth.models import User
from qonaq.auth.service import start_session
from qonaq.db.session import transaction
from qonaq.placement.policy import DEFAULT_POLICY
from qonaq.transport import service
from qonaq.transport.models import Departure
from qonaq.web.app import create_app
from qonaq.web.deps import SESSION_COOKIE
from tests.e2e.conftest import serve_in_thread
from tests.transport.test_service import COORDINATOR, VANS, active_seat_of, place, tomorrow
from tests.web.conftest import HOST_SETTLEMENT, Site, make_site


def signed_in(site: Site, role: str) -> tuple[TestClient, str]:
    """A browser-like client signed in as `role`, and the CSRF token of its forms."""
    with transaction(site.engine) as db_session:
        user = db_session.scalars(select(User).where(User.username == role)).one()
        token, csrf = start_session(db_session=db_session, user=user)
    return TestClient(site.client.app, cookies={SESSION_COOKIE: token}), csrf


@pytest.fixture
def sqlite_site(sqlite_engine: Engine) -> Site:
    return make_site(sqlite_engine)


def test_plan_approve_board_arrive_through_the_pages(sqlite_site: Site) -> None:
    day = tomorrow().isoformat()
    household_id, placement_id = place(sqlite_site.engine, 2, HOST_SETTLEMENT)
    coordinator, csrf = signed_in(sqlite_site, "coordinator")
    page = coordinator.get(f"/coordinator/transport?day={day}")
    assert page.status_code == 200 and "No departures on this day yet." in page.text
    assert re.search(r'id="unplanned">[^<]*<strong>1</strong>', page.text)
    # confirmed a moment ago, before any plan: listed among the waiting, with why (translated)
    with transaction(sqlite_site.engine, writes=False) as db_session:
        ((reference, _, _),) = service.waiting_households(db_session)
    waiting = page.text.split('id="waiting"')[1]
    assert reference in waiting and "not planned yet" in waiting
    in_russian = coordinator.get(f"/coordinator/transport?day={day}&lang=ru").text
    assert "ещё не запланирован" in in_russian.split('id="waiting"')[1]
    planned = coordinator.post(
        "/coordinator/transport/plan", data={"day": day, "csrf_token": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert planned.status_code == 303
    # confirmed after the plan: waiting, and not among the households the departure brings
    _, later_placement = place(sqlite_site.engine, 1, HOST_SETTLEMENT)
    page = coordinator.get(f"/coordinator/transport?day={day}")
    (departure_id,) = map(int, re.findall(r'data-departure="(\d+)"', page.text))
    # only the household confirmed after the plan is not planned yet
    assert re.search(r'id="unplanned">[^<]*<strong>1</strong>', page.text)
    manifest = coordinator.get(f"/transport/departures/{departure_id}")
    with transaction(sqlite_site.engine, writes=False) as db_session:
        (row,) = service.manifest(db_session, departure_id)
    assert row.household_reference in manifest.text and row.household_id == household_id
    csv_text = coordinator.get(f"/transport/departures/{departure_id}/manifest.csv").text
    assert csv_text.splitlines() == [
        "departure_id,household_reference,persons,destination_settlement_id",
        f"{departure_id},{row.household_reference},2,{HOST_SETTLEMENT}",
    ]
    for language, word in (("kk", "Манифест"), ("ru", "Манифест"), ("en", "Manifest")):
        text = coordinator.get(f"/transport/departures/{departure_id}?lang={language}").text
        assert word in text and f'lang="{language}"' in text
    letter = coordinator.get(f"/letters/{placement_id}").text
    assert f"№ {departure_id}," in letter

    host, host_csrf = signed_in(sqlite_site, "host")
    arrivals = host.get("/host/arrivals").text
    assert re.search(r"<td[^>]*>\d{4}-\d\d-\d\d</td><td[^>]*>1</td><td[^>]*>2</td>", arrivals)
    # the host cannot confirm a departure that has not left
    refused = host.post(f"/host/departures/{departure_id}/arrived", data={"csrf_token": host_csrf})
    assert refused.status_code == 409

    for action in ("approve",):
        answer = coordinator.post(
            f"/coordinator/transport/departures/{departure_id}/{action}",
            data={"csrf_token": csrf}, follow_redirects=False,
        )  # fmt: skip
        assert answer.status_code == 303
    registrar, registrar_csrf = signed_in(sqlite_site, "registrar")
    boarding = registrar.get(f"/transport/boarding?day={day}&lang=kk").text
    assert f'data-departure="{departure_id}"' in boarding and "Отырғызу" in boarding
    boarded = registrar.post(
        f"/transport/departures/{departure_id}/board", data={"csrf_token": registrar_csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert boarded.status_code == 303
    arrived = host.post(
        f"/host/departures/{departure_id}/arrived", data={"csrf_token": host_csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert arrived.status_code == 303
    # back to the host's list, filtered to the households the departure brought
    assert arrived.headers["location"] == f"/host?departure={departure_id}"
    with transaction(sqlite_site.engine, writes=False) as db_session:
        assert db_session.get(Departure, departure_id).status == "arrived"  # type: ignore[union-attr]
    brought = host.get(arrived.headers["location"] + "&lang=ru").text
    assert "Семьи, которых привёз рейс" in brought
    assert re.findall(r'data-placement="(\d+)"', brought) == [str(placement_id)]
    everyone = host.get("/host").text
    assert f'data-placement="{later_placement}"' in everyone


def test_roles_and_bad_input(sqlite_site: Site) -> None:
    day = tomorrow().isoformat()
    host, _ = signed_in(sqlite_site, "host")
    assert host.get("/coordinator/transport").status_code == 403
    coordinator, _ = signed_in(sqlite_site, "coordinator")
    assert coordinator.get("/coordinator/transport?day=28.09.2022").status_code == 422
    assert coordinator.get("/transport/departures/999").status_code == 404
    without_token = coordinator.post("/coordinator/transport/plan", data={"day": day})
    assert without_token.status_code == 403


def test_two_coordinators_moving_one_household_one_wins(migrated_engine: Engine) -> None:
    engine = migrated_engine
    site = make_site(engine)
    households = [place(engine, 3, "aksai")[0] for _ in range(3)]
    with transaction(engine) as db_session:
        service.plan_transport(
            db_session=db_session, first_day=tomorrow(), last_day=tomorrow(), policy=VANS,
            circuity=1.25, actor=COORDINATOR,
        )  # fmt: skip
    vans = [active_seat_of(engine, h).departure_id for h in households]
    assert len(set(vans)) == 3
    with transaction(engine) as db_session:
        for van in vans[1:]:
            assert van is not None
            service.change_vehicle(
                db_session=db_session, departure_id=van, vehicle="bus",
                policy=DEFAULT_POLICY.transport, actor=COORDINATOR,
            )  # fmt: skip
    sessions = [signed_in(site, "coordinator") for _ in range(2)]
    server, url = serve_in_thread(create_app(engine, letter_secret=b"race"))
    barrier = threading.Barrier(2)
    statuses = [0, 0]

    def coordinator(n: int) -> None:
        client, csrf = sessions[n]
        cookies = {SESSION_COOKIE: client.cookies[SESSION_COOKIE]}
        with httpx.Client(base_url=url, cookies=cookies, timeout=60) as http:
            barrier.wait()
            answer = http.post(
                f"/coordinator/transport/departures/{vans[0]}/move",
                data={"household_id": households[0], "to_departure_id": vans[n + 1],
                      "csrf_token": csrf},
            )  # fmt: skip
            statuses[n] = answer.status_code

    threads = [threading.Thread(target=coordinator, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.should_exit = True
    assert sorted(statuses) == [303, 409], statuses
    moved_to = active_seat_of(engine, households[0]).departure_id
    assert moved_to == vans[statuses.index(303) + 1]
    with transaction(engine, writes=False) as db_session:
        taken = {d.id: d.seats_taken for d in db_session.scalars(select(Departure))}
    assert taken[vans[0]] == 0 and taken[moved_to] == 6 and sum(taken.values()) == 9
