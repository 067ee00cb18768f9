"""CLI group: Sandbox automation: customers and ready-made consents (refused in production)."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Sandbox automation: customers and ready-made consents (refused in production).",
    no_args_is_help=True,
)
