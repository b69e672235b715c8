"""The aid API over HTTP: concurrent commits never exceed an offer or a request (SQLite and
PostgreSQL), what a volunteer receives, audited contact views, the public page's limits."""

import threading
from datetime import date

import httpx
import pytest
from sqlalchemy import Engine, func, select

from qonaq.aid.models import AidCommitment, AidOffer, AidRequest
from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import issue_api_token, organisation_id
from qonaq.config import get_settings
from qonaq.db.session import transaction
from qonaq.registry.service import register_household
from qonaq.web.app import create_app
from tests.aid.factories import add_offer, add_request, user_named, verify_volunteer
from tests.e2e.conftest import serve_in_thread
from tests.registry.factories import household, person
from tests.support.public_forms import post_public
from tests.web.conftest import Site, make_site

VOLUNTEERS = 10


def _volunteer_tokens(engine: Engine, count: int, organisation: str) -> list[str]:
    """`count` verified volunteers of one organisation, each with an API token."""
    tokens = []
    with transaction(engine) as db_session:
        group = organisation_id(db_session=db_session, name=organisation)
        for n in range(count):
            db_session.add(
                User(username=f"v{n}", password_hash="-", role="volunteer", organisation_id=group)
            )
    for n in range(count):
        user = verify_volunteer(engine, f"v{n}")
        with transaction(engine) as db_session:
            tokens.append(issue_api_token(db_session=db_session, user=user, actor=Actor("t")))
    return tokens


