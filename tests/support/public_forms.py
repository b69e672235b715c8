"""Posting a public form as its page's script does: the challenge it carries, solved."""

import re

from fastapi.testclient import TestClient
from httpx import Response

from qonaq.auth.flood import solve


def challenge_fields(page: str) -> dict[str, str]:
    """The challenge of a public form's page and its answer, as public.js sends them."""
    found = re.search(r'name="challenge" value="([^"]+)"', page)
    assert found is not None, page
    return {"challenge": found.group(1), "challenge_answer": solve(found.group(1))}


def post_public(
    client: TestClient, path: str, fields: dict[str, str], **options: object
) -> Response:
    """GET the form's page for a fresh challenge (each is accepted once), then POST it."""
    page = client.get(path)
    return client.post(path, data={**fields, **challenge_fields(page.text)}, **options)  # type: ignore[arg-type]
