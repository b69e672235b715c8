"""The web app with one signed-in user per role, for the aid API tests."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.web.conftest import Site, make_site


@pytest.fixture
def sqlite_site(sqlite_engine: Engine) -> Iterator[Site]:
    """The app on SQLite only (tests not about the backend)."""
    yield make_site(sqlite_engine)
