"""Many desks at once against one `qonaq serve`: each registers a household, asks for its
options and confirms the first, again and again. Prints confirmations per second and the
latency of a whole desk round, on PostgreSQL and on the embedded SQLite.

    python -m bench.desks [DESKS] [SECONDS]      (default 64 desks, 20 s; printed, not asserted)
"""

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.crash import PASSWORD, Server, prepare
from tests.support.postgres import PostgresServer


def _desk(base: str, token: str, desk: int, stop: threading.Event, rounds: list[float],
          statuses: dict[int, int]) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        n = 0
        while not stop.is_set():
            started = time.perf_counter()
            body = {
                "origin_hub_id": "aksai",
                "members": [{"full_name": "Bench Desk", "birth_date": "1990-01-01", "sex": "M",
                             "citizenship": "RUS", "document_type": "passport",
                             "document_number": f"{desk:04d} {n:06d}"}],
            }  # fmt: skip
            n += 1
            registered = client.post("/api/v1/households", json=body)
            statuses[registered.status_code] = statuses.get(registered.status_code, 0) + 1
            if registered.status_code != 201:
                continue
            path = f"/api/v1/households/{registered.json()['id']}"
            first = client.get(f"{path}/recommendations").json()[0]
            choice = {"settlement_id": first["settlement_id"], "shown": first["shown"]}
            placed = client.post(f"{path}/placement", json=choice)
            statuses[placed.status_code] = statuses.get(placed.status_code, 0) + 1
            if placed.status_code == 201:
                rounds.append(time.perf_counter() - started)


def run(url: str, work: Path, desks: int, seconds: float) -> str:
    """One line: confirmations per second and the round's p50 / p99 with `desks` at once."""
    prepare(url)
    server = Server(url, work)
    server.start()
    token = httpx.post(
        f"{server.base}/api/v1/auth/token", json={"username": "desk", "password": PASSWORD}
    ).json()["access_token"]
    stop, rounds, statuses = threading.Event(), [], {}  # type: ignore[var-annotated]
    threads = [
        threading.Thread(target=_desk, args=(server.base, token, d, stop, rounds, statuses))
        for d in range(desks)
    ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    server.kill()
    cuts = statistics.quantiles(rounds, n=100) if len(rounds) > 1 else [0.0] * 99
    return (
        f"{len(rounds) / seconds:,.1f} confirmations/s · round p50 {cuts[49]:.2f} s, "
        f"p99 {cuts[98]:.2f} s · statuses {dict(sorted(statuses.items()))}"
    )


def main() -> None:
    desks = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    from bench.__main__ import machine

    print(f"{desks} desks at once for {seconds:.0f} s · {machine()}")
    postgres = PostgresServer()
    postgres.start()
    try:
        print("PostgreSQL:", run(postgres.url("postgres"), postgres.base, desks, seconds))
    finally:
        postgres.stop()
    with tempfile.TemporaryDirectory() as work:
        print("SQLite:    ", run(f"sqlite:///{work}/qonaq.db", Path(work), desks, seconds))


if __name__ == "__main__":
    main()
