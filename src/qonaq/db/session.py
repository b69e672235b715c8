"""Engines and sessions: one transaction per user action."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from qonaq.config import get_settings
from qonaq.private_files import create_private_file

# execution option: this transaction will write, so on SQLite it takes the write lock first
WRITES = "qonaq_writes"


def make_engine(url: str | None = None, **options: Any) -> Engine:
    """An engine for `url` (default: the configured database), creating the SQLite file 0600.

    Statement parameters are never logged or put into error messages: they hold names,
    birth dates and document numbers.
    """
    url = url or get_settings().resolved_database_url()
    _create_sqlite_file(url)
    if _pooled(url):
        options = {**pool_options(), **options}
    engine = create_engine(url, hide_parameters=True, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _create_sqlite_file(url: str) -> None:
    # SQLite would create it 0644 (umask 022); it holds personal data. Its -wal, -shm and
    # -journal files take the database file's mode
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.query.get("uri"):
        return  # another database, or a URI filename SQLite parses itself
    if parsed.database not in (None, "", ":memory:"):
        create_private_file(Path(str(parsed.database)))


def _pooled(url: str) -> bool:
    # an in-memory SQLite database lives in one connection: no pool to size
    in_memory = url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url
    return not in_memory


def pool_options() -> dict[str, Any]:
    """One pooled connection per request served at once, a second for the few that need it."""
    settings = get_settings()
    return {
        "pool_size": settings.concurrent_requests,
        "max_overflow": settings.concurrent_requests,
        "pool_timeout": settings.db_pool_timeout,
        "pool_pre_ping": True,
    }


def _sqlite_connect(dbapi_connection: Any, _record: object) -> None:
    # SQLAlchemy emits BEGIN itself (below), so savepoints and write locks work as written
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite ignores foreign keys unless asked
    # readers never block the writer, and a writer waits for the lock instead of failing
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(get_settings().sqlite_busy_timeout * 1000)}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # a transaction that will write takes the lock at BEGIN: taking it at its first write,
    # after reading, fails at once when another desk wrote in between ("database is locked")
    writes = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


# the engine's own session factories for reading and for writing, made once: a sessionmaker
# is a new Session class, whose event set-up cost more than a desk's whole request. Kept on
# the engine, not in a table of engines, so they go when it goes
_FACTORIES = "_qonaq_session_factories"


def _factories(engine: Engine) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    factories: tuple[sessionmaker[Session], sessionmaker[Session]] | None = getattr(
        engine, _FACTORIES, None
    )
    if factories is None:
        writing = engine.execution_options(**{WRITES: True})
        factories = (
            sessionmaker(engine, expire_on_commit=False),
            sessionmaker(writing, expire_on_commit=False),
        )
        setattr(engine, _FACTORIES, factories)
    return factories


@contextmanager
def transaction(engine: Engine, *, writes: bool = True) -> Iterator[Session]:
    """A session whose work commits together at the end, or not at all."""
    reading, writing = _factories(engine)
    with (writing if writes else reading).begin() as session:
        yield session
