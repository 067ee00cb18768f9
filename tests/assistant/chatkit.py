"""Builders for the assistant's chat tests: a customer with accounts, card, history and a
partner consent obtained through the real sandbox consent flow (no shortcuts)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from factories import add_transaction, make_account, make_card, make_customer
from wendu.db import Database
from wendu.identity.customers import create_login
from wendu.identity.partners import register_partner
from wendu.identity.sandbox import sandbox_account_consent
from wendu.ledger.models import Merchant

ALL_READ = [
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
]
PASSWORD = "correct horse battery 9"


@dataclass
class Customer:
    """A test customer and what the tests need to know about them."""

    customer_id: str
    username: str
    account_ids: list[str]
    card_ids: list[str]
    card_last4: list[str]


@dataclass
class Chat:
    """An open chat session driven over HTTP with the partner's customer token."""

    client: TestClient
    token: str
    session_id: str
    conversation_id: str
    consent_id: str

    @property
    def headers(self) -> dict[str, str]:
        """Return the Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}

    def say(self, text: str) -> dict[str, Any]:
        """Send ``text`` and return the JSON response (asserting 200)."""
        response = self.client.post(
            f"/chat/v1/sessions/{self.session_id}/messages",
            json={"text": text},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def text(self, text: str) -> str:
        """Send ``text`` and return the replies joined."""
        return "\n".join(r["text"] for r in self.say(text)["replies"])


def make_bank_customer(db: Database, *, cards: int = 1, now: datetime | None = None) -> Customer:
    """Create a customer with a login, a current account with history, and active cards;
    the history is booked relative to ``now`` (default: the real time)."""
    tag = secrets.token_hex(4)
    now = now or datetime.now(UTC)
    with db.session() as s:
        customer = make_customer(s)
        current = make_account(s, customer)
        savings = make_account(s, customer, kind="savings")
        made = [make_card(s, current) for _ in range(cards)]
        starbucks = Merchant(name=f"Starbucks {tag}", name_zh="星巴克", mcc="5814", category="food")
        s.add(starbucks)
        s.flush()
        add_transaction(s, current, 1_000_000, booked_at=now - timedelta(days=20),
                        description="Salary", kind="transfer_in")  # fmt: skip
        add_transaction(s, current, -3_800, booked_at=now - timedelta(days=1),
                        description="Starbucks coffee", merchant_id=starbucks.id)  # fmt: skip
        add_transaction(s, current, -12_900, booked_at=now - timedelta(days=3),
                        description="Supermarket", kind="card_purchase")  # fmt: skip
        add_transaction(s, current, -50_000, booked_at=now - timedelta(days=2),
                        description="Transfer to Li Hua", kind="transfer_out")  # fmt: skip
        add_transaction(s, savings, 200_000, booked_at=now - timedelta(days=5),
                        description="Deposit", kind="transfer_in")  # fmt: skip
        username = f"chat-{tag}"
        create_login(s, customer, username=username, password=PASSWORD)
        return Customer(
            customer.id,
            username,
            [current.id, savings.id],
            [c.id for c in made],
            [c.pan[-4:] for c in made],
        )


def make_partner(db: Database, name: str | None = None) -> tuple[str, str]:
    """Register a partner app; return (partner_id, client_id)."""
    with db.session() as s:
        registered = register_partner(
            s, name=name or f"Budget App {secrets.token_hex(3)}", signing=False
        )
        return registered.partner.id, registered.partner.client_id


def consent_token(
    db: Database, app: Any, settings: Any, customer: Customer, client_id: str,
    permissions: list[str] | None = None,
) -> tuple[str, str]:  # fmt: skip
    """Obtain a customer token through the sandbox consent flow; return (token, consent_id)."""
    with db.session() as s:
        made = sandbox_account_consent(
            s,
            app.state.keyring,
            settings,
            client_id=client_id,
            customer_id=customer.customer_id,
            permissions=permissions or ALL_READ,
        )
        return made.access_token, made.consent_id


def open_chat(
    client: TestClient, db: Database, app: Any, settings: Any, customer: Customer,
    permissions: list[str] | None = None, language: str = "zh", first_party: bool = False,
) -> Chat:  # fmt: skip
    """Open a chat for ``customer`` over HTTP: a partner's, or the bank's own app's."""
    if first_party:
        from wendu.assistant.channels.widget import first_party as bank_app

        with db.session() as s:
            client_id = bank_app(s).client_id
    else:
        _, client_id = make_partner(db)
    token, consent_id = consent_token(db, app, settings, customer, client_id, permissions)
    response = client.post(
        "/chat/v1/sessions",
        json={"channel": "partner_chat", "language": language},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Chat(client, token, body["session_id"], body["conversation_id"], consent_id)
