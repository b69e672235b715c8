"""Engines and sessions: one transaction per user action."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from qonaq.config import get_settings


def make_engine(url: str | None = None, **options: Any) -> Engine:
    """An engine for `url` (default: the configured database), creating the SQLite folder."""
    url = url or get_settings().resolved_database_url()
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


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
