"""Engines and sessions: one transaction per user action."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from qonaq.config import get_settings
from qonaq.private_files import create_private_file


def make_engine(url: str | None = None, **options: Any) -> Engine:
    """An engine for `url` (default: the configured database), creating the SQLite file 0600."""
    url = url or get_settings().resolved_database_url()
    _create_sqlite_file(url)
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _create_sqlite_file(url: str) -> None:
    # SQLite would create it 0644 (umask 022); it holds personal data. Its -wal, -shm and
    # -journal files take the database file's mode
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.query.get("uri"):
        return  # another database, or a URI filename SQLite parses itself
    if parsed.database not in (None, "", ":memory:"):
        create_private_file(Path(str(parsed.database)))


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # SQLite ignores foreign keys unless asked, per connection
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits together at the end, or not at all."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        yield session
