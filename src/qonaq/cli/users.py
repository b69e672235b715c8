"""`qonaq users` and `qonaq tokens`: the accounts of the web service and their sign-ins."""

import json
import secrets

import typer
from rich.console import Console
from rich.table import Table

from qonaq.auth.actor import Actor
from qonaq.auth.models import ROLES, User
from qonaq.auth.service import count_live_tokens, create_user, list_users, revoke_tokens, set_active
from qonaq.cli.common import user_errors
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction

users_app = typer.Typer(help="Users of the web service.", no_args_is_help=True)
tokens_app = typer.Typer(help="Browser sessions and API tokens.", no_args_is_help=True)
CLI_ACTOR = Actor(label="cli", role="admin")


@users_app.command("create")
def create(
    username: str = typer.Argument(..., help="Sign-in name."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    settlement: str | None = typer.Option(None, "--settlement", help="For a host: settlement id."),
    language: str = typer.Option("ru", "--language", help="kk, ru or en."),
    organisation: str | None = typer.Option(
        None, "--organisation", help="For a volunteer: its organisation (created when new)."
    ),
    password: str | None = typer.Option(
        None, "--password", help="Default: a random one, printed once.", envvar="QONAQ_NEW_PASSWORD"
    ),
) -> None:
    """Create a user; prints the password once when it was generated."""
    migrate.upgrade()
    chosen = password or secrets.token_urlsafe(12)
    with user_errors(), transaction(make_engine()) as db_session:
        create_user(
            db_session=db_session, username=username, password=chosen, role=role,
            actor=CLI_ACTOR, settlement_id=settlement, language=language,
            organisation=organisation,
        )  # fmt: skip
    typer.echo(f"created {role} {username}" + ("" if password else f" with password {chosen}"))


@users_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the users: name, role, settlement, language, and whether they may sign in."""
    migrate.upgrade()
    with transaction(make_engine()) as db_session:
        rows = [_user_row(user) for user in list_users(db_session=db_session)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{len(rows)} users")
    for column in ("username", "role", "settlement", "language", "active", "created"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["username"]), str(row["role"]), str(row["settlement_id"] or ""),
            str(row["language"]), "yes" if row["active"] else "no", str(row["created_at"]),
        )  # fmt: skip
    Console().print(table)


def _user_row(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "role": user.role,
        "settlement_id": user.settlement_id,
        "language": user.language,
        "active": user.active,
        "created_at": user.created_at.isoformat(timespec="seconds"),
    }


@users_app.command("disable")
def disable(username: str = typer.Argument(..., help="Sign-in name.")) -> None:
    """Stop a user from signing in, and end its browser sessions and API tokens now."""
    migrate.upgrade()
    with user_errors(), transaction(make_engine()) as db_session:
        ended = set_active(db_session=db_session, username=username, active=False, actor=CLI_ACTOR)
    typer.echo(f"disabled {username}; ended {ended} session(s) and token(s)")


@users_app.command("enable")
def enable(username: str = typer.Argument(..., help="Sign-in name.")) -> None:
    """Let a disabled user sign in again."""
    migrate.upgrade()
    with user_errors(), transaction(make_engine()) as db_session:
        set_active(db_session=db_session, username=username, active=True, actor=CLI_ACTOR)
    typer.echo(f"enabled {username}")


@tokens_app.command("revoke")
def revoke(
    user: str = typer.Option(..., "--user", help="Sign-in name whose tokens end."),
) -> None:
    """End every browser session and API token of a user (the user may sign in again)."""
    migrate.upgrade()
    with user_errors(), transaction(make_engine()) as db_session:
        ended = revoke_tokens(db_session=db_session, username=user, actor=CLI_ACTOR)
    typer.echo(f"ended {ended} session(s) and token(s) of {user}")


@tokens_app.command("list")
def list_tokens() -> None:
    """Count the live browser sessions and API tokens of each user (tokens are never shown)."""
    migrate.upgrade()
    with transaction(make_engine()) as db_session:
        rows = count_live_tokens(db_session=db_session)
    table = Table(title="live sign-ins")
    for column in ("username", "kind", "count", "last expires"):
        table.add_column(column)
    for username, kind, count, last in rows:
        table.add_row(username, kind, str(count), last.isoformat(timespec="minutes"))
    Console().print(table)
