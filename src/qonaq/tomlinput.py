"""Reading TOML input files (policies, scenarios) into validated models, naming every bad key."""

import tomllib
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from qonaq.errors import InputFileError, RowError

ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_toml(source: str, text: str, model: type[ModelT]) -> ModelT:
    """Parse `text` and validate it as `model`; InputFileError lists every bad key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(source, [RowError(0, "-", f"not valid TOML: {exc}")]) from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = [
            RowError(0, ".".join(str(p) for p in err["loc"]) or "-", err["msg"])
            for err in exc.errors()
        ]
        raise InputFileError(source, errors) from exc
