"""Reading a user's text file: every way it can fail is one InputFileError, not a traceback."""

import errno
import re
from pathlib import Path

import numpy as np

from qonaq.errors import InputFileError, RowError

_C1 = re.compile(r"[\x80-\x9f]")
# C0 controls (line breaks and tab included), DEL and C1 controls: never meant in one cell
_CELL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def read_text(path: Path | str, *, max_bytes: int | None = None, encoding: str = "utf-8") -> str:
    """The text of the file at `path`; InputFileError when it is missing, a directory,
    unreadable, larger than `max_bytes` or not UTF-8."""
    source = str(path)
    try:
        with Path(path).open("rb") as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as exc:
        raise _unreadable(source, exc) from exc
    if max_bytes is not None and len(data) > max_bytes:
        raise InputFileError(source, [RowError(0, "-", f"larger than {max_bytes:,} bytes")])
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            source, [RowError(0, "-", f"not UTF-8 text (byte {exc.start + 1})")]
        ) from exc


def _unreadable(source: str, exc: OSError) -> InputFileError:
    reasons = {
        errno.ENOENT: "file not found",
        errno.EISDIR: "is a directory, not a file",
        errno.EACCES: "permission denied",
    }
    reason = reasons.get(exc.errno or 0, f"cannot be read ({exc.strerror or exc})")
    return InputFileError(source, [RowError(0, "-", reason)])


def control_character(cell: str) -> str | None:
    """The first control character of `cell` (line breaks and tab included) as U+XXXX."""
    found = _CELL_CONTROL.search(cell)
    return None if found is None else f"U+{ord(found.group()):04X}"


def has_control_characters(text: str) -> bool:
    """Whether a whole CSV text holds a control character other than its line breaks;
    counted over the bytes with numpy, faster than a regex on a million rows."""
    data = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    c0 = int(np.count_nonzero((data < 0x20) | (data == 0x7F)))
    if c0 != text.count("\n") + text.count("\r"):
        return True
    return not text.isascii() and _C1.search(text) is not None
