"""A small two-partner, two-customer world built through the platform's real flows.

Partners P and Q are registered with signing keys and get their client-credentials tokens
from the token endpoint; customer tokens come from ``wendu.identity.sandbox`` (the same
consent, PKCE code and token-exchange steps as the browser flow). Every object a route can
name by id is created here once, owned by P and customer A.
"""

from __future__ import annotations

import copy
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from factories import add_transaction, make_account, make_card, make_customer
from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.identity.partners import register_partner
from wendu.identity.sandbox import sandbox_account_consent, sandbox_existing_consent
from wendu.openbanking.pisp.jws import sign_detached

OB = "/open-banking/v4.0"
AISP, PISP, CBPII = f"{OB}/aisp", f"{OB}/pisp", f"{OB}/cbpii"
AIS_PERMISSIONS = [
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
]


@dataclass
class Party:
    """A registered partner, its secret and its client-credentials token."""

    partner_id: str
    client_id: str
    secret: str
    private_key_pem: str
    kid: str
    cc_token: str = ""

    @property
    def cc(self) -> dict[str, str]:
        return bearer(self.cc_token)

    def sign(self, body: bytes) -> dict[str, str]:
        """Return the detached JWS header for ``body``."""
        return {
            "x-jws-signature": sign_detached(
                body, self.private_key_pem, kid=self.kid, issuer=self.client_id
            )
        }


@dataclass
class Holder:
    """A customer with one funded current account and a card."""

    customer_id: str
    account_id: str
    identification: str
    card_id: str
    pan: str


@dataclass
class World:
    """P's objects for customer A, Q's for customer B, and every token kind."""

    p: Party
    q: Party
    a: Holder
    b: Holder
    p_ais: dict[str, Any]  # P's account-access consent for A: consent_id, tokens
    q_ais: dict[str, Any]  # Q's account-access consent for B
    p_pay_consent: str
    p_pay_token: str  # A's token bound to P's payment consent
    p_open_consent: str  # P's payment consent for A, authorised and not yet spent
    p_open_token: str
    q_pay_consent: str
    q_pay_token: str
    payment_id: str
    p_cof_consent: str
    p_cof_token: str
    subscription_id: str
    chat_id: str  # opened by P's AIS token for A


