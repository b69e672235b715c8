"""Folders and files only the service's own user may read: var/, the database, the secret key."""

import os
import secrets
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def make_private_dir(path: Path) -> None:
    """Create `path` and its missing parents as 0700 folders; existing ones are left as they are."""
    # Path.mkdir(parents=True) would give the parents the default mode
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)


def create_private_file(path: Path, content: bytes = b"") -> bool:
    """Create `path` with mode 0600 holding `content`, unless it exists; True if created now."""
    make_private_dir(path.parent)
    if path.exists():
        return False
    draft = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    with os.fdopen(
        os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE), "wb"
    ) as out:
        out.write(content)
    try:
        # a hard link appears whole or not at all: a process starting beside us never reads half
        os.link(draft, path)
    except FileExistsError:
        return False
    finally:
        draft.unlink()
    return True
