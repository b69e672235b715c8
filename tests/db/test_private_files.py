"""The data files are the service user's alone: var/ 0700, the database and the secret key 0600."""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from qonaq.cli import app
from qonaq.config import get_settings
from qonaq.db.session import make_engine
from qonaq.private_files import create_private_file

runner = CliRunner()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def fresh_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """QONAQ_VAR_DIR on a folder that does not exist yet, under the usual umask 022."""
    var = tmp_path / "deploy" / "var"
    monkeypatch.setenv("QONAQ_VAR_DIR", str(var))
    monkeypatch.delenv("QONAQ_DATABASE_URL", raising=False)
    monkeypatch.delenv("QONAQ_SECRET_KEY", raising=False)
    get_settings.cache_clear()

    previous = os.umask(0o022)
    yield var
    os.umask(previous)
    get_settings.cache_clear()


def test_db_upgrade_creates_var_0700_and_the_database_0600(fresh_var: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert mode(fresh_var) == 0o700
    assert mode(fresh_var.parent) == 0o700
    assert mode(fresh_var / "qonaq.db") == 0o600
    assert (fresh_var / "qonaq.db").stat().st_size > 0  # SQLite took the empty file as its own


def test_the_write_ahead_log_and_shared_memory_files_are_0600_too(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'qonaq.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode=WAL")).scalar() == "wal"
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.commit()
        companions = [tmp_path / "qonaq.db-wal", tmp_path / "qonaq.db-shm"]
        assert all(path.exists() for path in companions)
        assert [mode(path) for path in companions] == [0o600, 0o600]
    engine.dispose()


def test_the_generated_secret_key_is_0600_and_never_empty(fresh_var: Path) -> None:
    key = get_settings().resolved_secret_key()
    assert len(key) == 64
    assert mode(fresh_var / "secret_key") == 0o600
    assert get_settings().resolved_secret_key() == key


def test_a_private_file_is_created_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    assert create_private_file(path, b"first")
    assert not create_private_file(path, b"second")
    assert path.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no draft left behind


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    make_engine(f"sqlite:///{shared / 'qonaq.db'}").dispose()
    assert mode(shared) == 0o755
    assert mode(shared / "qonaq.db") == 0o600
