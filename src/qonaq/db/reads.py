"""Reading one row into a detached model instance through the Core, without the ORM's
per-query loading: for the hot paths that only read what they load."""

from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached

from qonaq.db.base import Base

Model = TypeVar("Model", bound=Base)


def read_detached(db_session: Session, model: type[Model], key: Any) -> Model | None:
    """The `model` row whose primary key is `key`, detached (not in `db_session`), or None.

    Read on the session's connection, so inside its transaction; unflushed changes of the
    session are not seen: call it before writing, or to read what is not being written.
    """
    row = db_session.connection().execute(_by_key(model), {"key": key}).first()
    if row is None:
        return None
    instance = model(**row._asdict())
    make_transient_to_detached(instance)
    return instance


@cache
def _by_key(model: type[Base]) -> Select[Any]:
    # one statement object per model: its compiled form and cache key are made once
    mapper = inspect(model)
    (primary,) = mapper.primary_key
    columns = [prop.columns[0].label(prop.key) for prop in mapper.column_attrs]
    return select(*columns).where(primary == bindparam("key"))
