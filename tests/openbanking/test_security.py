"""Security invariants of the AIS API, each proven over every route the app serves.

The route list comes from the app's own OpenAPI, so a new endpoint is covered the day it
is added. The module builds two customers of one bank and two partners once.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import (
    add_transaction,
    make_account,
    make_beneficiary,
    make_card,
    make_customer,
    make_standing_order,
)
from wendu.app import create_app
from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.identity.models import Consent, Partner
from wendu.identity.tokens import issue_access_token

AISP = "/open-banking/v4.0/aisp"
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _resource_routes() -> list[str]:
    app = create_app(Settings(database_url="sqlite://"))
    return sorted(
        path.removeprefix(AISP)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(AISP) and "get" in operations and "ConsentId" not in path
    )


ROUTES = _resource_routes()
ACCOUNT_ROUTES = [r for r in ROUTES if "{AccountId}" in r]
BULK_ROUTES = [r for r in ROUTES if "{AccountId}" not in r]


@dataclass
class World:
    """Customer A with two accounts (one consented), customer B, and partners P and Q."""

    a_consented: str
    a_other: str
    b_account: str
    pan: str
    p: Partner
    q: Partner
    p_grant: Any
    q_grant: Any


def _url(route: str, account_id: str) -> str:
    return AISP + route.format(AccountId=account_id, StatementId="st-1")


@pytest.fixture(scope="module")
def world(db: Database, new_partner: Callable[..., Partner], grant: Callable[..., Any]) -> World:
    with db.session() as s:
        a = make_customer(s)
        b = make_customer(s, full_name="Alice Smith", name_latin="Alice Smith", country="GB")
        a1, a2 = make_account(s, a), make_account(s, a, kind="savings")
        b1 = make_account(s, b, currency="GBP")
        for account in (a1, a2, b1):
            for i in range(6):
                amount = 5000 if i % 2 else -1999
                kind = "transfer" if amount > 0 else "card_purchase"
                add_transaction(s, account, amount, booked_at=T0 + timedelta(days=i), kind=kind)
            make_beneficiary(s, account)
            make_standing_order(s, account)
        card = make_card(s, a1)
        card.brand = "VISA"
        ids = (a.id, b.id, a1.id, a2.id, b1.id, card.pan)
    p, q = new_partner("P"), new_partner("Q")
    return World(
        a_consented=ids[2],
        a_other=ids[3],
        b_account=ids[4],
        pan=ids[5],
        p=p,
        q=q,
        p_grant=grant(p, ids[0], [ids[2]]),
        q_grant=grant(q, ids[1], [ids[4]]),
    )


def _code(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["Errors"][0]["ErrorCode"]


@pytest.mark.parametrize("route", ACCOUNT_ROUTES)
def test_other_partner_cannot_read_this_customers_accounts(
    client: TestClient, world: World, route: str
) -> None:
    response = client.get(_url(route, world.a_consented), headers=world.q_grant.headers)
    assert _code(response) == (400, "U004")


@pytest.mark.parametrize("route", BULK_ROUTES)
def test_bulk_routes_show_only_the_consents_own_customer(
    client: TestClient, world: World, route: str
) -> None:
    response = client.get(AISP + route, headers=world.q_grant.headers)
    assert response.status_code == 200
    text = response.text
    for foreign in (world.a_consented, world.a_other):
        assert foreign not in text


@pytest.mark.parametrize("route", ACCOUNT_ROUTES)
def test_unknown_and_unconsented_ids_look_the_same(
    client: TestClient, world: World, route: str
) -> None:
    headers = world.p_grant.headers
    answers = []
    for account_id in (world.a_other, world.b_account, "acc_000000000000000000000000"):
        response = client.get(_url(route, account_id), headers=headers)
        body = response.json()
        answers.append((response.status_code, body["Code"], body["Message"], body["Errors"]))
    assert answers[0][0] == 400
    assert answers[0] == answers[1] == answers[2]


@pytest.mark.parametrize("route", ROUTES)
def test_client_credentials_token_cannot_read_accounts(
    client: TestClient, world: World, client_token: Callable[[Partner], str], route: str
) -> None:
    headers = {"Authorization": f"Bearer {client_token(world.p)}"}
    assert _code(client.get(_url(route, world.a_consented), headers=headers))[0] == 403


@pytest.mark.parametrize("route", ROUTES)
def test_missing_or_bad_token_is_401(client: TestClient, world: World, route: str) -> None:
    url = _url(route, world.a_consented)
    assert _code(client.get(url)) == (401, "U014")
    assert client.get(url).headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(url, headers={"Authorization": "Bearer not.a.jwt"}).status_code == 401
    # A token signed with "none" is refused even if its claims were once valid.
    token = world.p_grant.token
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=")
    forged = header.decode() + "." + token.split(".")[1] + "."
    assert client.get(url, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    # Tokens belong in the header, never in the URL.
    refused = client.get(url, params={"access_token": token})
    assert refused.status_code in (400, 401)


@pytest.mark.parametrize("route", ROUTES)
def test_revoked_consent_stops_access_at_once(
    client: TestClient,
    world: World,
    grant: Callable[..., Any],
    client_token: Callable[[Partner], str],
    route: str,
) -> None:
    g = grant(world.p, world.p_grant.customer_id, [world.a_consented])
    url = _url(route, world.a_consented)
    assert client.get(url, headers=g.headers).status_code in (200, 400)  # 400: statement ids
    cc = {"Authorization": f"Bearer {client_token(world.p)}"}
    deleted = client.delete(f"{AISP}/account-access-consents/{g.consent_id}", headers=cc)
    assert deleted.status_code == 204
    assert _code(client.get(url, headers=g.headers)) == (401, "U014")
    status = client.get(f"{AISP}/account-access-consents/{g.consent_id}", headers=cc)
    assert status.json()["Data"]["Status"] == "CANC"


def test_other_partner_cannot_read_or_delete_the_consent(
    client: TestClient, world: World, client_token: Callable[[Partner], str]
) -> None:
    url = f"{AISP}/account-access-consents/{world.p_grant.consent_id}"
    q_cc = {"Authorization": f"Bearer {client_token(world.q)}"}
    unknown = client.get(f"{AISP}/account-access-consents/aac-{'0' * 32}", headers=q_cc)
    for response in (client.get(url, headers=q_cc), client.delete(url, headers=q_cc)):
        assert _code(response) == (400, "U004")
        assert response.json()["Errors"] == unknown.json()["Errors"]
    p_cc = {"Authorization": f"Bearer {client_token(world.p)}"}
    assert client.get(url, headers=p_cc).json()["Data"]["Status"] == "AUTH"
    assert client.get(f"{AISP}/accounts", headers=world.p_grant.headers).status_code == 200


REQUIRED = {
    "accounts": "ReadAccountsDetail",
    "balances": "ReadBalances",
    "transactions": "ReadTransactionsDetail",
    "beneficiaries": "ReadBeneficiariesDetail",
    "standing-orders": "ReadStandingOrdersDetail",
    "direct-debits": "ReadDirectDebits",
    "scheduled-payments": "ReadScheduledPaymentsDetail",
    "statements": "ReadStatementsDetail",
    "product": "ReadProducts",
    "products": "ReadProducts",
    "offers": "ReadOffers",
    "party": "ReadParty",
    "parties": "ReadParty",
}


def _needed(route: str) -> str:
    if route == "/party":
        return "ReadPartyPSU"
    parts = [p for p in route.split("/") if p and not p.startswith("{")]
    if parts[-1] in ("file",) or (len(parts) > 2 and parts[-2] == "statements"):
        return "ReadStatementsDetail"
    if parts[-1] == "transactions" and "statements" in parts:
        return "ReadStatementsDetail"
    return REQUIRED[parts[-1]]


@pytest.mark.parametrize("route", ROUTES)
def test_missing_permission_is_403_and_granting_it_opens_the_route(
    client: TestClient, world: World, grant: Callable[..., Any], route: str
) -> None:
    needed = _needed(route)
    everything_else = [
        p
        for p in (
            "ReadAccountsBasic",
            "ReadBalances",
            "ReadBeneficiariesBasic",
            "ReadDirectDebits",
            "ReadOffers",
            "ReadPAN",
            "ReadParty",
            "ReadPartyPSU",
            "ReadProducts",
            "ReadScheduledPaymentsBasic",
            "ReadStandingOrdersBasic",
            "ReadStatementsBasic",
            "ReadTransactionsBasic",
            "ReadTransactionsCredits",
            "ReadTransactionsDebits",
        )
        if not (needed.startswith(p.removesuffix("Basic")) or p == needed)
    ]
    if needed.startswith("ReadTransactions"):
        everything_else = [p for p in everything_else if not p.startswith("ReadTransactions")]
    lacking = grant(world.p, world.p_grant.customer_id, [world.a_consented], everything_else)
    url = _url(route, world.a_consented)
    assert _code(client.get(url, headers=lacking.headers)) == (403, "U007")
    allowed = [needed, "ReadTransactionsCredits"] if "Transactions" in needed else [needed]
    if needed == "ReadTransactionsDetail":
        allowed.append("ReadTransactionsDebits")
    opened = grant(world.p, world.p_grant.customer_id, [world.a_consented], allowed)
    assert client.get(url, headers=opened.headers).status_code in (200, 400)


def test_basic_permissions_leave_out_detail_fields(
    client: TestClient, world: World, grant: Callable[..., Any]
) -> None:
    basic = grant(
        world.p,
        world.p_grant.customer_id,
        [world.a_consented],
        [
            "ReadAccountsBasic",
            "ReadBeneficiariesBasic",
            "ReadStandingOrdersBasic",
            "ReadTransactionsBasic",
            "ReadTransactionsCredits",
            "ReadTransactionsDebits",
        ],
    )
    detail = world.p_grant
    checks = [
        ("/accounts", "Account", ("Account", "Servicer")),
        ("/beneficiaries", "Beneficiary", ("CreditorAccount", "CreditorAgent")),
        ("/standing-orders", "StandingOrder", ("CreditorAccount", "CreditorAgent")),
        ("/transactions", "Transaction", ("TransactionInformation", "MerchantDetails")),
    ]
    for route, key, detail_only in checks:
        basic_items = client.get(AISP + route, headers=basic.headers).json()["Data"][key]
        detail_items = client.get(AISP + route, headers=detail.headers).json()["Data"][key]
        assert basic_items and detail_items
        for item in basic_items:
            assert not set(detail_only) & set(item), (route, item)
        assert any(set(detail_only) & set(item) for item in detail_items), route
    # The identifying account number is only in the Detail response.
    basic_text = client.get(AISP + "/accounts", headers=basic.headers).text
    assert "Identification" not in basic_text


@pytest.mark.parametrize(
    ("directions", "expected"),
    [
        (["ReadTransactionsCredits"], {"Credit"}),
        (["ReadTransactionsDebits"], {"Debit"}),
        (["ReadTransactionsCredits", "ReadTransactionsDebits"], {"Credit", "Debit"}),
    ],
)
def test_credit_and_debit_permissions_filter_transactions(
    client: TestClient,
    world: World,
    grant: Callable[..., Any],
    directions: list[str],
    expected: set[str],
) -> None:
    g = grant(
        world.p,
        world.p_grant.customer_id,
        [world.a_consented],
        ["ReadTransactionsDetail", *directions],
    )
    for url in (f"{AISP}/accounts/{world.a_consented}/transactions", f"{AISP}/transactions"):
        items = client.get(url, headers=g.headers).json()["Data"]["Transaction"]
        assert {t["CreditDebitIndicator"] for t in items} == expected
        assert len(items) == 3 * len(expected)


def test_pan_is_masked_without_read_pan_everywhere(
    client: TestClient, world: World, grant: Callable[..., Any]
) -> None:
    all_but_pan = [
        "ReadAccountsDetail",
        "ReadBalances",
        "ReadBeneficiariesDetail",
        "ReadDirectDebits",
        "ReadOffers",
        "ReadParty",
        "ReadPartyPSU",
        "ReadProducts",
        "ReadScheduledPaymentsDetail",
        "ReadStandingOrdersDetail",
        "ReadStatementsDetail",
        "ReadTransactionsDetail",
        "ReadTransactionsCredits",
        "ReadTransactionsDebits",
    ]
    masked = grant(world.p, world.p_grant.customer_id, [world.a_consented], all_but_pan)
    for route in ROUTES:
        text = client.get(_url(route, world.a_consented), headers=masked.headers).text
        assert world.pan not in text, route
    url = f"{AISP}/accounts/{world.a_consented}/transactions"
    card_rows = [
        t
        for t in client.get(url, headers=masked.headers).json()["Data"]["Transaction"]
        if "CardInstrument" in t
    ]
    assert card_rows
    assert card_rows[0]["CardInstrument"] == {
        "CardSchemeName": "VISA",
        "Identification": "*" * 12 + world.pan[-4:],
    }
    shown = client.get(url, headers=world.p_grant.headers).json()["Data"]["Transaction"]
    assert any(t.get("CardInstrument", {}).get("Identification") == world.pan for t in shown)


def test_media_types(client: TestClient, world: World) -> None:
    headers = world.p_grant.headers
    url = f"{AISP}/accounts"
    assert _code(client.get(url, headers={**headers, "Accept": "text/html"})) == (406, "U013")
    refused = client.get(url, headers={**headers, "Accept": "application/json;q=0, text/*"})
    assert refused.status_code == 406
    for accept in ("application/json", "*/*", "application/*;q=0.5, text/html", ""):
        assert client.get(url, headers={**headers, "Accept": accept}).status_code == 200


def test_expired_consent_and_payment_consent_tokens_read_nothing(
    client: TestClient,
    db: Database,
    world: World,
    grant: Callable[..., Any],
    settings: Settings,
    keyring: Any,
) -> None:
    expired = grant(world.p, world.p_grant.customer_id, [world.a_consented])
    with db.session() as s:
        row = s.get(Consent, expired.consent_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        # A payment consent authorised over the same account, with its own customer token.
        payment = Consent(
            id=f"pdc-{secrets.token_hex(8)}",
            kind="domestic-payment",
            partner_id=world.p.id,
            customer_id=world.p_grant.customer_id,
            status="AUTH",
            permissions=[],
            account_ids=[world.a_consented],
        )
        s.add(payment)
        s.flush()
        partner = s.get(Partner, world.p.id)
        assert partner is not None
        payment_token = issue_access_token(
            s,
            keyring,
            settings,
            partner=partner,
            scope="payments",
            grant_type="authorization_code",
            customer_id=world.p_grant.customer_id,
            consent_id=payment.id,
        ).access_token
    for route in ROUTES:
        url = _url(route, world.a_consented)
        assert _code(client.get(url, headers=expired.headers)) == (401, "U014"), route
        refused = client.get(url, headers={"Authorization": f"Bearer {payment_token}"})
        assert _code(refused) == (403, "U007"), route
