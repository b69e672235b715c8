"""What every CLI command shares: how a user error becomes one line on stderr and exit 2."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

USAGE_ERROR = 2


def fail(message: str) -> typer.Exit:
    """Print one line on stderr and return the Exit to raise (code 2)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(USAGE_ERROR)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn errors a user caused (bad files, bad values) into one stderr line and exit 2."""
    try:
        yield
    except (ValueError, FileNotFoundError) as exc:
        # an InputFileError too: one line however many problems, the first twenty named
        typer.echo(f"error: {exc}", err=True)
        sys.stderr.flush()
        raise typer.Exit(USAGE_ERROR) from None
