"""Creating and migrating the database with Alembic, from the CLI, the demo and the tests."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from qonaq.config import get_settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for `url` (default: the configured database)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url or get_settings().resolved_database_url())
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Create the database or bring it up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Take the database back down to `revision` (base: drop everything)."""
    command.downgrade(alembic_config(url), revision)