def _race(url: str, calls: list[tuple[str, dict[str, object]]]) -> list[int]:
    """Send each (token, body) commit at once from its own thread; the status codes."""
    barrier = threading.Barrier(len(calls))
    statuses = [0] * len(calls)

    def volunteer(n: int) -> None:
        token, body = calls[n]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            barrier.wait()
            statuses[n] = client.post("/api/v1/aid/commitments", json=body).status_code

    threads = [threading.Thread(target=volunteer, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_many_volunteers_at_once_never_commit_an_offer_beyond_its_quantity(
    migrated_engine: Engine,
) -> None:
    make_site(migrated_engine)
    tokens = _volunteer_tokens(migrated_engine, VOLUNTEERS, "Kamkor")
    owner = user_named(migrated_engine, "v0")
    offer_id = add_offer(migrated_engine, owner, quantity=6, kind="shelter", unit="beds")
    requests = [add_request(migrated_engine, kind="shelter", people=1) for _ in tokens]
    server, url = serve_in_thread(create_app(migrated_engine, letter_secret=b"race"))
    try:
        calls = [
            (token, {"request_id": request_id, "offer_id": offer_id, "quantity": 1})
            for token, request_id in zip(tokens, requests, strict=True)
        ]
        statuses = _race(url, calls)
    finally:
        server.should_exit = True
    assert sorted(statuses) == [201] * 6 + [409] * (VOLUNTEERS - 6), statuses
    with transaction(migrated_engine) as db_session:
        offer = db_session.get(AidOffer, offer_id)
        assert offer is not None and offer.remaining == 0
        promised = db_session.scalar(select(func.sum(AidCommitment.quantity)))
        assert promised == 6
        committed = db_session.scalar(
            select(func.count()).select_from(AidRequest).where(AidRequest.status == "committed")
        )
        assert committed == 6


def test_many_commits_at_once_never_cover_a_request_beyond_its_need(
    migrated_engine: Engine,
) -> None:
    make_site(migrated_engine)
    tokens = _volunteer_tokens(migrated_engine, 8, "Red Crescent")
    offers = [add_offer(migrated_engine, user_named(migrated_engine, f"v{n}")) for n in range(8)]
    request_id = add_request(migrated_engine, people=3)
    server, url = serve_in_thread(create_app(migrated_engine, letter_secret=b"race"))
    try:
        calls = [
            (token, {"request_id": request_id, "offer_id": offer_id, "quantity": 1})
            for token, offer_id in zip(tokens, offers, strict=True)
        ]
        statuses = _race(url, calls)
    finally:
        server.should_exit = True
    assert sorted(statuses) == [201] * 3 + [409] * 5, statuses
    with transaction(migrated_engine) as db_session:
        request = db_session.get(AidRequest, request_id)
        assert request is not None
        assert (request.status, request.committed) == ("committed", 3)
        # the refused commits took nothing from their offers
        left = db_session.scalars(select(AidOffer.remaining).order_by(AidOffer.id)).all()
        assert sorted(left) == [9, 9, 9] + [10] * 5


def test_a_volunteer_never_receives_a_document_number_or_iin(sqlite_site: Site) -> None:
    """Every answer a verified volunteer gets about a household's request, byte for byte."""
    engine, client = sqlite_site.engine, sqlite_site.client
    member = person(
        full_name="Sergei Ivanov", document_number="75 4455667", iin="900517343210",
        birth_date=date(1990, 5, 17),
    )  # fmt: skip
    with transaction(engine) as db_session:
        found = register_household(
            db_session=db_session, data=household(members=[member]), actor=Actor("t")
        )
        reference = found.reference
    volunteer = verify_volunteer(engine)
    offer_id = add_offer(engine, volunteer, kind="sim_card", quantity=5)
    request_id = add_request(engine, kind="sim_card", people=1, household_code=reference)
    headers = sqlite_site.auth("volunteer")
    answers = [
        client.get("/api/v1/aid/requests", headers=headers),
        client.get(f"/api/v1/aid/requests/{request_id}", headers=headers),
        client.post(
            "/api/v1/aid/commitments",
            headers=headers,
            json={"request_id": request_id, "offer_id": offer_id, "quantity": 1},
        ),
        client.post(f"/api/v1/aid/requests/{request_id}/contact", headers=headers),
        client.get("/api/v1/aid/commitments", headers=headers),
        client.get("/api/v1/aid/offers", headers=headers),
        client.get("/aid", headers=headers),
        client.get(f"/aid/requests/{request_id}", headers=headers),
    ]
    assert [a.status_code for a in answers] == [200, 200, 201, 200, 200, 200, 200, 200]
    assert answers[3].json()["first_name"] == "Aigerim"  # what the requester agreed to share
    for answer in answers:
        for secret in (b"4455667", b"900517343210", b"Sergei", b"Ivanov", b"1990-05-17"):
            assert secret not in answer.content, (answer.url, secret)


def test_only_who_helps_sees_the_contact_and_every_view_is_audited(sqlite_site: Site) -> None:
    engine, client = sqlite_site.engine, sqlite_site.client
    volunteer = verify_volunteer(engine)
    offer_id = add_offer(engine, volunteer)
    request_id = add_request(engine)
    headers = sqlite_site.auth("volunteer")
    contact = f"/api/v1/aid/requests/{request_id}/contact"
    assert client.post(contact, headers=headers).status_code == 403
    assert client.post(contact, headers=sqlite_site.auth("host")).status_code == 403
    body = {"request_id": request_id, "offer_id": offer_id, "quantity": 3}
    assert client.post("/api/v1/aid/commitments", headers=headers, json=body).status_code == 201
    for _ in range(2):
        answer = client.post(contact, headers=headers)
        assert answer.json()["contact"] == "+7 701 555 0101"
    assert client.post(contact, headers=sqlite_site.auth("coordinator")).status_code == 200
    with transaction(engine) as db_session:
        views = db_session.scalars(
            select(AuditEvent.actor_label).where(AuditEvent.action == "aid_request.view_contact")
        ).all()
        assert views == ["volunteer", "volunteer", "coordinator"]
        # nothing of the requester reaches the audit log
        logged = " ".join(
            str(e.after) for e in db_session.scalars(select(AuditEvent)) if e.after is not None
        )
        assert "Aigerim" not in logged and "555 0101" not in logged


def test_an_unverified_or_suspended_volunteer_sees_no_request(sqlite_site: Site) -> None:
    client = sqlite_site.client
    add_request(sqlite_site.engine)
    headers = sqlite_site.auth("volunteer")
    assert client.get("/api/v1/aid/requests", headers=headers).status_code == 403
    assert client.get("/api/v1/aid/requests/1", headers=headers).status_code == 403
    assert 'id="requests"' not in client.get("/aid", headers=headers).text
    volunteer = verify_volunteer(sqlite_site.engine)
    assert len(client.get("/api/v1/aid/requests", headers=headers).json()) == 1
    decision = client.post(
        f"/api/v1/aid/volunteers/{volunteer.id}/decision",
        headers=sqlite_site.auth("coordinator"), json={"status": "suspended"},
    )  # fmt: skip
    assert decision.status_code == 200
    assert client.get("/api/v1/aid/requests", headers=headers).status_code == 403


ASK = {
    "kind": "shelter", "urgency": "today", "people": "4", "place": "hub:syrym",
    "first_name": "Айгерим", "contact": "@aigerim_kz", "details": "two children", "consent": "1",
}  # fmt: skip


def test_the_public_page_keeps_what_was_typed_and_limits_each_client(
    sqlite_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sqlite_site.client
    monkeypatch.setenv("QONAQ_AID_ASKS_PER_HOUR", "2")
    get_settings.cache_clear()
    try:
        page = client.get("/help/ask?lang=kk")
        assert page.status_code == 200 and "Көмек сұрау" in page.text
        refused = post_public(client, "/help/ask?lang=ru", {**ASK, "people": "0", "consent": ""})
        assert refused.status_code == 422
        assert "Пожалуйста, согласитесь передать ваш контакт." in refused.text
        assert 'value="Айгерим"' in refused.text and "two children" in refused.text
        assert 'value="hub:syrym" selected' in refused.text
        unknown = post_public(client, "/help/ask?lang=en", {**ASK, "household_code": "QN-ZZZZZZ"})
        assert unknown.status_code == 422 and "no household has the code QN-ZZZZZZ" in unknown.text
        unsolved = client.post("/help/ask?lang=en", data={**ASK, "challenge": "x"})
        assert unsolved.status_code == 403 and 'value="@aigerim_kz"' in unsolved.text
        for _ in range(2):
            sent = post_public(client, "/help/ask?lang=en", ASK, follow_redirects=False)
            assert sent.status_code == 303
        limited = post_public(client, "/help/ask?lang=en", ASK)
        assert limited.status_code == 429 and "Too many requests" in limited.text
        assert 'value="@aigerim_kz"' in limited.text
    finally:
        get_settings.cache_clear()
    with transaction(sqlite_site.engine) as db_session:
        assert db_session.scalar(select(func.count()).select_from(AidRequest)) == 2


def test_the_aid_api_is_in_the_openapi_document(sqlite_site: Site) -> None:
    paths = sqlite_site.client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/aid/requests", "/api/v1/aid/requests/{request_id}", "/api/v1/aid/offers",
        "/api/v1/aid/commitments", "/api/v1/aid/commitments/{commitment_id}/fulfil",
    ):  # fmt: skip
        assert path in paths
    assert "409" in paths["/api/v1/aid/commitments"]["post"]["responses"]


def test_a_volunteer_signs_up_and_sees_requests_once_verified(sqlite_site: Site) -> None:
    client = sqlite_site.client
    form = {
        "full_name": "Дана Сейткали", "organisation": "Kamkor", "phone": "+7 701 000 0042",
        "settlement_id": "oral", "radius_km": "100", "username": "dana", "skills": "food",
    }  # fmt: skip
    short = post_public(client, "/help/volunteer?lang=ru", {**form, "password": "short"})
    assert short.status_code == 422 and "не менее 10 символов" in short.text
    assert 'value="Дана Сейткали"' in short.text and "short" not in short.text.split("<form")[1]
    signed_up = post_public(
        client, "/help/volunteer?lang=en", {**form, "password": "a long password"},
        follow_redirects=False,
    )  # fmt: skip
    assert signed_up.status_code == 303 and signed_up.headers["location"].startswith("/login")
    again = post_public(client, "/help/volunteer?lang=en", {**form, "password": "a long password"})
    assert again.status_code == 409 and "this sign-in name is taken" in again.text
    token = client.post(
        "/api/v1/auth/token", json={"username": "dana", "password": "a long password"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    add_request(sqlite_site.engine)
    assert client.get("/api/v1/aid/requests", headers=headers).status_code == 403
    dana = user_named(sqlite_site.engine, "dana")
    assert dana.organisation_id is not None
    decision = client.post(
        f"/api/v1/aid/volunteers/{dana.id}/decision",
        headers=sqlite_site.auth("coordinator"), json={"status": "verified"},
    )  # fmt: skip
    assert decision.status_code == 200
    assert len(client.get("/api/v1/aid/requests", headers=headers).json()) == 1


def test_fulfil_call_off_and_cancel_at_once_leave_the_numbers_whole(
    migrated_engine: Engine,
) -> None:
    """A volunteer's double click on fulfil, their call-off and a coordinator's cancel of the
    request, all at once: each closes the commitment at most once, and what the request and
    the offer hold still adds up."""
    site = make_site(migrated_engine)
    volunteer = verify_volunteer(migrated_engine)
    offer_id = add_offer(migrated_engine, volunteer, quantity=5)
    request_id = add_request(migrated_engine, people=3)
    body = {"request_id": request_id, "offer_id": offer_id, "quantity": 3}
    made = site.client.post("/api/v1/aid/commitments", headers=site.auth("volunteer"), json=body)
    commitment_id = made.json()["id"]
    server, url = serve_in_thread(create_app(migrated_engine, letter_secret=b"race"))
    calls = [
        ("volunteer", f"/api/v1/aid/commitments/{commitment_id}/fulfil", {"quantity": 2}),
        ("volunteer", f"/api/v1/aid/commitments/{commitment_id}/fulfil", {"quantity": 2}),
        ("volunteer", f"/api/v1/aid/commitments/{commitment_id}/cancel", None),
        ("coordinator", f"/api/v1/aid/requests/{request_id}/cancel", {"reason": "duplicate"}),
    ]
    barrier = threading.Barrier(len(calls))
    statuses: dict[int, int] = {}

    def call(n: int) -> None:
        role, path, payload = calls[n]
        with httpx.Client(base_url=url, headers=site.auth(role), timeout=60) as client:
            barrier.wait()
            statuses[n] = client.post(path, json=payload).status_code

    threads = [threading.Thread(target=call, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.should_exit = True
    assert set(statuses.values()) <= {200, 409}, statuses
    # the commitment was closed once: by one of the volunteer's calls, or by the cancel
    closers = [statuses[n] for n in range(3)].count(200)
    assert closers == 1 or (closers == 0 and statuses[3] == 200), statuses
    with transaction(migrated_engine) as db_session:
        commitment = db_session.get(AidCommitment, commitment_id)
        request = db_session.get(AidRequest, request_id)
        offer = db_session.get(AidOffer, offer_id)
        assert commitment is not None and request is not None and offer is not None
        assert commitment.status in ("fulfilled", "cancelled")
        assert request.committed == 0
        assert request.fulfilled == commitment.fulfilled
        assert offer.remaining == 5 - commitment.fulfilled
        assert request.status == ("cancelled" if statuses[3] == 200 else "open")
