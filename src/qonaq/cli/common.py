"""What every CLI command shares: how a user error becomes one line on stderr and exit 2."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from qonaq.errors import InputFileError

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
    except InputFileError as exc:
        if len(exc.errors) == 1:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(USAGE_ERROR) from None
        # many problems: a line naming the file, then one line for each
        typer.echo(f"error: {exc.source}: {len(exc.errors)} problems", err=True)
        for row_error in exc.errors[:50]:
            typer.echo(f"  {row_error}", err=True)
        if len(exc.errors) > 50:
            typer.echo(f"  ... and {len(exc.errors) - 50} more", err=True)
        raise typer.Exit(USAGE_ERROR) from None
    except (ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.stderr.flush()
        raise typer.Exit(USAGE_ERROR) from None
