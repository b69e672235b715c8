"""The `qonaq` command line: a thin Typer app whose sub-commands call services and cores."""

import typer
from pydantic import ValidationError

from qonaq import __version__
from qonaq.cli import (
    aid,
    data,
    db,
    export,
    importing,
    person,
    place,
    plan,
    serve,
    settlements,
    simulate,
    transport,
    users,
)  # fmt: skip
from qonaq.cli.common import fail
from qonaq.config import get_settings, settings_problems

app = typer.Typer(
    name="qonaq",
    help="Qonaq: register arrivals, place households in settlements with room, plan transport.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(data.app, name="data")
app.add_typer(importing.app, name="import")
app.add_typer(settlements.app, name="settlements")
app.add_typer(person.app, name="person")
app.command(name="place")(place.place)
app.command(name="export")(export.export)
app.add_typer(plan.app, name="plan")
app.command(name="simulate")(simulate.simulate)
app.command(name="serve")(serve.serve)
app.command(name="worker")(serve.worker)
app.command(name="openapi")(serve.openapi)
app.add_typer(transport.app, name="transport")
app.add_typer(users.users_app, name="users")
app.add_typer(users.tokens_app, name="tokens")
app.add_typer(aid.app, name="aid")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qonaq {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Qonaq: register arrivals, place households in settlements with room, plan transport."""
    try:
        get_settings()
    except ValidationError as exc:
        raise fail(settings_problems(exc)) from None
