"""Text people type is refused when it holds control characters.

A NUL byte in a name made PostgreSQL fail, and the failure logged every parameter of the
statement: names, birth dates, documents. Tabs and line breaks stay allowed.
"""

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, field_validator

from qonaq.i18n import N_

# C0 and C1 controls but tab, line feed and carriage return; DEL; lone UTF-16 surrogates
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_MESSAGE = N_("contains control characters")


def refuse_control_characters(value: str) -> str:
    """`value` itself, or ValueError when it holds a control character."""
    if CONTROL.search(value):
        raise ValueError(CONTROL_MESSAGE)
    return value


def has_control_characters(value: str) -> bool:
    """Whether `value` holds a control character."""
    return CONTROL.search(value) is not None


# a form field or query parameter of plain text
PlainText = Annotated[str, AfterValidator(refuse_control_characters)]


class UserInput(BaseModel):
    """Base of every model read from a request: no text field may hold control characters."""

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        _check(value)
        return value


def _check(value: Any) -> None:
    if isinstance(value, str):
        refuse_control_characters(value)
    elif isinstance(value, list | tuple | set):
        for item in value:
            _check(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key)
            _check(item)
