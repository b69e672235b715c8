"""`python -m qonaq.cli`: the same as the `qonaq` command."""

from qonaq.cli import app

app()
