"""`qonaq person`: find, export and erase one person's data (each use is audited)."""

import json

import typer

from qonaq.auth.actor import Actor
from qonaq.cli.common import fail, user_errors
from qonaq.db.session import make_engine, transaction
from qonaq.registry import personal

app = typer.Typer(help="Find, export and erase one person's data (audited).", no_args_is_help=True)
CLI_ACTOR = Actor(label="cli", role="admin")


@app.command()
def find(
    iin: str | None = typer.Option(None, "--iin", help="The person's IIN."),
    citizenship: str | None = typer.Option(None, "--citizenship", help="ISO alpha-3, e.g. RUS."),
    document_type: str | None = typer.Option(None, "--document-type", help="e.g. passport."),
    document_number: str | None = typer.Option(None, "--document-number", help="As written."),
) -> None:
    """Print the person ID and household reference of the member with this IIN or document."""
    document = (citizenship, document_type, document_number)
    if not iin and not all(document):
        raise fail("give --iin, or --citizenship, --document-type and --document-number")
    with transaction(make_engine()) as db_session:
        found = personal.find_persons(
            db_session=db_session, iin=iin, citizenship=citizenship,
            document_type=document_type, document_number=document_number,
        )  # fmt: skip
    if not found:
        raise fail("no person with this IIN or document")
    for person_id, reference in found:
        typer.echo(f"{person_id}\t{reference}")


@app.command()
def export(person_id: int = typer.Argument(..., metavar="ID", help="The person's ID.")) -> None:
    """Print as JSON everything held on person ID: member, household, placements, audit."""
    with user_errors(), transaction(make_engine()) as db_session:
        held = personal.export_person(db_session=db_session, person_id=person_id, actor=CLI_ACTOR)
    typer.echo(json.dumps(held, ensure_ascii=False, indent=2))


@app.command()
def erase(
    person_id: int = typer.Argument(..., metavar="ID", help="The person's ID."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Erase person ID's name, document, IIN and phone for good; the counts stay."""
    if not yes:
        typer.confirm(
            f"Erase the personal data of person {person_id}? This cannot be undone", abort=True
        )
    with user_errors(), transaction(make_engine()) as db_session:
        erased = personal.erase_person(db_session=db_session, person_id=person_id, actor=CLI_ACTOR)
    typer.echo(f"person {person_id} erased" if erased else f"person {person_id} was already erased")
