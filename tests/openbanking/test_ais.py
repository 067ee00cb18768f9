"""Account information over real HTTP: envelopes, filters, pagination, permissions."""

from __future__ import annotations

from collections.abc import Callable
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
    make_product,
    make_standing_order,
)
from wendu.db import Database
from wendu.identity.models import Partner
from wendu.identity.sandbox import sandbox_account_consent

AISP = "/open-banking/v4.0/aisp"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture()
def customer_bank(db: Database) -> dict[str, Any]:
    """Create a customer with a current account (25 postings), a credit card and a savings."""
    with db.session() as s:
        customer = make_customer(s)
        product = make_product(s, kind="current", risk_level=None)
        current = make_account(s, customer, product=product)
        card_account = make_account(s, customer, kind="credit_card", overdraft_limit_minor=5000_00)
        savings = make_account(s, customer, kind="savings")
        for i in range(25):
            amount = 1000_00 if i % 5 == 0 else -(i * 100 + 35)
            add_transaction(
                s,
                current,
                amount,
                booked_at=T0 + timedelta(days=i),
                description=f"Purchase {i}",
                kind="transfer" if amount > 0 else "card_purchase",
            )
        card = make_card(s, current)
        card.brand = "VISA"
        credit_card = make_card(s, card_account, kind="credit")
        make_beneficiary(s, current)
        make_standing_order(s, current)
        return {
            "customer_id": customer.id,
            "current": current.id,
            "card_account": card_account.id,
            "savings": savings.id,
            "pan": card.pan,
            "credit_pan": credit_card.pan,
        }


