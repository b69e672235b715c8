"""The crash test: desks register and place households on PostgreSQL through a real
`qonaq serve` while the server is killed with SIGKILL and PostgreSQL is restarted mid-run.
Afterwards every acknowledged registration exists exactly once and `qonaq db check` passes.

    python -m bench.crash [SECONDS] [DESKS]      (default 30 s, 8 desks; printed, not asserted)
"""

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from qonaq.auth.actor import Actor
from qonaq.auth.service import create_user
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.registry.integrity import integrity_problems
from qonaq.registry.models import Household, Person
from qonaq.settlements.seed import seed_kz
from tests.support.postgres import PostgresServer, free_port

PASSWORD = "crash test password"


@dataclass
class Tally:
    """What the desks saw: acknowledged registrations by document number, and failures."""

    acknowledged: dict[str, int] = field(default_factory=dict)
    placed: int = 0
    refused: int = 0  # 409: already registered (a retry of an unacknowledged success) or full
    unavailable: int = 0  # connection refused or reset, 503: the server or database was down
    server_errors: int = 0  # 5xx other than 503: must stay 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class CrashReport:
    """The outcome of one crash test."""

    seconds: float
    acknowledged: int
    placed: int
    refused: int
    unavailable: int
    server_errors: int
    missing: list[str]
    duplicated: list[str]
    problems: list[str]


def prepare(url: str) -> None:
    """A migrated database with Kazakhstan's gazetteer and one registrar, `desk`."""
    migrate.upgrade(url)
    engine = make_engine(url)
    with transaction(engine) as db_session:
        seed_kz(db_session=db_session)
        create_user(
            db_session=db_session, username="desk", password=PASSWORD, role="registrar",
            actor=Actor("bench"),
        )  # fmt: skip
    engine.dispose()


class Server:
    """`qonaq serve` in its own process, restartable."""

    def __init__(self, url: str, work: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "QONAQ_DATABASE_URL": url, "QONAQ_VAR_DIR": str(work)}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "qonaq.cli", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/login", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("qonaq serve did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def _desk(server: Server, token: str, desk: int, stop: threading.Event, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    n = 0
    while not stop.is_set():
        document = f"{desk:02d} {n:07d}"
        body = {
            "origin_hub_id": "aksai",
            "members": [{"full_name": "Crash Test", "birth_date": "1988-08-08", "sex": "F",
                         "citizenship": "RUS", "document_type": "passport",
                         "document_number": document}],
        }  # fmt: skip
        try:
            response = httpx.post(
                f"{server.base}/api/v1/households", json=body, headers=headers, timeout=10
            )
            _count(tally, response, document)
            if response.status_code == 201:
                n += 1
                _place(server, headers, response.json()["id"], tally)
            elif response.status_code == 409:
                n += 1  # registered by an attempt whose answer was lost
        except httpx.HTTPError:
            with tally.lock:
                tally.unavailable += 1
            time.sleep(0.2)


def _place(server: Server, headers: dict[str, str], household_id: int, tally: Tally) -> None:
    base = f"{server.base}/api/v1/households/{household_id}"
    options = httpx.get(f"{base}/recommendations", headers=headers, timeout=10)
    if options.status_code != 200 or not options.json():
        return
    first = options.json()[0]
    choice = {"settlement_id": first["settlement_id"], "shown": first["shown"]}
    response = httpx.post(f"{base}/placement", json=choice, headers=headers, timeout=10)
    _count(tally, response, None)


def _count(tally: Tally, response: httpx.Response, document: str | None) -> None:
    with tally.lock:
        if response.status_code == 201 and document is not None:
            tally.acknowledged[document] = response.json()["id"]
        elif response.status_code == 201:
            tally.placed += 1
        elif response.status_code == 409:
            tally.refused += 1
        elif response.status_code == 503:
            tally.unavailable += 1
        elif response.status_code >= 500:
            tally.server_errors += 1


def crash_test(seconds: float = 30.0, desks: int = 8) -> CrashReport:
    """Run the load for `seconds`: SIGKILL the server at a third, restart PostgreSQL at two."""
    postgres = PostgresServer()
    postgres.start()
    try:
        url = postgres.url("postgres")
        prepare(url)
        engine = make_engine(url)
        server = Server(url, postgres.base)
        server.start()
        token = httpx.post(
            f"{server.base}/api/v1/auth/token", json={"username": "desk", "password": PASSWORD}
        ).json()["access_token"]
        tally, stop = Tally(), threading.Event()
        threads = [
            threading.Thread(target=_desk, args=(server, token, d, stop, tally))
            for d in range(desks)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(seconds / 3)
        server.kill()  # mid-request, mid-transaction
        server.start()
        time.sleep(seconds / 3)
        postgres.restart()
        time.sleep(seconds / 3)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        server.kill()
        engine.dispose()
        return _verify(url, tally, elapsed)
    finally:
        postgres.stop()


def _verify(url: str, tally: Tally, elapsed: float) -> CrashReport:
    engine = make_engine(url)
    with transaction(engine, writes=False) as db_session:
        counts = dict(
            db_session.execute(
                select(Person.document_number, func.count()).group_by(Person.document_number)
            ).all()
        )
        problems = integrity_problems(db_session=db_session)
        assert db_session.scalar(select(func.count()).select_from(Household)) is not None
    engine.dispose()
    return CrashReport(
        seconds=elapsed, acknowledged=len(tally.acknowledged), placed=tally.placed,
        refused=tally.refused, unavailable=tally.unavailable, server_errors=tally.server_errors,
        missing=[d for d in tally.acknowledged if counts.get(d, 0) == 0],
        duplicated=[d for d, n in counts.items() if n > 1], problems=problems,
    )  # fmt: skip


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    desks = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    from bench.__main__ import machine

    print(f"crash test · {machine()} · {seconds:.0f} s · {desks} desks")
    report = crash_test(seconds, desks)
    print(
        f"registrations acknowledged {report.acknowledged:,} · placements {report.placed:,} · "
        f"409 {report.refused:,} · unavailable while down {report.unavailable:,} · "
        f"other 5xx {report.server_errors}"
    )
    print(
        f"after SIGKILL of the server and a PostgreSQL restart: missing {len(report.missing)}, "
        f"registered twice {len(report.duplicated)}, db check problems {len(report.problems)}"
    )


if __name__ == "__main__":
    main()
