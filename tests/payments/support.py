"""Builders for payment tests: signed partners, funded customers, real consent authorisation,
and the official PIS / CoF specs (read at run time from ../shared) to validate wire bodies."""

from __future__ import annotations

import copy
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from factories import add_transaction, make_account, make_customer
from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.identity.keys import KeyRing
from wendu.identity.partners import register_partner
from wendu.identity.sandbox import sandbox_account_consent, sandbox_existing_consent
from wendu.identity.tokens import issue_access_token
from wendu.ledger.models import Account, LedgerTransaction, Posting
from wendu.openbanking.pisp.jws import sign_detached

PISP = "/open-banking/v4.0/pisp"
CBPII = "/open-banking/v4.0/cbpii"
AISP = "/open-banking/v4.0/aisp"
STANDING_ORDER_CONSENTS = f"{PISP}/domestic-standing-order-consents"
STANDING_ORDERS = f"{PISP}/domestic-standing-orders"


def _datetime_with_zone(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlparse(value).scheme and urlparse(value).netloc)


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("date-time", raises=ValueError)(_datetime_with_zone)
FORMATS.checks("uri")(_uri)


class Spec:
    """An OB OpenAPI document with request and response validators per operation."""

    def __init__(self, path: Path, uri: str) -> None:
        self.doc: dict[str, Any] = json.loads(path.read_text())
        self.uri = uri
        resource = Resource.from_contents(self.doc, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(uri, resource)

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def _schema(self, content: dict[str, Any]) -> dict[str, Any]:
        schema = content.get("application/json", next(iter(content.values())))["schema"]
        return {"$ref": f"{self.uri}#{schema['$ref'].split('#', 1)[1]}"}

    def validate(self, instance: Any, schema: dict[str, Any]) -> None:
        """Raise when ``instance`` does not match ``schema``."""
        validator = jsonschema.Draft202012Validator(
            schema, registry=self.registry, format_checker=FORMATS
        )
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    def check_request(self, path: str, method: str, body: Any) -> None:
        """Assert ``body`` is a valid request of the operation."""
        operation = self.doc["paths"][path][method]
        self.validate(body, self._schema(self._resolve(operation["requestBody"])["content"]))

    def check_response(self, path: str, method: str, response: Response) -> None:
        """Assert the status is one the operation may answer and the body matches its schema."""
        operation = self.doc["paths"][path][method]
        declared = operation["responses"].get(str(response.status_code))
        assert declared is not None, f"{method} {path} may not answer {response.status_code}"
        content = self._resolve(declared).get("content")
        if content:
            self.validate(response.json(), self._schema(content))


@pytest.fixture(scope="session")
def pis_spec(shared_dir: Path) -> Spec:
    """Return the official Payment Initiation spec."""
    path = shared_dir / "specs" / "uk-openbanking-4.0" / "payment-initiation-openapi.json"
    return Spec(path, "urn:uk-openbanking-4.0:payment-initiation")


@pytest.fixture(scope="session")
def cof_spec(shared_dir: Path) -> Spec:
    """Return the official Confirmation of Funds spec."""
    path = shared_dir / "specs" / "uk-openbanking-4.0" / "confirmation-funds-openapi.json"
    return Spec(path, "urn:uk-openbanking-4.0:confirmation-funds")


@dataclass
class Tpp:
    """A registered partner with its request-signing key (None for --no-signing)."""

    partner_id: str
    client_id: str
    private_key_pem: str | None
    kid: str | None
    client_token: str = ""

    def sign(self, body: bytes) -> dict[str, str]:
        """Return the x-jws-signature header for ``body`` (empty without a key)."""
        if self.private_key_pem is None or self.kid is None:
            return {}
        return {
            "x-jws-signature": sign_detached(
                body, self.private_key_pem, kid=self.kid, issuer=self.client_id
            )
        }


@dataclass
class Payer:
    """A customer with a funded current account."""

    customer_id: str
    account_id: str
    identification: str
    currency: str


@dataclass
class Bank:
    """Drives the real app: partners, customers, consents authorised by the customer."""

    db: Database
    client: TestClient
    settings: Settings
    keyring: KeyRing
    sent: list[tuple[str, Any]] = field(default_factory=list)

    def tpp(self, *, signing: bool = True) -> Tpp:
        """Register a partner (PISP, CBPII) and issue its client-credentials token."""
        with self.db.session() as s:
            registered = register_partner(
                s,
                name=f"Pay App {secrets.token_hex(3)}",
                redirect_uris=["https://pay.example.com/cb"],
                roles=["PISP", "CBPII", "AISP"],
                signing=signing,
            )
            partner = registered.partner
            token = issue_access_token(
                s,
                self.keyring,
                self.settings,
                partner=partner,
                scope="payments fundsconfirmations",
                grant_type="client_credentials",
            ).access_token
            return Tpp(
                partner.id, partner.client_id, registered.private_key_pem, registered.kid, token
            )

    def payer(self, balance_minor: int, *, currency: str = "CNY", overdraft: int = 0) -> Payer:
        """Create a customer whose current account holds ``balance_minor``."""
        with self.db.session() as s:
            customer = make_customer(s)
            account = make_account(s, customer, currency=currency, overdraft_limit_minor=overdraft)
            if balance_minor:
                add_transaction(s, account, balance_minor, kind="deposit")
            return Payer(customer.id, account.id, account.identification, currency)

    def post(
        self,
        path: str,
        body: Any,
        token: str,
        tpp: Tpp | None = None,
        *,
        key: str | None = "new",
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """POST ``body`` as JSON, signed by ``tpp`` and with an idempotency key."""
        data = raw if raw is not None else json.dumps(body).encode()
        sent = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if tpp is not None:
            sent.update(tpp.sign(data))
        if key is not None:
            sent["x-idempotency-key"] = secrets.token_hex(8) if key == "new" else key
        sent.update(headers or {})
        return self.client.post(path, content=data, headers=sent)

    def get(self, path: str, token: str) -> Response:
        """GET ``path`` with ``token``."""
        return self.client.get(path, headers={"Authorization": f"Bearer {token}"})

    def authorise(self, tpp: Tpp, payer: Payer, consent_id: str) -> str:
        """Authorise ``consent_id`` as the payer (real OAuth steps); return the access token."""
        with self.db.session() as s:
            result = sandbox_existing_consent(
                s,
                self.keyring,
                self.settings,
                client_id=tpp.client_id,
                customer_id=payer.customer_id,
                consent_id=consent_id,
                account_ids=[payer.account_id],
            )
            return result.access_token

    def balance(self, account_id: str) -> int:
        """Return the stored balance of ``account_id``."""
        with self.db.session(write=False) as s:
            account = s.get(Account, account_id)
            assert account is not None
            return account.balance_minor

    def ledger_size(self) -> tuple[int, int]:
        """Return (transactions, postings) in the whole ledger."""
        with self.db.session(write=False) as s:
            return (
                int(s.execute(select(func.count()).select_from(LedgerTransaction)).scalar_one()),
                int(s.execute(select(func.count()).select_from(Posting)).scalar_one()),
            )


@pytest.fixture(scope="session")
def bank(db: Database, client: TestClient, settings: Settings, app: FastAPI) -> Bank:
    """Return the payment test driver bound to the running app."""
    return Bank(db, client, settings, app.state.keyring)


def payment_consent_body(
    creditor_identification: str = "60161331926819",
    amount: str = "12.34",
    currency: str = "CNY",
    *,
    debtor_identification: str | None = None,
) -> dict[str, Any]:
    """Return a valid ``OBWriteDomesticConsent4`` body."""
    initiation: dict[str, Any] = {
        "InstructionIdentification": f"INSTR-{secrets.token_hex(4)}",
        "EndToEndIdentification": f"E2E-{secrets.token_hex(4)}",
        "InstructedAmount": {"Amount": amount, "Currency": currency},
        "CreditorAccount": {
            "SchemeName": "UK.OBIE.BBAN",
            "Identification": creditor_identification,
            "Name": "李华",
        },
        "RemittanceInformation": {"Unstructured": ["Invoice 2026-11"]},
    }
    if debtor_identification is not None:
        initiation["DebtorAccount"] = {
            "SchemeName": "UK.OBIE.BBAN",
            "Identification": debtor_identification,
        }
    return {
        "Data": {"Initiation": initiation},
        "Risk": {"PaymentContextCode": "TransferToThirdParty"},
    }


def payment_body(consent_id: str, consent_request: dict[str, Any]) -> dict[str, Any]:
    """Return the ``OBWriteDomestic2`` body that pays ``consent_request`` exactly (a copy)."""
    return copy.deepcopy(
        {
            "Data": {"ConsentId": consent_id, "Initiation": consent_request["Data"]["Initiation"]},
            "Risk": consent_request["Risk"],
        }
    )


def now_utc() -> datetime:
    """Return the services' current time (aware UTC; the pinnable ``wendu.db.utcnow``)."""
    return utcnow()


def scheduled_consent_body(
    execute_at: datetime,
    creditor_identification: str = "60161331926819",
    amount: str = "12.34",
    currency: str = "CNY",
) -> dict[str, Any]:
    """Return a valid ``OBWriteDomesticScheduledConsent4`` body paying at ``execute_at``."""
    body = payment_consent_body(creditor_identification, amount, currency)
    body["Data"]["Permission"] = "Create"
    body["Data"]["Initiation"]["RequestedExecutionDateTime"] = execute_at.isoformat()
    return body


def standing_order_consent_body(
    first_at: datetime,
    frequency: str = "EvryDay",
    *,
    creditor_identification: str = "60161331926819",
    first: str = "10.00",
    recurring: str | None = "5.00",
    final: str | None = None,
    count: int | None = 3,
    final_at: datetime | None = None,
    currency: str = "CNY",
) -> dict[str, Any]:
    """Return a valid ``OBWriteDomesticStandingOrderConsent5`` body."""
    mandate: dict[str, Any] = {
        "Frequency": {"Type": frequency},
        "FirstPaymentDateTime": first_at.isoformat(),
    }
    if final_at is not None:
        mandate["FinalPaymentDateTime"] = final_at.isoformat()
    initiation: dict[str, Any] = {
        "FirstPaymentAmount": {"Amount": first, "Currency": currency},
        "CreditorAccount": {
            "SchemeName": "UK.OBIE.BBAN",
            "Identification": creditor_identification,
            "Name": "王芳",
        },
        "RemittanceInformation": {"Unstructured": ["Rent"]},
        "MandateRelatedInformation": mandate,
    }
    if recurring is not None:
        initiation["RecurringPaymentAmount"] = {"Amount": recurring, "Currency": currency}
    if final is not None:
        initiation["FinalPaymentAmount"] = {"Amount": final, "Currency": currency}
    if count is not None:
        initiation["NumberOfPayments"] = str(count)
    return {
        "Data": {"Permission": "Create", "Initiation": initiation},
        "Risk": {"PaymentContextCode": "TransferToThirdParty"},
    }


def standing_order_consent(bank: Bank, spec: Spec, tpp: Tpp, body: dict[str, Any]) -> str:
    """Create a standing-order consent (request and response checked against the spec)."""
    spec.check_request("/domestic-standing-order-consents", "post", body)
    response = bank.post(STANDING_ORDER_CONSENTS, body, tpp.client_token, tpp)
    assert response.status_code == 201, response.text
    spec.check_response("/domestic-standing-order-consents", "post", response)
    return str(response.json()["Data"]["ConsentId"])


def submit_standing_order(
    bank: Bank, spec: Spec, request: dict[str, Any], *, balance: int = 100_00
) -> tuple[Tpp, Payer, str]:
    """Create, authorise and submit a standing order; return (tpp, payer, order id)."""
    tpp = bank.tpp()
    payer = bank.payer(balance)
    consent_id = standing_order_consent(bank, spec, tpp, request)
    token = bank.authorise(tpp, payer, consent_id)
    body = payment_body(consent_id, request)
    spec.check_request("/domestic-standing-orders", "post", body)
    response = bank.post(STANDING_ORDERS, body, token, tpp)
    assert response.status_code == 201, response.text
    spec.check_response("/domestic-standing-orders", "post", response)
    return tpp, payer, response.json()["Data"]["DomesticStandingOrderId"]


def ais_standing_orders(bank: Bank, tpp: Tpp, payer: Payer) -> Response:
    """List the payer's standing orders through AIS, as the same partner with the
    customer's account-access consent (asserting 200)."""
    with bank.db.session() as s:
        ais = sandbox_account_consent(
            s,
            bank.keyring,
            bank.settings,
            client_id=tpp.client_id,
            customer_id=payer.customer_id,
            permissions=["ReadAccountsBasic", "ReadStandingOrdersDetail"],
            account_ids=[payer.account_id],
        )
    listed = bank.get(f"{AISP}/accounts/{payer.account_id}/standing-orders", ais.access_token)
    assert listed.status_code == 200, listed.text
    return listed
