"""`qonaq serve` and `qonaq openapi`: run the web service, describe its API."""

import json

import typer

from qonaq.config import get_settings
from qonaq.db import migrate
from qonaq.db.session import make_engine


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
