"""CLI group: staff accounts of the console."""

from __future__ import annotations

import json

import typer

from wendu.config import get_settings
from wendu.db import Database
from wendu.errors import WenduError
from wendu.identity.staff import ROLES, create_staff

app = typer.Typer(help="Staff accounts of the console.", no_args_is_help=True)


@app.command("create")
def create(
    username: str = typer.Option(..., help="Sign-in name."),
    role: str = typer.Option("agent", help=f"One of: {', '.join(ROLES)}."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
    ),
    name: str | None = typer.Option(None, help="Display name (defaults to the username)."),
    language: str = typer.Option("zh", help="Console language: zh or en."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Create a staff account."""
    db = Database(get_settings().database_url)
    try:
        with db.session() as session:
            user = create_staff(
                session,
                username=username,
                password=password,
                role=role,
                display_name=name,
                language=language,
            )
            result = {"staff_id": user.id, "username": user.username, "role": user.role}
    except WenduError as exc:
        typer.echo(f"error: {exc.items[0].message}", err=True)
        raise typer.Exit(2) from exc
    finally:
        db.dispose()
    typer.echo(json.dumps(result) if as_json else f"created {role} {username}")
