"""`python -m bench.sign_in`: how sign-in behaves under guessing, against a real `qonaq serve`.

Prints, never asserts: what 10 wrong passwords then the right one get, the median time of a
wrong password for known and unknown names, and how fast `GET /api/v1/me` answers alone and
during 32 concurrent wrong-password attempts (each from its own loopback address). Traffic
goes to 127.0.0.0/8 only; every loop is bounded.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

PASSWORD = "correct horse battery"
TOKEN = "/api/v1/auth/token"
STORM_CLIENTS = 32
STORM_ROUNDS = 4


def qonaq(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "qonaq.cli", *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


def wrong(client: httpx.Client, username: str) -> tuple[int, float]:
    started = time.perf_counter()
    status = client.post(
        TOKEN, json={"username": username, "password": "wrong password"}
    ).status_code
    return status, time.perf_counter() - started


def storm(url: str, index: int, names: str, stop: threading.Event) -> list[int]:
    transport = httpx.HTTPTransport(local_address=f"127.0.0.{10 + index}")
    answers = []
    with httpx.Client(base_url=url, transport=transport, timeout=120) as client:
        for round_ in range(STORM_ROUNDS):
            if stop.is_set():
                break
            name = (
                f"known{1 + (index + round_) % 4}" if names == "known" else f"guess{index}-{round_}"
            )
            answers.append(wrong(client, name)[0])
    return answers


def storm_run(url: str, client: httpx.Client, headers: dict[str, str], names: str) -> None:
    """GET /me while 32 clients guess passwords of known (or unknown) names."""
    stop = threading.Event()
    with ThreadPoolExecutor(STORM_CLIENTS) as pool:
        futures = [pool.submit(storm, url, i, names, stop) for i in range(STORM_CLIENTS)]
        time.sleep(0.5)
        during = me_seconds(client, headers, 10)
        stop.set()
        answers = [a for f in futures for a in f.result()]
    counts = {s: answers.count(s) for s in sorted(set(answers))}
    p50, top = statistics.median(during) * 1000, max(during) * 1000
    print(f"GET /me during {STORM_CLIENTS} concurrent wrong passwords for {names} names: "
          f"p50 {p50:.0f} ms, max {top:.0f} ms; the guesses got {counts}")  # fmt: skip


def me_seconds(client: httpx.Client, headers: dict[str, str], times: int) -> list[float]:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        client.get("/api/v1/me", headers=headers)
        seconds.append(time.perf_counter() - started)
        time.sleep(0.1)
    return seconds


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="qonaq-sign-in-"))
    env = {
        **os.environ,
        "QONAQ_DATABASE_URL": f"sqlite:///{folder / 'qonaq.db'}",
        "QONAQ_VAR_DIR": str(folder),
    }
    for name in ("coordinator", "victim", "known1", "known2", "known3", "known4"):
        qonaq("users", "create", name, "--role", "coordinator", "--password", PASSWORD, env=env)
    port = 18000 + os.getpid() % 1000
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "qonaq.cli", "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            for _ in range(200):
                try:
                    client.get("/login")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            token = client.post(TOKEN, json={"username": "coordinator", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            guessing = httpx.Client(
                base_url=url, timeout=120, transport=httpx.HTTPTransport(local_address="127.0.0.2")
            )
            answers = [wrong(guessing, "victim")[0] for _ in range(10)]
            right = guessing.post(TOKEN, json={"username": "victim", "password": PASSWORD})
            print(f"10 wrong passwords, then the right one: {answers} -> {right.status_code}")
            timing = httpx.Client(
                base_url=url, timeout=120, transport=httpx.HTTPTransport(local_address="127.0.0.3")
            )
            known = [wrong(timing, f"known{1 + i % 4}")[1] for i in range(8)]
            unknown = [wrong(timing, f"nobody{i}")[1] for i in range(8)]
            print(f"median wrong password: known {statistics.median(known) * 1000:.0f} ms, "
                  f"unknown {statistics.median(unknown) * 1000:.0f} ms")  # fmt: skip
            alone = me_seconds(client, headers, 10)
            print(f"GET /me alone: p50 {statistics.median(alone) * 1000:.0f} ms")
            storm_run(url, client, headers, "unknown")
            storm_run(url, client, headers, "known")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
