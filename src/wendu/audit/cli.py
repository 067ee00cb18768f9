"""CLI group: The hash-chained audit trail."""

from __future__ import annotations

import typer

app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
