"""CLI group: register and list partner apps (TPPs)."""

from __future__ import annotations

import json
from typing import Any

import typer

from wendu.config import get_settings
from wendu.db import Database
from wendu.errors import WenduError
from wendu.identity.models import Partner
from wendu.identity.partners import ROLES, list_partners, register_partner

app = typer.Typer(help="Register and manage partner apps (TPPs).", no_args_is_help=True)


def _summary(partner: Partner) -> dict[str, Any]:
    return {
        "partner_id": partner.id,
        "client_id": partner.client_id,
        "name": partner.name,
        "redirect_uris": list(partner.redirect_uris or []),
        "roles": list(partner.roles or []),
        "status": partner.status,
        "kid": partner.signing_kid,
    }


@app.command("create")
def create(
    name: str = typer.Option(..., "--name", help="Display name customers see on consent pages."),
    redirect_uri: list[str] = typer.Option(
        [], "--redirect-uri", help="Registered OAuth redirect URI (repeatable)."
    ),
    role: list[str] = typer.Option(
        [], "--role", help=f"Open Banking role (repeatable): {', '.join(ROLES)}; default all."
    ),
    contact_email: str | None = typer.Option(None, "--contact-email", help="Contact address."),
    no_signing: bool = typer.Option(
        False, "--no-signing", help="Do not generate a request-signing (x-jws-signature) key."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Register a partner; its client secret (and private signing key) are shown only once."""
    settings = get_settings()
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            created = register_partner(
                session,
                name=name,
                redirect_uris=redirect_uri,
                roles=role or ROLES,
                contact_email=contact_email,
                signing=not no_signing,
                production=settings.is_production,
            )
            out = {
                **_summary(created.partner),
                "client_secret": created.client_secret,
                "kid": created.kid,
                "private_key_pem": created.private_key_pem,
            }
    except WenduError as err:
        typer.echo(f"error: {err.items[0].message}", err=True)
        raise typer.Exit(code=2) from err
    finally:
        db.dispose()
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(f"partner {out['name']} registered")
    for key in ("partner_id", "client_id", "client_secret", "kid"):
        typer.echo(f"  {key}: {out[key]}")
    if out["private_key_pem"]:
        typer.echo("  private signing key (shown once):")
        typer.echo(str(out["private_key_pem"]))


@app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """List registered partners (secrets are never shown)."""
    db = Database(get_settings().database_url)
    try:
        with db.session(write=False) as session:
            rows = [_summary(p) for p in list_partners(session)]
    finally:
        db.dispose()
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        typer.echo(f"{row['client_id']}  {row['name']}  {','.join(row['roles'])}  {row['status']}")
