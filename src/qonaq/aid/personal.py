"""Requesters' and volunteers' personal data when the data keys rotate: re-encrypted too."""

from sqlalchemy import Engine, TableClause, bindparam, column, select, table, update

from qonaq.db.crypto import current_keyring
from qonaq.db.session import transaction

# the tables as stored (tokens), without the encrypting column type
SEALED_TABLES: tuple[tuple[TableClause, str, tuple[str, ...]], ...] = (
    (
        table("aid_requests", column("id"), column("first_name"), column("contact"),
              column("details")),
        "id", ("first_name", "contact", "details"),
    ),
    (
        table("volunteers", column("user_id"), column("full_name"), column("phone")),
        "user_id", ("full_name", "phone"),
    ),
)  # fmt: skip


def reseal_aid(*, engine: Engine, batch_size: int = 500) -> int:
    """Re-encrypt every request's and volunteer's sealed fields with the current data key,
    one transaction per batch; returns how many rows."""
    keyring = current_keyring()
    done = 0
    for stored, key, fields in SEALED_TABLES:
        last = None
        while True:
            with transaction(engine) as db_session:
                query = select(stored).order_by(stored.c[key]).limit(batch_size)
                if last is not None:
                    query = query.where(stored.c[key] > last)
                rows = db_session.execute(query.with_for_update()).all()
                if not rows:
                    break
                values = [
                    {
                        "row_key": getattr(row, key),
                        **{
                            name: keyring.seal(keyring.open(getattr(row, name)))
                            if getattr(row, name) is not None
                            else None
                            for name in fields
                        },
                    }
                    for row in rows
                ]
                db_session.execute(
                    update(stored)
                    .where(stored.c[key] == bindparam("row_key"))
                    .values({name: bindparam(name) for name in fields}),
                    values,
                )
            last, done = getattr(rows[-1], key), done + len(rows)
    return done
