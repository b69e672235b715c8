"""`qonaq serve`, `qonaq openapi` and `qonaq users`: run the web service and manage its users."""

import json
import secrets

import typer

from qonaq.auth.actor import Actor
from qonaq.auth.models import ROLES
from qonaq.auth.service import AuthError, create_user
from qonaq.config import get_settings
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction

users_app = typer.Typer(help="Users of the web service.", no_args_is_help=True)
CLI_ACTOR = Actor(label="cli", role="admin")


def serve(
    host: str = typer.Option(None, "--host", help="Address to listen on [default: 127.0.0.1]."),
    port: int = typer.Option(None, "--port", help="Port to listen on [default: 8000]."),
) -> None:
    """Serve the web UI and the JSON API (migrates the database first)."""
    import uvicorn

    from qonaq.web.app import create_app

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    migrate.upgrade()
    app = create_app(make_engine(), public_url=settings.resolved_public_url(host, port))
    uvicorn.run(app, host=host, port=port, log_level="info")


def openapi() -> None:
    """Print the OpenAPI document of the JSON API (for client generators)."""
    from qonaq.web.app import create_app

    app = create_app(make_engine("sqlite://"), letter_secret=b"openapi")
    typer.echo(json.dumps(app.openapi(), indent=1, ensure_ascii=False))


@users_app.command("create")
def create(
    username: str = typer.Argument(..., help="Sign-in name."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    settlement: str | None = typer.Option(None, "--settlement", help="For a host: settlement id."),
    language: str = typer.Option("ru", "--language", help="kk, ru or en."),
    password: str | None = typer.Option(
        None, "--password", help="Default: a random one, printed once.", envvar="QONAQ_NEW_PASSWORD"
    ),
) -> None:
    """Create a user; prints the password once when it was generated."""
    migrate.upgrade()
    chosen = password or secrets.token_urlsafe(12)
    try:
        with transaction(make_engine()) as db_session:
            create_user(
                db_session=db_session, username=username, password=chosen, role=role,
                actor=CLI_ACTOR, settlement_id=settlement, language=language,
            )  # fmt: skip
    except AuthError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"created {role} {username}" + ("" if password else f" with password {chosen}"))