def test_accounts_detail_lists_consented_accounts_only(
    client: TestClient,
    new_partner: Callable[..., Partner],
    grant: Callable[..., Any],
    customer_bank: dict[str, Any],
) -> None:
    b = customer_bank
    g = grant(new_partner(), b["customer_id"], [b["current"], b["card_account"]])
    r = client.get(f"{AISP}/accounts", headers=g.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    ids = [a["AccountId"] for a in body["Data"]["Account"]]
    assert ids == [b["current"], b["card_account"]]
    assert body["Links"]["Self"] == f"http://testserver{AISP}/accounts"
    card_account = body["Data"]["Account"][1]
    assert card_account["AccountTypeCode"] == "CARD"
    assert {"SchemeName": "UK.OBIE.PAN", "Identification": b["credit_pan"]} in card_account[
        "Account"
    ]
    assert "Servicer" in card_account


def test_transactions_page_filters_and_links(
    client: TestClient,
    new_partner: Callable[..., Partner],
    grant: Callable[..., Any],
    customer_bank: dict[str, Any],
) -> None:
    b = customer_bank
    g = grant(new_partner(), b["customer_id"], [b["current"]])
    url = f"{AISP}/accounts/{b['current']}/transactions"
    first = client.get(url, headers=g.headers).json()
    assert len(first["Data"]["Transaction"]) == 25
    assert first["Meta"]["TotalPages"] == 1
    assert first["Meta"]["FirstAvailableDateTime"].startswith("2026-03-01T09:00:00")
    newest = first["Data"]["Transaction"][0]
    assert newest["BookingDateTime"].startswith("2026-03-25T09:00:00")
    assert newest["TransactionInformation"] == "Purchase 24"
    assert newest["CardInstrument"]["Identification"] == b["pan"]  # ReadPAN granted

    filtered = client.get(
        url,
        headers=g.headers,
        params={"fromBookingDateTime": "2026-03-05", "toBookingDateTime": "2026-03-10T23:00:00"},
    ).json()
    days = [t["BookingDateTime"][:10] for t in filtered["Data"]["Transaction"]]
    assert days == [f"2026-03-{d:02d}" for d in range(10, 4, -1)]
    assert "fromBookingDateTime=2026-03-05" in filtered["Links"]["Self"]

    bad = client.get(url, headers=g.headers, params={"fromBookingDateTime": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["Errors"][0]["ErrorCode"] == "U003"


def test_pagination_over_many_pages(
    client: TestClient,
    db: Database,
    new_partner: Callable[..., Partner],
    grant: Callable[..., Any],
) -> None:
    with db.session() as s:
        customer = make_customer(s)
        account = make_account(s, customer)
        for i in range(120):
            add_transaction(s, account, 100 + i, booked_at=T0 + timedelta(hours=i))
        ids = (customer.id, account.id)
    g = grant(new_partner(), ids[0], [ids[1]])
    url = f"{AISP}/accounts/{ids[1]}/transactions"
    seen: list[str] = []
    page: dict[str, Any] = client.get(url, headers=g.headers).json()
    assert page["Meta"]["TotalPages"] == 3
    assert "Prev" not in page["Links"]
    while True:
        seen += [t["TransactionId"] for t in page["Data"]["Transaction"]]
        nxt = page["Links"].get("Next")
        if not nxt:
            break
        page = client.get(nxt.replace("http://testserver", ""), headers=g.headers).json()
        assert page["Links"]["Prev"]
    assert len(seen) == len(set(seen)) == 120
    assert page["Links"]["Self"] == page["Links"]["Last"]
    beyond = client.get(url, headers=g.headers, params={"page": 4})
    assert beyond.status_code == 400


def test_consent_transaction_window_is_enforced(
    client: TestClient,
    new_partner: Callable[..., Partner],
    grant: Callable[..., Any],
    customer_bank: dict[str, Any],
) -> None:
    b = customer_bank
    g = grant(
        new_partner(),
        b["customer_id"],
        [b["current"]],
        transaction_from=T0 + timedelta(days=10),
        transaction_to=T0 + timedelta(days=12),
    )
    url = f"{AISP}/accounts/{b['current']}/transactions"
    body = client.get(url, headers=g.headers).json()
    assert [t["BookingDateTime"][:10] for t in body["Data"]["Transaction"]] == [
        "2026-03-13",
        "2026-03-12",
        "2026-03-11",
    ]
    wider = client.get(url, headers=g.headers, params={"fromBookingDateTime": "2026-01-01"})
    assert len(wider.json()["Data"]["Transaction"]) == 3
    outside = client.get(url, headers=g.headers, params={"toBookingDateTime": "2026-03-02"})
    assert outside.json()["Data"]["Transaction"] == []


def test_other_resources(
    client: TestClient,
    new_partner: Callable[..., Partner],
    grant: Callable[..., Any],
    customer_bank: dict[str, Any],
) -> None:
    b = customer_bank
    g = grant(new_partner(), b["customer_id"], [b["current"], b["savings"]])
    acc = b["current"]
    bal = client.get(f"{AISP}/accounts/{acc}/balances", headers=g.headers).json()
    types = {x["Type"] for x in bal["Data"]["Balance"]}
    assert types == {"ITBD", "ITAV"}
    assert len(client.get(f"{AISP}/balances", headers=g.headers).json()["Data"]["Balance"]) == 4
    ben = client.get(f"{AISP}/accounts/{acc}/beneficiaries", headers=g.headers).json()
    assert ben["Data"]["Beneficiary"][0]["CreditorAccount"]["Name"] == "李华"
    so = client.get(f"{AISP}/standing-orders", headers=g.headers).json()
    order = so["Data"]["StandingOrder"][0]
    assert order["MandateRelatedInformation"]["Frequency"]["Type"] == "IntrvlMnthDay:01:15"
    assert order["FirstPaymentAmount"] == {"Amount": "3500.00", "Currency": "CNY"}
    prod = client.get(f"{AISP}/accounts/{acc}/product", headers=g.headers).json()
    assert prod["Data"]["Product"][0]["ProductType"] == "PersonalCurrentAccount"
    party = client.get(f"{AISP}/accounts/{acc}/party", headers=g.headers).json()
    assert party["Data"]["Party"]["PartyId"] == b["customer_id"]
    assert party["Data"]["Party"]["Mobile"] == "+86-13800000000"
    parties = client.get(f"{AISP}/accounts/{acc}/parties", headers=g.headers).json()
    assert len(parties["Data"]["Party"]) == 1
    psu = client.get(f"{AISP}/party", headers=g.headers).json()
    assert "Relationships" not in psu["Data"]["Party"]
    for path, key in (
        ("direct-debits", "DirectDebit"),
        ("scheduled-payments", "ScheduledPayment"),
        ("offers", "Offer"),
        ("statements", "Statement"),
    ):
        assert client.get(f"{AISP}/{path}", headers=g.headers).json()["Data"] == {key: []}
        single = client.get(f"{AISP}/accounts/{acc}/{path}", headers=g.headers)
        assert single.json()["Data"] == {key: []}
    statement = client.get(f"{AISP}/accounts/{acc}/statements/st-1", headers=g.headers)
    assert (statement.status_code, statement.json()["Errors"][0]["ErrorCode"]) == (400, "U004")


def test_public_catalogue(client: TestClient, db: Database) -> None:
    with db.session() as s:
        product = make_product(s, kind="wealth", risk_level="R3")
    body = client.get("/api/v1/products", params={"kind": "wealth"}).json()
    mine = next(p for p in body["products"] if p["id"] == product.id)
    assert mine["name"] == {"en": "Steady Income Fund", "zh": "稳盈理财"}
    assert mine["risk_level"] == "R3"
    assert mine["interest_rate_percent"] == "2.85"


def test_end_to_end_with_the_sandbox_consent_flow(
    client: TestClient,
    db: Database,
    app: Any,
    settings: Any,
    new_partner: Callable[..., Partner],
    customer_bank: dict[str, Any],
) -> None:
    """A consent made by identity's sandbox flow (the CLI's steps) reads accounts here."""
    b = customer_bank
    partner = new_partner()
    with db.session() as s:
        made = sandbox_account_consent(
            s,
            app.state.keyring,
            settings,
            client_id=partner.client_id,
            customer_id=b["customer_id"],
            permissions=["ReadAccountsBasic", "ReadBalances"],
            account_ids=[b["savings"]],
        )
    headers = {"Authorization": f"Bearer {made.access_token}"}
    accounts = client.get(f"{AISP}/accounts", headers=headers).json()["Data"]["Account"]
    assert [a["AccountId"] for a in accounts] == [b["savings"]]
    assert client.get(f"{AISP}/accounts/{b['current']}", headers=headers).status_code == 400
