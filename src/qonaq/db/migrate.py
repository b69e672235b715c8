"""Creating and migrating the database with Alembic, from the CLI, the demo and the tests."""

from pathlib import Path
from typing import TYPE_CHECKING

from qonaq.config import get_settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> "Config":
    """An Alembic configuration for `url` (default: the configured database)."""
    # Alembic loads in half a second: only the commands that migrate pay for it
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url or get_settings().resolved_database_url())
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Create the database or bring it up to `revision`."""
    from alembic import command

    config = alembic_config(url)
    command.upgrade(config, revision)
    _create_queue_schema(config.get_main_option("sqlalchemy.url") or "")


def _create_queue_schema(url: str) -> None:
    # the job queue's tables (procrastinate's own schema) exist wherever workers may run
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine

    from qonaq.jobs.queue import create_queue_schema

    engine = create_engine(url)
    try:
        create_queue_schema(engine)
    finally:
        engine.dispose()


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Take the database back down to `revision` (base: drop everything)."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)
