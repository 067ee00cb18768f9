"""CLI group: The synthetic sandbox bank."""

from __future__ import annotations

import typer

app = typer.Typer(help="The synthetic sandbox bank.", no_args_is_help=True)
