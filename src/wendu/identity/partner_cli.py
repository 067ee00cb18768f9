"""CLI group: Register and manage partner apps (TPPs)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Register and manage partner apps (TPPs).", no_args_is_help=True)
