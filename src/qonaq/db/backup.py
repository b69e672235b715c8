"""Backing up and restoring the whole database: SQLite's online backup, pg_dump / pg_restore."""

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(ValueError):
    """A backup or restore that could not be done; the message says why."""


def backup(url: str, target: Path) -> None:
    """Write a consistent copy of the database at `url` to `target` (readable by its owner only)."""
    if target.is_dir():
        raise BackupError(f"{target} is a directory: give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    _private(target)
    if make_url(url).get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(url), target)
    else:
        _run(_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _libpq(url))


def restore(url: str, source: Path) -> None:
    """Replace the database at `url` by the backup in `source` (stop the servers first)."""
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if make_url(url).get_backend_name() == "sqlite":
        target = _sqlite_path(url)
        _private(target)
        _sqlite_copy(source, target)
    else:
        _run(
            _pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
            f"--dbname={_libpq(url)}", str(source),
        )  # fmt: skip


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    # SQLite's online backup: a consistent copy even while desks write
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _private(path: Path) -> None:
    # a backup holds the same personal data as the database: owner only
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (no driver name)."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    return found


def _run(*command: str) -> None:
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    result = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise BackupError(f"{Path(command[0]).name}: {last}")
