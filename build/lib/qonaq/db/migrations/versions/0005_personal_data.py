"""personal data encrypted at rest; keyed digests deduplicate; members can be erased

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:00:00

Existing rows are encrypted here, with the configured keys (QONAQ_DATA_KEYS and
QONAQ_HASH_KEY, or the ones generated in var_dir): back them up with the database.
"""

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IDENTIFIED = "erased_at IS NOT NULL OR (document_key IS NOT NULL AND document_number IS NOT NULL)"
BATCH = 1000
# untyped columns: the migration reads and writes exactly what is stored
PERSONS = sa.table(
    "persons", sa.column("id"), sa.column("citizenship"), sa.column("document_type"),
    sa.column("document_key"), sa.column("document_number"), sa.column("iin"),
    sa.column("iin_key"), sa.column("phone"), sa.column("erased_at"),
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_constraint("uq_persons_iin", type_="unique")
        batch_op.alter_column("document_key", existing_type=sa.String(80), nullable=True)
        for name, width in (("document_number", 40), ("iin", 12), ("phone", 20)):
            batch_op.alter_column(
                name, existing_type=sa.String(width), type_=sa.Text(), nullable=True
            )
        batch_op.add_column(sa.Column("iin_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    _encrypt_plain_rows()
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.alter_column(
            "document_key", existing_type=sa.String(80), type_=sa.String(64), existing_nullable=True
        )
        batch_op.create_unique_constraint("uq_persons_iin_key", ["iin_key"])
        batch_op.create_check_constraint(op.f("ck_persons_identified"), sa.text(IDENTIFIED))


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_persons_identified"), type_="check")
        batch_op.drop_constraint("uq_persons_iin_key", type_="unique")
        batch_op.alter_column(
            "document_key", existing_type=sa.String(64), type_=sa.String(80), existing_nullable=True
        )
    _decrypt_rows()
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("iin_key")
        batch_op.alter_column("document_key", existing_type=sa.String(80), nullable=False)
        for name, width in (("document_number", 40), ("iin", 12), ("phone", 20)):
            batch_op.alter_column(
                name, existing_type=sa.Text(), type_=sa.String(width),
                nullable=name != "document_number",
            )  # fmt: skip
        batch_op.create_unique_constraint("uq_persons_iin", ["iin"])


def _batches(columns: Sequence[sa.ColumnClause[object]]) -> Iterator[Sequence[sa.Row[object]]]:
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(PERSONS.c.id, *columns)
            .where(PERSONS.c.id > last_id)
            .order_by(PERSONS.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def _write(values: list[dict[str, object]]) -> None:
    columns: dict[str, object] = {n: sa.bindparam(n) for n in values[0] if n != "row_id"}
    op.get_bind().execute(
        PERSONS.update().where(PERSONS.c.id == sa.bindparam("row_id")).values(columns), values
    )


def _encrypt_plain_rows() -> None:
    from qonaq.db.crypto import current_keyring
    from qonaq.registry.identity import document_digest, iin_digest

    columns = (PERSONS.c.document_key, PERSONS.c.document_number, PERSONS.c.iin, PERSONS.c.phone)
    for rows in _batches(columns):
        keyring = current_keyring()  # only a database with members needs the keys
        _write([
            {
                "row_id": row.id,
                # the stored key is already the normalised document: its digest replaces it
                "document_key": document_digest(keyring, row.document_key),
                "document_number": keyring.seal(row.document_number),
                "iin": keyring.seal(row.iin) if row.iin else None,
                "iin_key": iin_digest(keyring, row.iin) if row.iin else None,
                "phone": keyring.seal(row.phone) if row.phone else None,
            }
            for row in rows
        ])  # fmt: skip


def _decrypt_rows() -> None:
    from qonaq.db.crypto import current_keyring
    from qonaq.registry.schemas import document_key_of

    columns = (
        PERSONS.c.citizenship, PERSONS.c.document_type, PERSONS.c.document_number,
        PERSONS.c.iin, PERSONS.c.phone, PERSONS.c.erased_at,
    )  # fmt: skip
    for rows in _batches(columns):
        keyring = current_keyring()
        values: list[dict[str, object]] = []
        for row in rows:
            if row.document_number is None:  # erased: a tombstone keeps the old constraints
                number, key = "erased", f"ERASED:{row.id}"
            else:
                number = keyring.open(row.document_number)
                key = document_key_of(row.citizenship, row.document_type, number)
            values.append({
                "row_id": row.id, "document_key": key, "document_number": number,
                "iin": keyring.open(row.iin) if row.iin else None,
                "phone": keyring.open(row.phone) if row.phone else None,
            })  # fmt: skip
        _write(values)
