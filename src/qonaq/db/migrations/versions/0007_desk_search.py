"""desk search: a keyed digest of each member's phone and the member's name case-folded

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 18:10:00

Existing members get both here; phones are read with the configured keys.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
# untyped columns: the migration reads and writes exactly what is stored
PERSONS = sa.table(
    "persons", sa.column("id"), sa.column("full_name"), sa.column("phone"),
    sa.column("phone_key"), sa.column("name_folded"), sa.column("erased_at"),
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("name_folded", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_persons_phone_key"), ["phone_key"], unique=False)
    _fill_rows()


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_phone_key"))
        batch_op.drop_column("name_folded")
        batch_op.drop_column("phone_key")


def _fill_rows() -> None:
    from qonaq.db.crypto import current_keyring
    from qonaq.registry.identity import folded_name, phone_digest

    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(PERSONS.c.id, PERSONS.c.full_name, PERSONS.c.phone, PERSONS.c.erased_at)
            .where(PERSONS.c.id > last_id)
            .order_by(PERSONS.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        keyring = current_keyring()  # only a database with members needs the keys
        values = [
            {
                "row_id": row.id,
                "phone_key": phone_digest(keyring, keyring.open(row.phone)) if row.phone else None,
                "name_folded": None if row.erased_at is not None else folded_name(row.full_name),
            }
            for row in rows
        ]
        connection.execute(
            PERSONS.update()
            .where(PERSONS.c.id == sa.bindparam("row_id"))
            .values(phone_key=sa.bindparam("phone_key"), name_folded=sa.bindparam("name_folded")),
            values,
        )
        last_id = rows[-1].id
