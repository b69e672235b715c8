"""Signing in: locks per account and per client that double, equal time for unknown names,
every attempt audited, the failure committed with its 401, and a bounded number of Argon2
checks at once so a storm of wrong passwords does not slow everyone else down."""

import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, delete, select, update

from qonaq.audit.models import AuditEvent
from qonaq.auth import service
from qonaq.auth.models import SignInThrottle
from qonaq.auth.throttle import lock_length
from qonaq.config import get_settings
from qonaq.db.base import utc_now
from qonaq.db.session import transaction
from qonaq.web.app import create_app
from tests.e2e.conftest import serve_in_thread
from tests.web.conftest import PASSWORD, ROLES, Site, make_site, post_login

TOKEN = "/api/v1/auth/token"


@pytest.fixture
def site(migrated_engine: Engine) -> Iterator[Site]:
    """The app with one user per role, on SQLite, then on PostgreSQL."""
    yield make_site(migrated_engine)


@pytest.fixture
def sqlite_site(sqlite_engine: Engine) -> Iterator[Site]:
    """The app with one user per role, on SQLite only."""
    yield make_site(sqlite_engine)


def attempt(site: Site, username: str, password: str) -> httpx.Response:
    return site.client.post(TOKEN, json={"username": username, "password": password})


def actions(engine: Engine) -> list[tuple[str, str, dict[str, object] | None]]:
    """The sign-in audit events, oldest first: action, object id, details."""
    with transaction(engine) as db_session:
        rows = db_session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("auth.")).order_by(AuditEvent.id)
        )
        return [(row.action, row.object_id, row.after) for row in rows]


def end_locks(engine: Engine) -> None:
    """Let every lock run out, as 15 minutes of waiting would."""
    with transaction(engine) as db_session:
        past = utc_now() - timedelta(seconds=1)
        db_session.execute(update(SignInThrottle).values(locked_until=past))


def test_locks_start_at_30_s_double_and_stop_at_15_min() -> None:
    assert lock_length(4, 5) is None
    assert [lock_length(n, 5) for n in (5, 6, 7, 8)] == [
        timedelta(seconds=s) for s in (30, 60, 120, 240)
    ]
    assert lock_length(10, 5) == lock_length(500, 5) == timedelta(minutes=15)


def test_five_failures_lock_the_account_even_for_the_right_password(site: Site) -> None:
    for _ in range(5):
        assert attempt(site, "registrar", "wrong password").status_code == 401
    refused = attempt(site, "registrar", PASSWORD)
    assert refused.status_code == 429
    assert 25 <= int(refused.headers["Retry-After"]) <= 30
    assert "too many failed sign-ins" in refused.json()["detail"]
    # another account from the same client is not locked
    assert attempt(site, "coordinator", PASSWORD).status_code == 200
    end_locks(site.engine)
    # the next failure locks for twice as long
    assert attempt(site, "registrar", "wrong again").status_code == 401
    assert 55 <= int(attempt(site, "registrar", PASSWORD).headers["Retry-After"]) <= 60
    end_locks(site.engine)
    assert attempt(site, "registrar", PASSWORD).status_code == 200
    events = actions(site.engine)
    assert [a for a, _, _ in events].count("auth.sign_in_failed") == 6
    locks = [after for action, name, after in events if action == "auth.locked"]
    assert [(lock or {})["failures"] for lock in locks] == [5, 6]
    assert events[-1][:2] == ("auth.sign_in", "registrar")
    assert events[-1][2] == {"client": "testclient", "kind": "api"}


def test_a_success_resets_the_account_and_unknown_names_lock_the_same(site: Site) -> None:
    for _ in range(4):
        assert attempt(site, "host", "wrong password").status_code == 401
    assert attempt(site, "host", PASSWORD).status_code == 200
    for _ in range(4):
        assert attempt(site, "host", "wrong password").status_code == 401
    assert attempt(site, "host", PASSWORD).status_code == 200
    # a name nobody has locks like a real one, so the lock tells nothing
    answers = [attempt(site, "nobody", "wrong password").status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]


