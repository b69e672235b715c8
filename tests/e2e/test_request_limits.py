"""A served Qonaq refuses an oversized body while it arrives, and still takes normal forms."""

from collections.abc import Iterator

import httpx

from qonaq.i18n import gettext
from qonaq.web.app import MAX_BODY_BYTES
from tests.e2e.conftest import PASSWORD, LiveSite
from tests.web.conftest import post_login

CHUNK = 64 * 1024
SENT_AT_MOST = 64 * 1024 * 1024


class ChunkedBody:
    """A body sent with Transfer-Encoding: chunked that counts what the client produced."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.produced = 0

    def __iter__(self) -> Iterator[bytes]:
        while self.produced < self.total:
            self.produced += CHUNK
            yield b"x" * CHUNK


def test_a_chunked_api_body_over_the_limit_gets_413_before_it_is_all_sent(
    live_site: LiveSite,
) -> None:
    body = ChunkedBody(SENT_AT_MOST)
    response = httpx.post(
        f"{live_site.url}/api/v1/auth/token",
        content=iter(body),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 413
    assert response.json() == {"detail": f"request body over {MAX_BODY_BYTES} bytes"}
    # the server stopped reading near the limit instead of buffering 64 MiB: the client's
    # generator was cut off (what it produced beyond 256 KiB sat in socket buffers)
    assert body.produced < SENT_AT_MOST // 4


def test_a_chunked_form_over_the_limit_gets_a_413_page_in_the_users_language(
    live_site: LiveSite,
) -> None:
    body = ChunkedBody(SENT_AT_MOST)
    response = httpx.post(
        f"{live_site.url}/login",
        content=iter(body),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "kk"},
        timeout=60,
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    message = gettext("kk", "The form is too large to send (over %(kib)s KiB).")
    assert message != "The form is too large to send (over %(kib)s KiB)."
    assert message % {"kib": MAX_BODY_BYTES // 1024} in response.text
    assert body.produced < SENT_AT_MOST // 4


def test_a_declared_length_over_the_limit_is_refused_before_the_body(live_site: LiveSite) -> None:
    response = httpx.post(
        f"{live_site.url}/api/v1/auth/token",
        content=b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["connection"] == "close"


def test_normal_forms_and_small_chunked_bodies_still_work(live_site: LiveSite) -> None:
    with httpx.Client(base_url=live_site.url) as browser:
        signed_in = post_login(browser, "registrar", PASSWORD)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/desk"
    credentials = b'{"username": "registrar", "password": "%s"}' % PASSWORD.encode()
    chunked = httpx.post(
        f"{live_site.url}/api/v1/auth/token",
        content=iter([credentials[:10], credentials[10:]]),
        headers={"Content-Type": "application/json"},
    )
    assert chunked.status_code == 200, chunked.text
    assert chunked.json()["access_token"]
