"""Configuration: every setting in one place, read from QONAQ_* environment variables."""

import os
import secrets
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
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
    # requests one server process serves at once, each with its own database connection;
    # the others wait in line (at most queue_timeout seconds, then 503 "busy, try again")
    concurrent_requests: int = Field(default=16, ge=1, le=256)
    queue_timeout: float = Field(default=10.0, gt=0)
    # keep the desk's settlement index between requests, re-reading only the loads (and
    # rebuilding it when capacities, vacancies or prices change); off: rebuild per request
    desk_cache: bool = True
    # one log line per request (path without its query); off where a proxy logs them already
    access_log: bool = True
    # seconds to wait for a pooled database connection, then 503
    db_pool_timeout: float = Field(default=5.0, gt=0)
    # seconds a SQLite writer waits for another desk's write to finish, then 503
    sqlite_busy_timeout: float = Field(default=15.0, gt=0)
    # encrypt document numbers, IINs and phones: comma-separated Fernet keys, the first
    # encrypts, the others still decrypt (rotation); generated once into var_dir if unset
    data_keys: str = ""
    # keys the deduplication digests of documents and IINs; generated once if unset
    hash_key: str = ""
    # days after a household's last activity before `qonaq db purge` erases its members
    retention_days: int = Field(default=730, ge=1)
    # days a pre-registration waits to be completed at a PSC; then `qonaq db purge` deletes it
    preregistration_days: int = Field(default=30, ge=1, le=365)
    # posts of each public form (pre-register, status) one client address may make per hour
    public_posts_per_hour: int = Field(default=20, ge=1, le=100_000)
    # leading zero bits of the public forms' hash puzzle (12: about 0.3 s on a cheap phone)
    public_challenge_bits: int = Field(default=12, ge=0, le=24)
    # minutes a running job may go without its worker's heartbeat before it is marked failed
    job_stalled_minutes: int = Field(default=10, ge=1, le=24 * 60)
    host: str = "127.0.0.1"
    port: int = 8000
    # days an API token from POST /api/v1/auth/token stays valid
    api_token_days: int = Field(default=7, ge=1, le=365)
    # failed sign-ins one client address may make in 15 minutes before it is locked out
    sign_in_client_failures: int = Field(default=20, ge=5, le=10_000)
    # addresses of reverse proxies whose X-Forwarded-For is believed (sign-in throttles count
    # the client behind the proxy), comma-separated, or * behind a proxy you fully control
    trusted_proxies: str = "127.0.0.1"
    # hours a request for help nobody has taken stays open before it expires
    aid_request_hours: int = Field(default=72, ge=1, le=24 * 90)
    # requests for help one client address may send per hour on the public page
    aid_asks_per_hour: int = Field(default=10, ge=1, le=10_000)
    # an open request without any commitment for this many hours is highlighted to coordinators
    aid_unmatched_hours: int = Field(default=6, ge=1, le=24 * 30)
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

    def resolved_data_keys(self) -> list[str]:
        """The configured data keys, current first, or one generated once in var_dir/data_key."""
        if self.data_keys.strip():
            return [key.strip() for key in self.data_keys.split(",") if key.strip()]
        return [_key_file(self.var_dir / "data_key", _new_fernet_key)]

    def resolved_hash_key(self) -> bytes:
        """The configured hashing key, or one generated once and kept in var_dir/hash_key."""
        if self.hash_key:
            return self.hash_key.encode()
        return _key_file(self.var_dir / "hash_key", lambda: secrets.token_hex(32)).encode()


def _new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _key_file(path: Path, make: Callable[[], str]) -> str:
    """The key kept in `path`, made once: readable by the owner only, never half-written."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as key_file:
            key_file.write(make() + "\n")
        try:
            # a link is atomic: of two processes starting at once, both end up with one key
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


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
