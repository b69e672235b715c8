"""Several server processes on one PostgreSQL database behave as one server: a session, its
CSRF token, the signed options shown, and the sign-in throttle all hold across processes;
`qonaq serve --workers N` starts N of them behind one port."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bench.crash import PASSWORD, Server, prepare
from qonaq.cli.serve import _warn_when_connections_fall_short, connections_needed
from qonaq.config import get_settings
from tests.support.postgres import free_port

pytestmark = pytest.mark.postgres
MEMBER = {
    "full_name": "Process Test", "birth_date": "1988-08-08", "sex": "F", "citizenship": "RUS",
    "document_type": "passport", "document_number": "77 1234567",
}  # fmt: skip


def _signed_in(base: str) -> tuple[httpx.Client, str]:
    """A browser signed in through the form of the server at `base`, and its CSRF token."""
    browser = httpx.Client(base_url=base, timeout=30)
    form = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    data = {"username": "desk", "password": PASSWORD, "csrf_token": token.group(1)}
    assert browser.post("/login", data=data).status_code == 303
    page = browser.get("/desk")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and csrf is not None
    return browser, csrf.group(1)


def test_two_server_processes_share_sessions_signatures_and_throttles(
    postgres_url: str, tmp_path: Path
) -> None:
    prepare(postgres_url)
    first, second = Server(postgres_url, tmp_path), Server(postgres_url, tmp_path)
    first.start()
    second.start()
    try:
        # a session made on one process works on the other, its CSRF token too
        browser, csrf = _signed_in(first.base)
        on_second = httpx.Client(base_url=second.base, cookies=browser.cookies, timeout=30)
        assert on_second.get("/desk").status_code == 200
        token = httpx.post(
            f"{first.base}/api/v1/auth/token", json={"username": "desk", "password": PASSWORD}
        ).json()["access_token"]
        api = {"Authorization": f"Bearer {token}"}
        household = httpx.post(
            f"{second.base}/api/v1/households", headers=api, timeout=30,
            json={"origin_hub_id": "aksai", "members": [MEMBER]},
        ).json()["id"]  # fmt: skip
        # the options one process showed are recognised by the other (same signing key)
        options = httpx.get(
            f"{first.base}/api/v1/households/{household}/recommendations", headers=api, timeout=30
        ).json()
        confirmed = httpx.post(
            f"{second.base}/api/v1/households/{household}/placement", headers=api, timeout=30,
            json={"settlement_id": options[2]["settlement_id"], "shown": options[2]["shown"]},
        )  # fmt: skip
        # unsigned, or signed with another key, the choice would be refused (422)
        assert confirmed.status_code == 201, confirmed.text
        # signing out on the second process ends the session on the first
        assert on_second.post("/logout", data={"csrf_token": csrf}).status_code == 303
        assert browser.get("/desk").status_code == 303
        # failed sign-ins count together: five wrong, split, lock the account on both
        for n in range(5):
            server = (first, second)[n % 2]
            wrong = {"username": "desk", "password": "wrong password"}
            assert httpx.post(f"{server.base}/api/v1/auth/token", json=wrong).status_code == 401
        right = {"username": "desk", "password": PASSWORD}
        assert httpx.post(f"{first.base}/api/v1/auth/token", json=right).status_code == 429
        assert httpx.post(f"{second.base}/api/v1/auth/token", json=right).status_code == 429
    finally:
        first.kill()
        second.kill()


def test_serve_warns_when_postgresql_allows_fewer_connections_than_the_processes_need(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QONAQ_DATABASE_URL", postgres_url)
    monkeypatch.setenv("QONAQ_CONCURRENT_REQUESTS", "16")
    get_settings.cache_clear()
    try:
        assert connections_needed(2) == 68
        _warn_when_connections_fall_short(1)
        assert capsys.readouterr().err == ""
        _warn_when_connections_fall_short(4)  # 136 > the test server's 100
        assert "4 server processes may open 136 database connections" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_serve_with_workers_starts_that_many_processes_behind_one_port(
    postgres_url: str, tmp_path: Path
) -> None:
    prepare(postgres_url)
    port = free_port()
    environment = {**os.environ, "QONAQ_DATABASE_URL": postgres_url, "QONAQ_VAR_DIR": str(tmp_path)}
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "qonaq.cli", "serve", "--port", str(port), "--workers", "2"],
        env=environment, stdout=log, stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        spawned = [
            p for p in _children(server.pid)
            if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()
        ]  # fmt: skip
        assert len(spawned) == 2
        browser, _csrf = _signed_in(base)
        # new connections land on either process: the session holds on every one
        pages = [httpx.get(f"{base}/desk", cookies=browser.cookies).status_code for _ in range(20)]
        assert pages == [200] * 20
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    assert server.returncode == 0
