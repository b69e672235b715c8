"""`qonaq aid`: close expired offers and stale requests (for a scheduler), verify volunteers."""

import typer
from sqlalchemy import select

from qonaq.aid.models import VolunteerStatus
from qonaq.aid.service import decide_volunteer, expire_stale
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.cli.common import fail, user_errors
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction

app = typer.Typer(help="Help: requests, offers and volunteers.", no_args_is_help=True)
CLI_ACTOR = Actor(label="cli", role="admin")


@app.command()
def expire() -> None:
    """Close offers past their end and open requests past their time that nobody took.

    Run it from a scheduler (e.g. every 10 minutes); pages and matching already hide both.
    """
    migrate.upgrade()
    with transaction(make_engine()) as db_session:
        closed = expire_stale(db_session=db_session, actor=CLI_ACTOR)
    typer.echo(f"expired {closed.offers} offer(s) and {closed.requests} request(s)")


@app.command()
def verify(
    username: str = typer.Argument(..., help="The volunteer's sign-in name."),
    suspend: bool = typer.Option(False, "--suspend", help="Suspend instead of verifying."),
) -> None:
    """Verify a volunteer (they then see requests near them), or suspend one."""
    migrate.upgrade()
    status = VolunteerStatus.SUSPENDED if suspend else VolunteerStatus.VERIFIED
    with user_errors(), transaction(make_engine()) as db_session:
        user_id = db_session.scalars(select(User.id).where(User.username == username)).first()
        if user_id is None:
            raise fail(f"no user {username!r}")
        decide_volunteer(db_session=db_session, user_id=user_id, status=status, actor=CLI_ACTOR)
    typer.echo(f"{username} is {status}")
