"""`make bench-load`: 64 simulated registrars at once against `qonaq serve` on a throw-away
PostgreSQL, each doing register → recommend → confirm over HTTP on loopback for a bounded time.

Prints confirmed registrations per second, p50 / p99 per step, errors, capacity overruns and
lost or duplicated households (both must be zero), the CPU time per confirmed registration
(server processes and PostgreSQL: independent of other work on the machine) and the machine.
Runs the same load twice in one run, with the per-process desk cache off ("before") and on
("after"), and prints the ratios. Printed, never asserted.

    python -m bench.load [--clients 64] [--seconds 20] [--processes 2] [--concurrent N]
                         [--only before|after] [--profile FOLDER]
"""

import argparse
import asyncio
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from bench.__main__ import machine
from bench.crash import PASSWORD, prepare
from qonaq.config import get_settings
from tests.support.postgres import PostgresServer, free_port

STEPS = ("register", "recommend", "confirm")
# a request slower than this counts as an error (the desk would have given up)
CLIENT_TIMEOUT = 30.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Tally:
    """What the simulated registrars saw."""

    latency: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    errors: dict[str, int] = field(default_factory=dict)
    registered: list[int] = field(default_factory=list)
    confirmed: list[int] = field(default_factory=list)
    full: int = 0  # 409 on confirm: the settlement filled between recommend and confirm

    def error(self, step: str, what: str) -> None:
        key = f"{step} {what}"
        self.errors[key] = self.errors.get(key, 0) + 1


def _body(run: str, registrar: int, n: int) -> dict[str, object]:
    return {
        "origin_hub_id": ("aksai", "syrym", "kyzyl_zhar")[registrar % 3],
        "members": [{"full_name": "Load Test", "birth_date": "1990-01-01", "sex": "M",
                     "citizenship": "RUS", "document_type": "passport",
                     "document_number": f"{run}{registrar:03d} {n:06d}"}],
    }  # fmt: skip


