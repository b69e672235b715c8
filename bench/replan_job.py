"""`python -m bench.replan_job [HOUSEHOLDS]`: a coordinator's re-plan off the request path.

Prints, never asserts: on a fresh SQLite database with Kazakhstan and HOUSEHOLDS (default
3,000) pending synthetic households, how long `POST /api/v1/replan/preview` takes to answer
202, how long until its job is done (the server's own job thread runs it), and the median
time of one status poll. In process (TestClient), no network; bounded by the job.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from qonaq.auth.actor import Actor
from qonaq.auth.service import create_user
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.demo import first_wave
from qonaq.settlements.seed import seed_kz
from qonaq.web.app import create_app

PASSWORD = "correct horse battery"
POLL_SECONDS = 0.2


def main(households: int) -> None:
    """Queue one preview and follow it to the end; print the three figures."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'qonaq.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        with transaction(engine) as db_session:
            seed_kz(db_session=db_session)
            pending = first_wave(db_session, households)
            create_user(
                db_session=db_session, username="coordinator", password=PASSWORD,
                role="coordinator", actor=Actor("bench"),
            )  # fmt: skip
        with TestClient(create_app(engine, letter_secret=b"bench", run_jobs=True)) as client:
            token = client.post(
                "/api/v1/auth/token", json={"username": "coordinator", "password": PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            started = time.perf_counter()
            queued = client.post("/api/v1/replan/preview", json={}, headers=headers)
            answered = time.perf_counter() - started
            polls, job = [], queued.json()
            while job["status"] in ("queued", "running"):
                time.sleep(POLL_SECONDS)
                before = time.perf_counter()
                job = client.get(job["url"], headers=headers).json()
                polls.append(time.perf_counter() - before)
            done = time.perf_counter() - started
        engine.dispose()
    print(f"pending households: {pending:,}")
    print(f"202 after {answered * 1000:.0f} ms; job {job['status']} after {done:.1f} s")
    print(f"status poll p50: {statistics.median(polls) * 1000:.0f} ms over {len(polls)} polls")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
