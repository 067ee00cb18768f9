"""CLI group: sandbox automation: customers and ready-made consents (refused in production)."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer

from wendu.config import Settings, get_settings
from wendu.db import Database
from wendu.errors import WenduError
from wendu.identity.keys import KeyRing
from wendu.identity.sandbox import (
    list_customers,
    sandbox_account_consent,
    sandbox_existing_consent,
)

app = typer.Typer(
    help="Sandbox automation: customers and ready-made consents (refused in production).",
    no_args_is_help=True,
)


def _sandbox_settings() -> Settings:
    settings = get_settings()
    if settings.is_production:
        typer.echo("error: sandbox commands are refused when WENDU_ENV=production", err=True)
        raise typer.Exit(code=2)
    return settings


def _fail(err: WenduError) -> typer.Exit:
    typer.echo(f"error: {'; '.join(i.message for i in err.items)}", err=True)
    return typer.Exit(code=2)


@app.command("customers")
def customers(
    limit: int = typer.Option(10, "--limit", min=1, max=100_000, help="How many customers."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """List customers to try the flows with: id, name, login username and account ids."""
    settings = _sandbox_settings()
    db = Database(settings.database_url)
    try:
        with db.session(write=False) as session:
            rows = [asdict(c) for c in list_customers(session, limit)]
    finally:
        db.dispose()
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        typer.echo(
            f"{row['customer_id']}  {row['name']}  {row['username'] or '-'}  "
            f"{','.join(row['account_ids'])}"
        )


@app.command("consent")
def consent(
    client_id: str = typer.Option(..., "--client-id", help="The partner's client_id."),
    customer: str = typer.Option(..., "--customer", help="The customer id who authorises."),
    permissions: str = typer.Option(
        "", "--permissions", help="Comma-separated OB permission codes, e.g. ReadAccountsBasic."
    ),
    payment_consent: str | None = typer.Option(
        None,
        "--payment-consent",
        help="Authorise this existing consent (payment or funds confirmation) instead.",
    ),
    accounts: str = typer.Option(
        "all", "--accounts", help="'all' or comma-separated account ids of the customer."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Create and authorise an account-access consent through the real OAuth steps."""
    settings = _sandbox_settings()
    codes = [p.strip() for p in permissions.split(",") if p.strip()]
    chosen = None if accounts.strip() == "all" else [a.strip() for a in accounts.split(",")]
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            if payment_consent:
                result = sandbox_existing_consent(
                    session,
                    KeyRing(),
                    settings,
                    client_id=client_id,
                    customer_id=customer,
                    consent_id=payment_consent,
                    account_ids=chosen,
                )
            else:
                result = sandbox_account_consent(
                    session,
                    KeyRing(),
                    settings,
                    client_id=client_id,
                    customer_id=customer,
                    permissions=codes,
                    account_ids=chosen,
                )
    except WenduError as err:
        raise _fail(err) from err
    finally:
        db.dispose()
    out = asdict(result)
    if as_json:
        typer.echo(json.dumps(out))
        return
    for key, value in out.items():
        typer.echo(f"{key}: {value}")