def test_a_client_address_has_its_own_budget(
    sqlite_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QONAQ_SIGN_IN_CLIENT_FAILURES", "6")
    get_settings.cache_clear()
    try:
        # spread over names, so no account reaches its own limit
        for name in ("ann", "ben", "cem", "dan", "eva", "fay"):
            assert attempt(sqlite_site, name, "wrong password").status_code == 401
        assert attempt(sqlite_site, "coordinator", PASSWORD).status_code == 429
    finally:
        get_settings.cache_clear()
    locks = [after for action, _, after in actions(sqlite_site.engine) if action == "auth.locked"]
    assert locks and (locks[0] or {})["scope"] == "client"


def test_the_sign_in_page_says_when_to_try_again_in_its_language(sqlite_site: Site) -> None:
    client = sqlite_site.client
    for _ in range(5):
        assert post_login(client, "registrar", "wrong password").status_code == 401
    page = post_login(client, "registrar", PASSWORD, url="/login?lang=ru")
    assert page.status_code == 429 and 25 <= int(page.headers["Retry-After"]) <= 30
    assert "Слишком много попыток входа. Повторите через 1 мин." in page.text
    assert 'value="registrar"' in page.text


def test_a_failed_sign_in_is_committed_with_its_401(site: Site) -> None:
    wrong = post_login(site.client, "registrar", "wrong password", url="/login?lang=en")
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
    with transaction(site.engine) as db_session:
        row = db_session.get(SignInThrottle, ("account", "registrar"))
        assert row is not None and row.failures == 1
    failed = [e for e in actions(site.engine) if e[0] == "auth.sign_in_failed"]
    assert failed == [("auth.sign_in_failed", "registrar", {"client": "testclient"})]


def test_concurrent_failures_are_all_counted(site: Site) -> None:
    with ThreadPoolExecutor(6) as pool:
        responses = pool.map(lambda _: attempt(site, "volunteer", "wrong password"), range(6))
        answers = [response.status_code for response in responses]
    with transaction(site.engine) as db_session:
        row = db_session.get(SignInThrottle, ("account", "volunteer"))
        assert row is not None
        # no lost update: every attempt that was checked (401) is one failure
        assert row.failures == answers.count(401) >= 2
    # on a loaded machine some find every password check busy (503): those count nothing
    assert set(answers) <= {401, 429, 503}


def answer_seconds(site: Site, username: str) -> float:
    with transaction(site.engine) as db_session:
        db_session.execute(delete(SignInThrottle))  # measure the check, not a lock
    started = time.perf_counter()
    assert attempt(site, username, "wrong password").status_code == 401
    return time.perf_counter() - started


def test_an_unknown_username_answers_as_slowly_as_a_known_one(sqlite_site: Site) -> None:
    answer_seconds(sqlite_site, "nobody")  # the dummy hash is made once per process
    # pairs measured back to back, so a busy machine slows both sides of each ratio alike
    ratios = [
        answer_seconds(sqlite_site, "nobody") / answer_seconds(sqlite_site, "registrar")
        for _ in range(11)
    ]
    assert 1 / 1.5 < statistics.median(ratios) < 1.5, ratios


def test_a_check_waits_briefly_for_a_slot_then_answers_503(sqlite_site: Site) -> None:
    held = 0
    try:
        while service._hashing_slots.acquire(blocking=False):
            held += 1
        assert held == service.HASHING_SLOTS
        started = time.perf_counter()
        busy = attempt(sqlite_site, "registrar", PASSWORD)
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
        assert time.perf_counter() - started >= service.HASHING_WAIT_SECONDS
        page = post_login(sqlite_site.client, "registrar", PASSWORD, url="/login?lang=kk")
        assert page.status_code == 503 and "Сервер бос емес" in page.text
    finally:
        for _ in range(held):
            service._hashing_slots.release()
    # nothing was counted against the account
    assert attempt(sqlite_site, "registrar", PASSWORD).status_code == 200


def test_a_storm_of_wrong_passwords_leaves_other_requests_fast(sqlite_site: Site) -> None:
    server, url = serve_in_thread(create_app(sqlite_site.engine, letter_secret=b"storm"))
    me = {"Authorization": f"Bearer {sqlite_site.tokens['coordinator']}"}
    stop = threading.Event()
    answers: list[int] = []

    def storm(index: int) -> None:
        # each attacker from its own loopback address, half at the users, half at other names
        transport = httpx.HTTPTransport(local_address=f"127.0.0.{10 + index}")
        with httpx.Client(base_url=url, transport=transport, timeout=30) as client:
            for round_ in range(4):
                if stop.is_set():
                    return
                name = ROLES[index // 2 % len(ROLES)] if index % 2 else f"guess{index}-{round_}"
                body = {"username": name, "password": "wrong password"}
                answers.append(client.post(TOKEN, json=body).status_code)

    try:
        with ThreadPoolExecutor(32) as pool:
            futures = [pool.submit(storm, index) for index in range(32)]
            time.sleep(0.5)
            waits = []
            with httpx.Client(base_url=url, timeout=30) as client:
                for _ in range(9):
                    started = time.perf_counter()
                    assert client.get("/api/v1/me", headers=me).status_code == 200
                    waits.append(time.perf_counter() - started)
                    time.sleep(0.1)
            stop.set()
            for future in futures:
                future.result()
    finally:
        server.should_exit = True
    assert statistics.median(waits) < 1.0, waits
    assert set(answers) <= {401, 429, 503} and 401 in answers, answers
