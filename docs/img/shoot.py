"""Take the README's screenshots anew: `make demo`'s data, served, photographed in Chromium.

    .venv/bin/python docs/img/shoot.py      (needs Chromium at /usr/bin/chromium; about 2 min)
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOGIN = re.compile(r"login\s+coordinator\s+(\S+)\s+password: (\S+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_coordinator(environment: dict[str, str]) -> tuple[str, str]:
    """Run the demo's job into a fresh var folder; the coordinator's username and password."""
    done = subprocess.run(
        [sys.executable, "-m", "qonaq.demo", "--no-serve"],
        env={**environment, "COLUMNS": "200"}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = LOGIN.search(done.stdout)
    if found is None:
        raise SystemExit("the demo printed no coordinator login")
    return found.group(1), found.group(2)


def serve(environment: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "qonaq.cli", "serve", "--port", str(port)], env=environment
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("qonaq serve did not start")


def photograph(base: str, username: str, password: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1500}, locale="en-US")
        page.goto(f"{base}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{base}/coordinator/dashboard?lang=en")
        page.wait_for_function("() => Number(document.body.dataset.refreshed || 0) >= 1")
        page.wait_for_timeout(1500)  # Plotly's transitions end
        page.screenshot(path=str(HERE / "dashboard.png"))
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as var:
        environment = {**os.environ, "QONAQ_VAR_DIR": var}
        environment.pop("QONAQ_DATABASE_URL", None)
        username, password = demo_coordinator(environment)
        port = free_port()
        server = serve(environment, port)
        try:
            photograph(f"http://127.0.0.1:{port}", username, password)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"wrote {HERE / 'dashboard.png'}")


if __name__ == "__main__":
    main()
