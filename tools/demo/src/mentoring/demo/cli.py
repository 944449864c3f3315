"""`mentoring demo ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="The demo ministry: seed it, walk through the journey.", no_args_is_help=True)


@app.command()
def placeholder() -> None:
    """Replaced by the demo commands."""
