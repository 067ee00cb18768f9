"""``wendu chat``: talk to the assistant from a terminal, against a running or embedded app.

With ``--url`` it drives a running instance with a customer access token (``--token`` or
``WENDU_CHAT_TOKEN``). Without it, it starts the app in-process on the configured database
and, in development only, obtains a token for ``--customer`` through the sandbox consent
flow, as a partner app named "wendu chat CLI" would; that consent ends with the chat.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

CLI_PARTNER = "wendu chat CLI"
PERMISSIONS = (
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
)


def _sandbox_token(app: Any, customer_id: str | None) -> tuple[str, str, str]:
    """Return (access token, customer id, consent id) of a fresh consent for the CLI app."""
    from sqlalchemy import select

    from wendu.identity.models import Partner
    from wendu.identity.partners import register_partner
    from wendu.identity.sandbox import list_customers, sandbox_account_consent

    db = app.state.db
    with db.session() as session:
        if customer_id is None:
            customers = [c for c in list_customers(session, 50) if c.account_ids]
            if not customers:
                raise typer.BadParameter("no customers: run `wendu demo seed` first")
            customer_id = customers[-1].customer_id
        else:
            customer_id = _customer_id(session, customer_id)
        partner = (
            session.execute(select(Partner).where(Partner.name == CLI_PARTNER)).scalars().first()
        )
        if partner is None:
            partner = register_partner(session, name=CLI_PARTNER, signing=False).partner
        made = sandbox_account_consent(
            session,
            app.state.keyring,
            app.state.settings,
            client_id=partner.client_id,
            customer_id=customer_id,
            permissions=list(PERMISSIONS),
        )
        return made.access_token, customer_id, made.consent_id


def _customer_id(session: Any, given: str) -> str:
    """Return the customer a --customer value names: an id, or the sign-in name `wendu demo`
    prints (demo00001). An unknown one is a usage error, not a traceback."""
    from sqlalchemy import select

    from wendu.identity.models import CustomerLogin
    from wendu.ledger.models import Customer

    if session.get(Customer, given) is not None:
        return given
    login = session.execute(
        select(CustomerLogin).where(CustomerLogin.username == given.strip())
    ).scalar_one_or_none()
    if login is None:
        raise typer.BadParameter(
            f"no customer with id or sign-in name {given!r}", param_hint="--customer"
        )
    return str(login.customer_id)


def _end_consent(app: Any, customer_id: str, consent_id: str) -> None:
    """Revoke the chat's consent when the terminal chat ends, as a customer leaving would:
    otherwise every ``wendu chat`` run would stay among the customer's connected apps."""
    from wendu.identity.connected_apps import revoke_connected_app

    with app.state.db.session() as session:
        revoke_connected_app(session, customer_id, consent_id)


@contextmanager
def _client(url: str | None, token: str | None, customer: str | None) -> Iterator[tuple[Any, str]]:
    if url:
        import httpx

        if not token:
            raise typer.BadParameter("--token (or WENDU_CHAT_TOKEN) is needed with --url")
        with httpx.Client(base_url=url.rstrip("/"), timeout=60) as client:
            yield client, token
        return
    from fastapi.testclient import TestClient

    from wendu.app import create_app

    app = create_app()
    with TestClient(app, base_url="http://localhost") as client:
        if token:
            yield client, token
            return
        token, customer_id, consent_id = _sandbox_token(app, customer)
        typer.echo(f"(embedded app, sandbox customer {customer_id})")
        try:
            yield client, token
        finally:
            _end_consent(app, customer_id, consent_id)


def chat(
    url: str | None = typer.Option(None, "--url", help="Base URL of a running wendu."),
    token: str | None = typer.Option(
        None, "--token", envvar="WENDU_CHAT_TOKEN", help="Customer access token (with --url)."
    ),
    customer: str | None = typer.Option(
        None,
        "--customer",
        help="Embedded mode: the sandbox customer to chat as (id or sign-in name, e.g. demo00001).",
    ),
    language: str = typer.Option("zh", "--language", help="zh or en (detected per message)."),
) -> None:
    """Chat with the assistant in the terminal (type /quit or Ctrl-D to leave)."""
    with _client(url, token, customer) as (client, bearer):
        headers = {"Authorization": f"Bearer {bearer}"}
        opened = client.post(
            "/chat/v1/sessions", json={"channel": "app", "language": language}, headers=headers
        )
        if opened.status_code != 201:
            typer.echo(f"could not open a chat: {opened.status_code} {opened.text}", err=True)
            raise typer.Exit(1)
        session_id = opened.json()["session_id"]
        typer.echo(f"chat {session_id} — /quit to leave")
        while True:
            try:
                text = input("you> ").strip()
            except EOFError:
                break
            if text in ("/quit", "/exit"):
                break
            if not text:
                continue
            reply = client.post(
                f"/chat/v1/sessions/{session_id}/messages", json={"text": text}, headers=headers
            )
            if reply.status_code != 200:
                typer.echo(f"error {reply.status_code}: {reply.text}", err=True)
                continue
            body = reply.json()
            for message in body["replies"]:
                typer.echo(f"bot> {message['text']}")
            if body["status"] != "bot" and not body["replies"]:
                typer.echo(f"(with a colleague: {body['status']}; your message was passed on)")
