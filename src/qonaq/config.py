"""Configuration: every setting in one place, read from QONAQ_* environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Qonaq settings; each field is read from the environment variable QONAQ_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="QONAQ_", env_file=".env", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str = ""
    # tests that need PostgreSQL or Chromium fail instead of skipping when this is set (CI)
    require_all: bool = False

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under var_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'qonaq.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
