"""Fixtures shared by every test folder: databases (SQLite and a real PostgreSQL)."""

import os
import uuid
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, create_engine, text

from qonaq.db import migrate
from qonaq.db.session import make_engine
from tests.support.postgres import PostgresServer, PostgresUnavailable

REQUIRE_ALL = os.environ.get("QONAQ_REQUIRE_ALL", "") not in ("", "0", "false")
# the session's own keys for personal data, so no test writes key files into ./var
os.environ.setdefault("QONAQ_DATA_KEYS", Fernet.generate_key().decode())
os.environ.setdefault("QONAQ_HASH_KEY", uuid.uuid4().hex)


def unavailable(reason: str) -> None:
    """Skip with `reason`, or fail when QONAQ_REQUIRE_ALL says nothing may be skipped (CI)."""
    if REQUIRE_ALL:
        pytest.fail(f"QONAQ_REQUIRE_ALL is set but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole test session."""
    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        unavailable(str(exc))
    try:
        server.start()
    except Exception as exc:  # a broken install must say why, then skip or fail
        server.stop()
        unavailable(f"PostgreSQL did not start: {exc}")
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh empty database on the test PostgreSQL server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield postgres_server.url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    """A fresh SQLite file."""
    return f"sqlite:///{tmp_path}/qonaq.db"  # type: ignore[str-bytes-safe]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh empty database: SQLite, then a real PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh database migrated to the latest schema."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """An engine on a fresh, migrated SQLite database (for tests not about the backend)."""
    migrate.upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()
