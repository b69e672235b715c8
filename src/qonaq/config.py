"""Configuration: every setting in one place, read from QONAQ_* environment variables."""

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Qonaq settings; each field is read from the environment variable QONAQ_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="QONAQ_", env_file=".env", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str = ""
    # tests that need PostgreSQL or Chromium fail instead of skipping when this is set (CI)
    require_all: bool = False
    # signs the verification links in placement letters' QR codes; generated once if unset
    secret_key: str = ""
    # requests one server process serves at once, each with its own database connection;
    # the others wait in line (at most queue_timeout seconds, then 503 "busy, try again")
    concurrent_requests: int = Field(default=16, ge=1, le=256)
    queue_timeout: float = Field(default=10.0, gt=0)
    # seconds to wait for a pooled database connection, then 503
    db_pool_timeout: float = Field(default=5.0, gt=0)
    # seconds a SQLite writer waits for another desk's write to finish, then 503
    sqlite_busy_timeout: float = Field(default=15.0, gt=0)
    host: str = "127.0.0.1"
    port: int = 8000

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under var_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'qonaq.db').as_posix()}"

    def resolved_secret_key(self) -> bytes:
        """The configured secret, or one generated once and kept in var_dir/secret_key."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.var_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
