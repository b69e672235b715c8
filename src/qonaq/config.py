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
    host: str = "127.0.0.1"
    port: int = 8000
    # days an API token from POST /api/v1/auth/token stays valid
    api_token_days: int = Field(default=7, ge=1, le=365)
    # failed sign-ins one client address may make in 15 minutes before it is locked out
    sign_in_client_failures: int = Field(default=20, ge=5, le=10_000)

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
