"""The policy files the web re-plan loads: a bad one is a 422 naming the key, never a 500."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from qonaq.placement import policy as policy_module
from tests.web.conftest import Site, make_site
from tests.web.test_pages import signed_in


@pytest.fixture
def bad_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The shipped policies folder, with `default` edited by hand to an infinite weight."""
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "default.toml").write_text("employment_reward = inf\n")
    (folder / "deep.toml").write_text("x = " + "[" * 10_000 + "]" * 10_000 + "\n")
    monkeypatch.setattr(policy_module, "POLICY_DIR", folder)
    policy_module.policy_named.cache_clear()
    yield folder
    policy_module.policy_named.cache_clear()


@pytest.fixture
def site(sqlite_engine: Engine) -> Site:
    return make_site(sqlite_engine)


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        ("default", "'employment_reward': must be a finite number"),
        ("deep", "nested deeper than 16 levels"),
    ],
)
def test_a_bad_policy_file_is_a_422_for_the_re_plan(
    site: Site, bad_policies: Path, policy: str, words: str
) -> None:
    response = site.client.post(
        "/api/v1/replan/preview", json={"policy": policy}, headers=site.auth("coordinator")
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith(f"policy {policy} cannot be used: ")
    assert words in detail
    assert str(bad_policies) not in detail  # the server's paths stay on the server


def test_the_re_plan_page_words_a_bad_policy_in_the_readers_language(
    site: Site, bad_policies: Path
) -> None:
    client, token = signed_in(site, "coordinator")
    response = client.post(
        "/coordinator/replan?lang=ru",
        data={"policy": "default", "action": "preview", "csrf_token": token},
    )
    assert response.status_code == 422
    assert "политику default нельзя применить" in response.text
    assert "employment_reward" in response.text
