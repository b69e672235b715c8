"""Personal data at rest: values encrypted under the data keys, digests under the hashing key."""

import hashlib
import hmac
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from qonaq.config import get_settings


class UndecryptableValue(ValueError):
    """A stored value none of the configured data keys opens (a key was removed too early)."""


class Keyring:
    """The data keys (the first encrypts, all decrypt) and the key of deduplication digests."""

    def __init__(self, data_keys: list[str], hash_key: bytes) -> None:
        if not data_keys:
            raise ValueError("QONAQ_DATA_KEYS holds no key")
        self._fernet = MultiFernet([_fernet(key, number) for number, key in enumerate(data_keys)])
        self._hash_key = hash_key

    def seal(self, value: str) -> str:
        """`value` encrypted and authenticated under the current data key."""
        return self._fernet.encrypt(value.encode()).decode("ascii")

    def open(self, token: str) -> str:
        """The value sealed in `token`, under whichever configured key sealed it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            raise UndecryptableValue(
                "a stored personal value opens with none of QONAQ_DATA_KEYS"
            ) from None

    def digest(self, kind: str, value: str) -> str:
        """HMAC-SHA256 of a normalised `value` of `kind`: equal values, equal digests."""
        message = f"{kind}\x00{value}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()


def _fernet(key: str, number: int) -> Fernet:
    try:
        return Fernet(key)
    except ValueError:
        raise ValueError(
            f"data key {number + 1} of QONAQ_DATA_KEYS is not a Fernet key "
            "(32 url-safe base64 bytes; `qonaq db new-key` makes one)"
        ) from None


def current_keyring() -> Keyring:
    """The keyring of the current settings (read once per distinct configuration)."""
    settings = get_settings()
    return _keyring(settings.data_keys, settings.hash_key, settings.var_dir)


@lru_cache(maxsize=4)
def _keyring(data_keys: str, hash_key: str, var_dir: Path) -> Keyring:
    # the arguments are the cache key: a test or a rotation that changes them gets new keys
    settings = get_settings()
    return Keyring(settings.resolved_data_keys(), settings.resolved_hash_key())


def new_data_key() -> str:
    """A fresh random data key, to put first in QONAQ_DATA_KEYS."""
    return Fernet.generate_key().decode("ascii")


class Sealed(TypeDecorator[str]):
    """Text stored encrypted: code reads and writes plain values, the database sees tokens."""

    impl = Text
    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator[str]):  # noqa: N801 - SQLAlchemy's name
        """Only IS NULL / IS NOT NULL: two encryptions of one value differ, compare digests."""

        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            if op not in (operators.is_, operators.is_not):
                raise TypeError("an encrypted column cannot be compared in SQL; use its digest")
            return super().operate(op, *other, **kwargs)

    def process_bind_param(self, value: str | None, dialect: object) -> str | None:
        return None if value is None else current_keyring().seal(value)

    def process_result_value(self, value: str | None, dialect: object) -> str | None:
        return None if value is None else current_keyring().open(value)
