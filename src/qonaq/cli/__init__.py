"""The `qonaq` command line: a thin Typer app whose sub-commands call services and cores."""

import importlib
from typing import Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup
from typer.main import get_command, get_group

from qonaq import __version__
from qonaq.cli.common import fail
from qonaq.config import get_settings, settings_problems

# each command's module and what it holds there: a Typer app (a group of commands) or one
# command function. A module is imported only when its command runs, so `qonaq place`
# does not load the web server, the job queue or the spreadsheet writer (a second of
# every start), and the other commands do not load the placement engine
COMMANDS: dict[str, tuple[str, str]] = {
    "place": ("place", "place"),
    "export": ("export", "export"),
    "simulate": ("simulate", "simulate"),
    "serve": ("serve", "serve"),
    "worker": ("serve", "worker"),
    "openapi": ("serve", "openapi"),
    "db": ("db", "app"),
    "data": ("data", "app"),
    "import": ("importing", "app"),
    "settlements": ("settlements", "app"),
    "person": ("person", "app"),
    "plan": ("plan", "app"),
    "transport": ("transport", "app"),
    "users": ("users", "users_app"),
    "tokens": ("users", "tokens_app"),
    "aid": ("aid", "app"),
}


class LazyCommands(TyperGroup):
    """The top-level group: its commands are built from their modules when first asked for."""

    # contexts and commands untyped: Typer's click (its own or the click package) by version
    def list_commands(self, ctx: Any) -> list[str]:
        """Every command, in the order of COMMANDS."""
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The named command, its module imported now."""
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        target = getattr(importlib.import_module(f"qonaq.cli.{module}"), attribute)
        if isinstance(target, typer.Typer):
            command: Any = get_group(target)
        else:
            single = typer.Typer(add_completion=False)
            single.command(name=cmd_name)(target)
            command = get_command(single)
        command.name = cmd_name
        return command


app = typer.Typer(
    name="qonaq",
    help="Qonaq: register arrivals, place households in settlements with room, plan transport.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyCommands,
)


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
