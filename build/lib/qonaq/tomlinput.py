"""Reading TOML input files (policies, scenarios) into validated models, naming every bad key."""

import math
import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from qonaq.errors import InputFileError, RowError
from qonaq.textfile import read_text

ModelT = TypeVar("ModelT", bound=BaseModel)

# a policy or scenario is a page of settings: anything bigger or deeper is not one
MAX_TOML_BYTES = 1024 * 1024
MAX_DEPTH = 16
# integers beyond int64 overflow the numpy arrays the models become
MAX_INTEGER = 2**63 - 1
# tomllib reads 1e400 as inf: the message names both
NOT_FINITE = "must be a finite number (not inf, nan or beyond 1e308)"


def read_toml(path: Path, model: type[ModelT]) -> ModelT:
    """Read the TOML file at `path` and validate it as `model`; InputFileError on any fault."""
    return parse_toml(str(path), read_text(path, max_bytes=MAX_TOML_BYTES), model)


def parse_toml(source: str, text: str, model: type[ModelT]) -> ModelT:
    """Parse `text` and validate it as `model`; InputFileError lists every bad key."""
    if len(text) > MAX_TOML_BYTES:
        raise InputFileError(source, [RowError(0, "-", f"larger than {MAX_TOML_BYTES:,} bytes")])
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(source, [RowError(0, "-", f"not valid TOML: {exc}")]) from exc
    except ValueError as exc:
        # Python refuses integers of more than 4,300 digits while tomllib reads them
        reason = str(exc).split(";")[0]
        raise InputFileError(source, [RowError(0, "-", f"not valid TOML: {reason}")]) from exc
    except RecursionError as exc:
        # tomllib recurses once per nested array or inline table
        raise InputFileError(source, [RowError(0, "-", _too_deep())]) from exc
    problems = unusable_values(raw)
    if problems:
        raise InputFileError(source, problems)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = [
            RowError(0, ".".join(str(p) for p in err["loc"]) or "-", err["msg"])
            for err in exc.errors()
        ]
        raise InputFileError(source, errors) from exc


def unusable_values(raw: dict[str, object]) -> list[RowError]:
    """Every value no setting can take: inf, nan, integers beyond int64, nesting deeper
    than MAX_DEPTH; walked without recursion, so any depth is safe."""
    problems: list[RowError] = []
    pending: list[tuple[str, object, int]] = [("", raw, 0)]
    while pending:
        key, value, depth = pending.pop()
        if depth > MAX_DEPTH:
            problems.append(RowError(0, key.rsplit(".", 1)[0], _too_deep()))
            break
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(RowError(0, key, NOT_FINITE))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
            problems.append(RowError(0, key, "number too large"))
        elif isinstance(value, dict):
            pending.extend((_join(key, k), v, depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            pending.extend((_join(key, str(i)), v, depth + 1) for i, v in enumerate(value))
    return sorted(problems, key=lambda p: p.column)


def _join(key: str, part: str) -> str:
    return f"{key}.{part}" if key else part


def _too_deep() -> str:
    return f"nested deeper than {MAX_DEPTH} levels"