def bearer(token: str) -> dict[str, str]:
    """Return the Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def token_endpoint(client: TestClient, party: Party, scope: str) -> dict[str, Any]:
    """Get a client-credentials token from the real token endpoint."""
    response = client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(party.client_id, party.secret),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def signed_post(
    client: TestClient,
    url: str,
    body: Any,
    token: str,
    party: Party,
    *,
    raw: bytes | None = None,
    key: str | None = None,
) -> Response:
    """POST ``body`` signed by ``party`` with a fresh idempotency key."""
    data = raw if raw is not None else json.dumps(body).encode()
    headers = {
        **bearer(token),
        "Content-Type": "application/json",
        "x-idempotency-key": key or secrets.token_hex(8),
        **party.sign(data),
    }
    return client.post(url, content=data, headers=headers)


def payment_consent_body(amount: str = "1.00", currency: str = "CNY") -> dict[str, Any]:
    """Return a valid domestic payment consent request."""
    return {
        "Data": {
            "Initiation": {
                "InstructionIdentification": f"INSTR-{secrets.token_hex(4)}",
                "EndToEndIdentification": f"E2E-{secrets.token_hex(4)}",
                "InstructedAmount": {"Amount": amount, "Currency": currency},
                "CreditorAccount": {
                    "SchemeName": "UK.OBIE.BBAN",
                    "Identification": "60161331926819",
                    "Name": "李华",
                },
            }
        },
        "Risk": {"PaymentContextCode": "TransferToThirdParty"},
    }


def payment_body(consent_id: str, consent_request: dict[str, Any]) -> dict[str, Any]:
    """Return the payment that matches ``consent_request`` exactly."""
    return copy.deepcopy(
        {
            "Data": {"ConsentId": consent_id, "Initiation": consent_request["Data"]["Initiation"]},
            "Risk": consent_request["Risk"],
        }
    )


class Builder:
    """Creates partners, customers and authorised consents through the real app."""

    def __init__(self, db: Database, client: TestClient, settings: Settings, app: FastAPI):
        self.db, self.client, self.settings = db, client, settings
        self.keyring = app.state.keyring

    def party(self, name: str) -> Party:
        with self.db.session() as s:
            reg = register_partner(
                s,
                name=f"{name} {secrets.token_hex(3)}",
                redirect_uris=["https://tpp.example.com/cb"],
                roles=["AISP", "PISP", "CBPII"],
            )
            assert reg.private_key_pem is not None and reg.kid is not None
            party = Party(
                reg.partner.id,
                reg.partner.client_id,
                reg.client_secret,
                reg.private_key_pem,
                reg.kid,
            )
        token = token_endpoint(self.client, party, "accounts payments fundsconfirmations")
        party.cc_token = token["access_token"]
        return party

    def holder(self, balance_minor: int = 1_000_00) -> Holder:
        with self.db.session() as s:
            customer = make_customer(s)
            account = make_account(s, customer)
            add_transaction(s, account, balance_minor, kind="deposit")
            card = make_card(s, account)
            return Holder(customer.id, account.id, account.identification, card.id, card.pan)

    def ais(self, party: Party, holder: Holder, permissions: list[str] | None = None) -> Any:
        with self.db.session() as s:
            return sandbox_account_consent(
                s,
                self.keyring,
                self.settings,
                client_id=party.client_id,
                customer_id=holder.customer_id,
                permissions=permissions or AIS_PERMISSIONS,
                account_ids=[holder.account_id],
            )

    def authorise(self, party: Party, holder: Holder, consent_id: str) -> Any:
        with self.db.session() as s:
            return sandbox_existing_consent(
                s,
                self.keyring,
                self.settings,
                client_id=party.client_id,
                customer_id=holder.customer_id,
                consent_id=consent_id,
                account_ids=[holder.account_id],
            )

    def payment_consent(self, party: Party, request: dict[str, Any]) -> str:
        created = signed_post(
            self.client, f"{PISP}/domestic-payment-consents", request, party.cc_token, party
        )
        assert created.status_code == 201, created.text
        return str(created.json()["Data"]["ConsentId"])

    def cof_consent(self, party: Party, holder: Holder) -> str:
        expiry = (utcnow() + timedelta(days=30)).isoformat()
        body = {
            "Data": {
                "DebtorAccount": {
                    "SchemeName": "UK.OBIE.BBAN",
                    "Identification": holder.identification,
                },
                "ExpirationDateTime": expiry,
            }
        }
        created = self.client.post(
            f"{CBPII}/funds-confirmation-consents", json=body, headers=party.cc
        )
        assert created.status_code == 201, created.text
        return str(created.json()["Data"]["ConsentId"])


@pytest.fixture(scope="session")
def builder(db: Database, client: TestClient, settings: Settings, app: FastAPI) -> Builder:
    """Return the builder bound to the running app."""
    return Builder(db, client, settings, app)


@pytest.fixture(scope="module")
def world(builder: Builder, client: TestClient) -> World:
    """Build P's and Q's objects once per module."""
    return build_world(builder, client)


def build_world(builder: Builder, client: TestClient) -> World:
    """Build a fresh world (tests that may delete its objects build their own)."""
    p, q = builder.party("P"), builder.party("Q")
    a, b = builder.holder(), builder.holder()
    p_ais, q_ais = builder.ais(p, a), builder.ais(q, b)

    p_request = payment_consent_body("2.50")
    p_pay = builder.payment_consent(p, p_request)
    p_pay_token = builder.authorise(p, a, p_pay).access_token
    paid = signed_post(
        client, f"{PISP}/domestic-payments", payment_body(p_pay, p_request), p_pay_token, p
    )
    assert paid.status_code == 201, paid.text
    p_open = builder.payment_consent(p, payment_consent_body("3.00"))
    p_open_token = builder.authorise(p, a, p_open).access_token
    q_pay = builder.payment_consent(q, payment_consent_body("1.00"))
    q_pay_token = builder.authorise(q, b, q_pay).access_token

    p_cof = builder.cof_consent(p, a)
    p_cof_token = builder.authorise(p, a, p_cof).access_token

    sub = client.post(
        f"{OB}/event-subscriptions",
        json={"Data": {"CallbackUrl": "http://127.0.0.1:8123/p", "Version": "4.0"}},
        headers=p.cc,
    )
    assert sub.status_code == 201, sub.text
    chat = client.post("/chat/v1/sessions", json={}, headers=bearer(p_ais.access_token))
    assert chat.status_code == 201, chat.text

    return World(
        p=p,
        q=q,
        a=a,
        b=b,
        p_ais={"consent_id": p_ais.consent_id, "token": p_ais.access_token},
        q_ais={"consent_id": q_ais.consent_id, "token": q_ais.access_token},
        p_pay_consent=p_pay,
        p_pay_token=p_pay_token,
        p_open_consent=p_open,
        p_open_token=p_open_token,
        q_pay_consent=q_pay,
        q_pay_token=q_pay_token,
        payment_id=str(paid.json()["Data"]["DomesticPaymentId"]),
        p_cof_consent=p_cof,
        p_cof_token=p_cof_token,
        subscription_id=str(sub.json()["Data"]["EventSubscriptionId"]),
        chat_id=str(chat.json()["session_id"]),
    )
