"""Configuration: every setting in one place, read from QONAQ_* environment variables."""

import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qonaq.private_files import create_private_file


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
    # where users reach the service (e.g. https://qonaq.gov.kz): letters' QR links point here
    public_url: str = ""

    @field_validator("public_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise ValueError(f"not an http(s)://host[:port] address: {value!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"takes no query or fragment: {value!r}")
        return value.rstrip("/")

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under var_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'qonaq.db').as_posix()}"

    def resolved_public_url(self, host: str | None = None, port: int | None = None) -> str:
        """The public URL, defaulting to http://host:port of where the service listens."""
        return self.public_url or f"http://{host or self.host}:{port or self.port}"

    def resolved_secret_key(self) -> bytes:
        """The configured secret, or one generated once and kept in var_dir/secret_key."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.var_dir / "secret_key"
        create_private_file(path, secrets.token_hex(32).encode())
        return path.read_text().strip().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def settings_problems(exc: ValidationError) -> str:
    """Each bad setting of `exc` as 'QONAQ_<NAME>: <what>', on one line."""
    return "; ".join(
        f"QONAQ_{'_'.join(map(str, error['loc'])).upper()}: "
        + error["msg"].removeprefix("Value error, ")
        for error in exc.errors()
    )
