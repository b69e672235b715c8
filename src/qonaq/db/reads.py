"""Reading one row into a detached model instance through the Core, without the ORM's
per-query loading: for the hot paths that only read what they load."""

from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Label, Select, bindparam, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached

from qonaq.db.base import Base

Model = TypeVar("Model", bound=Base)


def read_detached(db_session: Session, model: type[Model], key: Any) -> Model | None:
    """The `model` row whose primary key is `key`, detached (not in `db_session`), or None.

    Read on the session's connection, so inside its transaction; unflushed changes of the
    session are not seen: call it before writing, or to read what is not being written.
    """
    row = db_session.connection().execute(_by_key(model), {"key": key}).first()
    return None if row is None else detached(model, row._asdict())


def detached(model: type[Model], values: Mapping[str, Any]) -> Model:
    """An instance of `model` holding `values` (attribute name → value), as if loaded and
    expunged: a rolled-back transaction does not take it along."""
    instance = model(**values)
    make_transient_to_detached(instance)
    return instance


def model_columns(model: type[Base]) -> list[Label[Any]]:
    """The model's columns, each labelled with its attribute's name (what `detached` takes)."""
    return [prop.columns[0].label(prop.key) for prop in inspect(model).column_attrs]


@cache
def _by_key(model: type[Base]) -> Select[Any]:
    # one statement object per model: its compiled form and cache key are made once
    (primary,) = inspect(model).primary_key
    return select(*model_columns(model)).where(primary == bindparam("key"))