async def _timed(
    tally: Tally, step: str, request: Coroutine[Any, Any, httpx.Response]
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await request
    except httpx.HTTPError as exc:
        tally.error(step, type(exc).__name__)
        return None
    tally.latency[step].append(time.perf_counter() - started)
    return response


async def _registrar(
    base: str, token: str, run: str, registrar: int, until: float, tally: Tally
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=CLIENT_TIMEOUT, limits=limits
    ) as client:
        n = 0
        while time.monotonic() < until:
            n += 1
            registered = await _timed(
                tally, "register", client.post("/api/v1/households", json=_body(run, registrar, n))
            )
            if registered is None or registered.status_code != 201:
                if registered is not None:
                    tally.error("register", str(registered.status_code))
                continue
            household = registered.json()["id"]
            tally.registered.append(household)
            path = f"/api/v1/households/{household}"
            options = await _timed(tally, "recommend", client.get(f"{path}/recommendations"))
            if options is None or options.status_code != 200 or not options.json():
                if options is not None:
                    tally.error("recommend", str(options.status_code))
                continue
            first = options.json()[0]
            choice = {"settlement_id": first["settlement_id"], "shown": first["shown"]}
            placed = await _timed(tally, "confirm", client.post(f"{path}/placement", json=choice))
            if placed is not None and placed.status_code == 201:
                tally.confirmed.append(household)
            elif placed is not None and placed.status_code == 409:
                tally.full += 1
            elif placed is not None:
                tally.error("confirm", str(placed.status_code))


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of `pids` and their children still alive, in seconds."""
    return sum(_own_cpu_seconds(pid) for pid in _with_children(pids))


def _own_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def _with_children(pids: list[int]) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, ValueError):
                continue
    found = set(pids)
    grew = True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        found |= more
        grew = bool(more)
    return found


def _serve_has_workers() -> bool:
    shown = subprocess.run(
        [sys.executable, "-m", "qonaq.cli", "serve", "--help"], capture_output=True, text=True
    )
    return "--workers" in shown.stdout


class Servers:
    """`processes` server processes on PostgreSQL: `qonaq serve --workers N` when this
    branch has it, else N `qonaq serve` processes on their own ports (registrars share them)."""

    def __init__(self, url: str, work: Path, processes: int, environment: dict[str, str]) -> None:
        self.env = {
            **os.environ, **environment, "QONAQ_DATABASE_URL": url, "QONAQ_VAR_DIR": str(work),
        }  # fmt: skip
        self.processes: list[subprocess.Popen[bytes]] = []
        self.bases: list[str] = []
        self.workers = _serve_has_workers()
        self.count = processes

    def start(self) -> None:
        commands = []
        if self.workers:
            port = free_port()
            commands.append((port, ["--workers", str(self.count)]))
        else:
            commands = [(free_port(), []) for _ in range(self.count)]
        for port, extra in commands:
            command = [sys.executable, "-m", "qonaq.cli", "serve", "--port", str(port), *extra]
            self.processes.append(
                subprocess.Popen(
                    command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            )
            self.bases.append(f"http://127.0.0.1:{port}")
        for base in self.bases:
            _wait_until_up(base)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def how(self) -> str:
        if self.workers:
            return f"`qonaq serve --workers {self.count}`"
        return f"{self.count} `qonaq serve` processes on their own ports (no --workers here)"


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"qonaq serve at {base} did not start")


def _postmaster(postgres: PostgresServer) -> int:
    return int((postgres.data / "postmaster.pid").read_text().split()[0])


@dataclass(frozen=True)
class Outcome:
    """One load run's figures."""

    seconds: float
    tally: Tally
    server_cpu: float
    database_cpu: float
    driver_cpu: float
    checks: dict[str, int]
    load_average: tuple[float, float, float]

    @property
    def rate(self) -> float:
        return len(self.tally.confirmed) / self.seconds

    def cpu_ms_per_confirmed(self) -> tuple[float, float]:
        confirmed = max(len(self.tally.confirmed), 1)
        return 1e3 * self.server_cpu / confirmed, 1e3 * self.database_cpu / confirmed


def integrity(url: str, tally: Tally) -> dict[str, int]:
    """What must be zero after a load run, counted in the database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        overruns = conn.execute(
            text(
                "SELECT count(*) FROM settlements WHERE load_persons > cap_persons "
                "OR load_children > cap_children OR load_medical > cap_medical"
            )
        ).scalar_one()
        wrong_loads = conn.execute(
            text(
                "SELECT count(*) FROM settlements s LEFT JOIN (SELECT settlement_id, "
                "sum(persons) p, sum(children) c, sum(medical) m FROM placements WHERE status "
                "IN ('reserved', 'arrived') GROUP BY settlement_id) a ON a.settlement_id = s.id "
                "WHERE s.load_persons <> coalesce(a.p, 0) OR s.load_children <> coalesce(a.c, 0) "
                "OR s.load_medical <> coalesce(a.m, 0)"
            )
        ).scalar_one()
        stored = {
            row[0]: row[1]
            for row in conn.execute(text("SELECT id, status FROM households WHERE size > 0"))
        }
        active: dict[int, int] = dict(
            conn.execute(
                text(
                    "SELECT household_id, count(*) FROM placements "
                    "WHERE status IN ('reserved', 'arrived') GROUP BY household_id"
                )
            ).all()
        )
        duplicated_documents = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT document_key FROM persons WHERE document_key IS "
                "NOT NULL GROUP BY document_key HAVING count(*) > 1) d"
            )
        ).scalar_one()
    engine.dispose()
    acknowledged = set(tally.registered)
    return {
        "capacity overruns": overruns,
        "loads != sum of active placements": wrong_loads,
        "lost households (acknowledged, not stored)": len(acknowledged - stored.keys()),
        "duplicated households (same document twice)": duplicated_documents,
        "confirmed without exactly one active placement": sum(
            active.get(h, 0) != 1 for h in tally.confirmed
        ),
        "households with two active placements": sum(n > 1 for n in active.values()),
    }


async def _drive(bases: list[str], clients: int, seconds: float, run: str, tally: Tally) -> None:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT) as client:
        token = (
            await client.post(
                f"{bases[0]}/api/v1/auth/token", json={"username": "desk", "password": PASSWORD}
            )
        ).json()["access_token"]
    until = time.monotonic() + seconds
    await asyncio.gather(
        *(_registrar(bases[r % len(bases)], token, run, r, until, tally) for r in range(clients))
    )


def load_run(
    postgres: PostgresServer, work: Path, *, clients: int, seconds: float, processes: int,
    cache: bool, profile: Path | None = None, concurrent: int | None = None,
) -> tuple[Outcome, str]:  # fmt: skip
    """A fresh database, the servers, a short warm-up, then `seconds` of load; checks after."""
    name = f"load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = postgres.url(name)
    prepare(url)
    # the access log's line per request is the proxy's job in a deployment (README, Load)
    environment = {"QONAQ_DESK_CACHE": "1" if cache else "0", "QONAQ_ACCESS_LOG": "0"}
    if concurrent is not None:
        environment["QONAQ_CONCURRENT_REQUESTS"] = str(concurrent)
    servers = Servers(url, work, processes, environment)
    servers.start()
    try:
        asyncio.run(_drive(servers.bases, clients, 3.0, "1", Tally()))  # warm-up
        tally = Tally()
        pg = [_postmaster(postgres)]
        cpu_before = (_cpu_seconds(servers.pids), _cpu_seconds(pg), time.process_time())
        spy = _start_profile(_busiest(servers.pids), seconds, profile)
        started = time.monotonic()
        asyncio.run(_drive(servers.bases, clients, seconds, "2", tally))
        elapsed = time.monotonic() - started
        if spy is not None:
            spy.wait()
        cpu_after = (_cpu_seconds(servers.pids), _cpu_seconds(pg), time.process_time())
        load_average = os.getloadavg()
    finally:
        servers.stop()
    outcome = Outcome(
        seconds=elapsed,
        tally=tally,
        server_cpu=cpu_after[0] - cpu_before[0],
        database_cpu=cpu_after[1] - cpu_before[1],
        driver_cpu=cpu_after[2] - cpu_before[2],
        checks=integrity(url, tally),
        load_average=load_average,
    )
    return outcome, servers.how()


def _busiest(pids: list[int]) -> int:
    """The process, of `pids` and their children, that used the most CPU so far: with
    `--workers` the server processes are the supervisor's children."""
    return max(_with_children(pids), key=_own_cpu_seconds)


def _start_profile(pid: int, seconds: float, out: Path | None) -> subprocess.Popen[bytes] | None:
    """py-spy sampling server process `pid` while it holds the GIL (its CPU time)."""
    if out is None:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [
        spy, "record", "--pid", str(pid), "--duration", str(int(seconds) - 1), "--rate", "200",
        "--gil", "--nonblocking", "--format", "raw", "--output", str(out),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def profile_lines(raw: Path, top: int = 20) -> list[str]:
    """Where the server's CPU goes: by package of the innermost frame (self time), then the
    Qonaq functions with the most inclusive time, as shares of the GIL-holding samples."""
    inclusive: dict[str, int] = {}
    packages: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = [f.rsplit(" (", 1) for f in stack.split(";")]
        where = frames[-1][-1].split(":")[0]
        package = where.split("/")[0] if "/" in where else "python"
        packages[package] = packages.get(package, 0) + n
        for name in {
            f"{f[0]} ({f[1].split(':')[0]})" for f in frames if f[-1].startswith("qonaq/")
        }:
            inclusive[name] = inclusive.get(name, 0) + n
    share = max(total, 1) / 100
    by_package = sorted(packages.items(), key=lambda kv: -kv[1])[:12]
    lines = ["self time by package: " + ", ".join(f"{k} {v / share:.0f} %" for k, v in by_package)]
    ranked = sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]
    return lines + [f"{n / share:5.1f} % {name}" for name, n in ranked]


def _cuts(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (values[0] * 1e3, values[0] * 1e3) if values else (float("nan"), float("nan"))
    cuts = statistics.quantiles(values, n=100)
    return cuts[49] * 1e3, cuts[98] * 1e3


def report(label: str, outcome: Outcome) -> None:
    """The run's figures, a few lines."""
    tally = outcome.tally
    steps = " · ".join(
        "{} p50 {:.0f} ms p99 {:.0f} ms".format(step, *_cuts(tally.latency[step])) for step in STEPS
    )
    server_ms, database_ms = outcome.cpu_ms_per_confirmed()
    driver_ms = 1e3 * outcome.driver_cpu / max(len(tally.confirmed), 1)
    print(
        f"{label}: {outcome.rate:,.1f} confirmed registrations/s "
        f"({len(tally.confirmed):,} in {outcome.seconds:.1f} s; {tally.full} confirms found "
        f"the settlement full) · {steps}"
    )
    print(
        f"  CPU per confirmed registration: server {server_ms:.1f} ms + PostgreSQL "
        f"{database_ms:.1f} ms (driver {driver_ms:.1f} ms)"
        f" · load average after {' '.join(f'{x:.2f}' for x in outcome.load_average)}"
    )
    print(f"  errors: {dict(sorted(tally.errors.items())) or 'none'}")
    print("  checks (must be 0): " + ", ".join(f"{k} {v}" for k, v in outcome.checks.items()))


def server_stack() -> str:
    """The event loop and HTTP parser uvicorn picks in this environment (its "auto")."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop} + {http}"


def postgres_version(postgres: PostgresServer) -> str:
    engine = create_engine(postgres.url("postgres"))
    with engine.connect() as conn:
        version = str(conn.execute(text("SHOW server_version")).scalar_one())
    engine.dispose()
    return version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", choices=("before", "after"), default=None)
    parser.add_argument(
        "--concurrent", type=int, default=None,
        help="QONAQ_CONCURRENT_REQUESTS of each server process (default: the setting's)",
    )  # fmt: skip
    parser.add_argument(
        "--profile", type=Path, default=None, metavar="FOLDER",
        help="py-spy the busiest server process (CPU only); raw samples kept in FOLDER",
    )  # fmt: skip
    options = parser.parse_args()
    if options.profile:
        options.profile.mkdir(parents=True, exist_ok=True)
    postgres = PostgresServer()
    postgres.start()
    try:
        print(
            f"machine: {machine()} · {platform.system()} · PostgreSQL "
            f"{postgres_version(postgres)} · load average before "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        outcomes: dict[str, Outcome] = {}
        for label, cache in (("before", False), ("after", True)):
            if options.only not in (None, label):
                continue
            with tempfile.TemporaryDirectory() as work:
                raw = options.profile / f"{label}.txt" if options.profile else None
                outcome, how = load_run(
                    postgres, Path(work), clients=options.clients, seconds=options.seconds,
                    processes=options.processes, cache=cache, profile=raw,
                    concurrent=options.concurrent,
                )  # fmt: skip
                profiled = profile_lines(raw) if raw is not None and raw.exists() else []
            if not outcomes:
                print(
                    f"{options.clients} registrars, register → recommend → confirm for "
                    f"{options.seconds:.0f} s on {how} ({server_stack()}), each serving "
                    f"{options.concurrent or get_settings().concurrent_requests} requests at once"
                )
            outcomes[label] = outcome
            report(f"{label} (desk cache {'on' if cache else 'off'})", outcome)
            if profiled:
                print("  where the server's CPU goes (py-spy, share of samples holding the GIL):")
                print("\n".join(f"    {line}" for line in profiled))
        if len(outcomes) == 2:
            before, after = outcomes["before"], outcomes["after"]
            cpu_before = sum(before.cpu_ms_per_confirmed())
            cpu_after = sum(after.cpu_ms_per_confirmed())
            print(
                f"after / before: throughput ×{after.rate / max(before.rate, 1e-9):.2f}, "
                f"CPU per confirmed registration ×{cpu_after / max(cpu_before, 1e-9):.2f}"
            )
    finally:
        postgres.stop()


if __name__ == "__main__":
    main()
