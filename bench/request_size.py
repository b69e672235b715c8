"""One anonymous chunked POST of N MiB against a served Qonaq: the server's memory before and after.

`python -m bench.request_size [MiB]` (default 512) serves a fresh Qonaq in a child process,
sends the body to the JSON sign-in route in 1 MiB chunks, and prints the answer, how much
of the body the client got to send, and the server's resident memory (VmRSS, peak VmHWM).
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

MIB = 1 << 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def memory(pid: int) -> str:
    """The process's current and peak resident memory, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    current, peak = (int(fields[name].split()[0]) // 1024 for name in ("VmRSS", "VmHWM"))
    return f"{current} MB resident, peak {peak} MB"


def main(mebibytes: int) -> None:
    """Serve, send one chunked body of `mebibytes`, print what the server held."""
    port = free_port()
    environment = {**os.environ, "QONAQ_VAR_DIR": tempfile.mkdtemp()}
    command = [sys.executable, "-m", "qonaq.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/login")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        print(f"server before: {memory(server.pid)}")
        sent = 0

        def chunks() -> Iterator[bytes]:
            nonlocal sent
            for _ in range(mebibytes):
                sent += MIB
                yield b"x" * MIB

        started = time.monotonic()
        response = httpx.post(
            f"{url}/api/v1/auth/token",
            content=chunks(),
            headers={"Content-Type": "application/json"},
            timeout=600,
        )
        seconds = time.monotonic() - started
        print(f"answer: {response.status_code} {response.text[:80]} after {seconds:.1f} s")
        print(f"client sent {sent // MIB} MiB of {mebibytes} MiB")
        print(f"server after:  {memory(server.pid)}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 512)
