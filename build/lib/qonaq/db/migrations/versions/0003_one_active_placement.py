"""one active placement per household

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 17:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status IN ('reserved','arrived')")


def upgrade() -> None:
    op.create_index(
        "uq_placements_active_household", "placements", ["household_id"], unique=True,
        sqlite_where=ACTIVE, postgresql_where=ACTIVE,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("uq_placements_active_household", table_name="placements")
