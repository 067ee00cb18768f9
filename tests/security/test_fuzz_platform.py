"""Schemathesis over the whole platform's OpenAPI, and malformed money requests by hand.

The AIS read routes have their own run (tests/openbanking/test_fuzz.py); this one covers
every other documented operation. Each request carries the credential its route expects
(``security.routes``), and every other case names a real object, so generation reaches the
handlers. Invariants: never a 5xx, and every 4xx under ``/open-banking/`` is an OB error.
"""

from __future__ import annotations

import json
import os
import secrets
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import func, select

from security.conftest import (
    CBPII,
    PISP,
    Builder,
    World,
    bearer,
    build_world,
    payment_body,
    payment_consent_body,
    signed_post,
)
from security.routes import ROUTES
from wendu.config import Settings
from wendu.db import Database
from wendu.helpdesk.deps import issue_token
from wendu.identity.models import Consent
from wendu.identity.staff import create_staff
from wendu.ledger.models import Account, LedgerTransaction, Posting

# Cases per operation; raise it for a deeper hunt (WENDU_FUZZ_EXAMPLES=50).
EXAMPLES = int(os.environ.get("WENDU_FUZZ_EXAMPLES", "3"))
AIS_READS = r"^/open-banking/v4\.0/aisp/(?!account-access-consents)"
OB_ERROR_KEYS = {"Code", "Id", "Message", "Errors"}


def _staff_token(db: Database, settings: Settings) -> str:
    with db.session() as s:
        user = create_staff(
            s, username=f"fuzz-{secrets.token_hex(4)}", password=secrets.token_hex(8), role="admin"
        )
        return issue_token(settings, user)


def _credentials(world: World, staff: str) -> dict[str, dict[str, str]]:
    return {
        "client": world.p.cc,
        "partner": world.p.cc,
        "staff": bearer(staff),
        "ais": bearer(world.p_ais["token"]),
        "pay": bearer(world.p_open_token),
        "cof": bearer(world.p_cof_token),
    }


def _headers_for(method: str, path: str, creds: dict[str, dict[str, str]]) -> dict[str, str]:
    kind = ROUTES.get((method, path), "public")
    if kind == "customer":
        if path.startswith(f"{PISP}/"):
            return creds["pay"]
        if path.startswith(f"{CBPII}/"):
            return creds["cof"]
        return creds["ais"]
    return creds.get(kind, {})


def _real_ids(world: World) -> dict[str, str]:
    return {
        "ConsentId": world.p_open_consent,
        "DomesticPaymentId": world.payment_id,
        "EventSubscriptionId": world.subscription_id,
        "chat_id": world.chat_id,
        "card_id": world.a.card_id,
        "consent_id": world.p_ais["consent_id"],
        "customer_id": world.a.customer_id,
        "slug": "card-lost-or-stolen",
    }


def test_generated_requests_never_cause_a_server_error(
    own_app: FastAPI, client: TestClient, builder: Builder, db: Database, settings: Settings
) -> None:
    world = build_world(builder, client)  # its own: generated DELETEs may revoke objects
    creds = _credentials(world, _staff_token(db, settings))
    real = _real_ids(world)
    schema = schemathesis.openapi.from_asgi("/openapi.json", own_app).exclude(path_regex=AIS_READS)
    operations = [result.ok() for result in schema.get_all_operations()]
    covered = {(op.method.upper(), op.path) for op in operations}
    # Every documented non-AIS-read route is own_app here.
    documented = {
        (m.upper(), p)
        for p, ops in own_app.openapi()["paths"].items()
        for m in ops
        if not p.startswith("/open-banking/v4.0/aisp/")
        or p.startswith("/open-banking/v4.0/aisp/account-access-consents")
    }
    assert covered == documented
    assert len(operations) >= 60
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for operation in operations:
        headers = _headers_for(operation.method.upper(), operation.path, creds)
        _fuzz(operation, headers, real, failures, statuses)
    assert not failures, "\n".join(failures[:20])
    assert statuses[200] + statuses[201] + statuses[204] >= 40, statuses


def _fuzz(
    operation: Any,
    headers: dict[str, str],
    real: dict[str, str],
    failures: list[str],
    statuses: Counter[int],
) -> None:
    calls = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        if case.path_parameters and calls % 2:
            for name in case.path_parameters:
                if name in real:
                    case.path_parameters[name] = real[name]
        if operation.path.endswith("/events") and operation.method.upper() == "GET":
            case.query = {**(case.query or {}), "wait": 0}
        response = case.call(headers=headers, timeout=120)  # first calls load models
        statuses[response.status_code] += 1
        where = f"{case.method} {case.formatted_path}"
        if response.status_code >= 500:
            failures.append(f"{where}: {response.status_code} {response.text[:200]}")
        elif 400 <= response.status_code < 500 and case.formatted_path.startswith("/open-banking/"):
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict) or not body.keys() >= OB_ERROR_KEYS:
                failures.append(f"{where}: {response.status_code} is not an OB error body")

    run()


# --- money paths: malformed input is an OB error and moves nothing --------------------


def _ledger(db: Database) -> tuple[int, int, dict[str, int]]:
    """Return (transactions, postings, every account's balance)."""
    with db.session(write=False) as s:
        txns = int(s.execute(select(func.count()).select_from(LedgerTransaction)).scalar_one())
        posts = int(s.execute(select(func.count()).select_from(Posting)).scalar_one())
        rows = s.execute(select(Account.id, Account.balance_minor))
        balances = {account_id: balance for account_id, balance in rows}
    return txns, posts, balances


def _ob_error(response: Any, status: int = 400) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body.keys() >= OB_ERROR_KEYS, body
    assert body["Errors"] and all(e["ErrorCode"].startswith("U0") for e in body["Errors"])
    return str(body["Errors"][0]["ErrorCode"])


def _amount(value: Any) -> Any:
    def mutate(body: dict[str, Any]) -> None:
        body["Data"]["Initiation"]["InstructedAmount"]["Amount"] = value

    return mutate


def _set(path: str, value: Any) -> Any:
    def mutate(body: dict[str, Any]) -> None:
        node = body
        *parents, leaf = path.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value

    return mutate


CONSENT_MUTATIONS = {
    "negative amount": _amount("-1.00"),
    "zero amount": _amount("0.00"),
    "too precise": _amount("1.001"),
    "not a number": _amount("abc"),
    "exponent": _amount("1e3"),
    "number not string": _amount(12.5),
    "too large": _amount("9" * 20 + ".00"),
    "empty amount": _amount(""),
    "bad currency": _set("Data.Initiation.InstructedAmount.Currency", "XXXX"),
    "unknown debtor": _set(
        "Data.Initiation.DebtorAccount",
        {"SchemeName": "UK.OBIE.BBAN", "Identification": "00000000000000000"},
    ),
    "no creditor": lambda b: b["Data"]["Initiation"].pop("CreditorAccount"),
    "data not object": _set("Data", "x"),
}


@pytest.mark.parametrize("case", sorted(CONSENT_MUTATIONS))
def test_bad_payment_consents_are_ob_errors_and_store_nothing(
    client: TestClient, world: World, db: Database, case: str
) -> None:
    body = payment_consent_body("1.00")
    CONSENT_MUTATIONS[case](body)
    with db.session(write=False) as s:
        consents = s.execute(select(func.count()).select_from(Consent)).scalar_one()
    before = _ledger(db)
    response = signed_post(
        client, f"{PISP}/domestic-payment-consents", body, world.p.cc_token, world.p
    )
    _ob_error(response)
    assert _ledger(db) == before
    with db.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(Consent)).scalar_one() == consents


PAYMENT_MUTATIONS = {
    "other amount": _amount("3.01"),
    "negative amount": _amount("-3.00"),
    "too precise": _amount("3.001"),
    "other currency": _set("Data.Initiation.InstructedAmount.Currency", "GBP"),
    "other creditor": _set("Data.Initiation.CreditorAccount.Identification", "99999999999999"),
    "unknown consent": _set("Data.ConsentId", "pdc-" + "0" * 32),
    "no initiation": lambda b: b["Data"].pop("Initiation"),
}
RAW_BODIES = {
    "malformed json": b'{"Data": {',
    "json array": b"[]",
    "json string": b'"pay me"',
    "not utf-8": b"\xff\xfe{}",
    "empty": b"",
}


@pytest.fixture()
def open_payment(world: World, builder: Builder) -> tuple[str, str, dict[str, Any]]:
    """A fresh payment consent of P for customer A, authorised, not yet spent."""
    request = payment_consent_body("3.00")
    consent_id = builder.payment_consent(world.p, request)
    token = builder.authorise(world.p, world.a, consent_id).access_token
    return consent_id, token, request


@pytest.mark.parametrize("case", sorted(PAYMENT_MUTATIONS) + sorted(RAW_BODIES))
def test_bad_payments_are_ob_errors_and_move_nothing(
    client: TestClient,
    world: World,
    db: Database,
    open_payment: tuple[str, str, dict[str, Any]],
    case: str,
) -> None:
    consent_id, token, request = open_payment
    before = _ledger(db)
    body = payment_body(consent_id, request)
    if case in RAW_BODIES:
        raw = RAW_BODIES[case]
        response = signed_post(client, f"{PISP}/domestic-payments", None, token, world.p, raw=raw)
    else:
        PAYMENT_MUTATIONS[case](body)
        response = signed_post(client, f"{PISP}/domestic-payments", body, token, world.p)
    _ob_error(response)
    assert _ledger(db) == before
    # The consent is still spendable: nothing was half-done.
    paid = signed_post(
        client, f"{PISP}/domestic-payments", payment_body(consent_id, request), token, world.p
    )
    assert paid.status_code == 201, paid.text


def test_expired_consent_pays_nothing(
    client: TestClient, world: World, db: Database, open_payment: tuple[str, str, dict[str, Any]]
) -> None:
    consent_id, token, request = open_payment
    with db.session() as s:
        consent = s.get(Consent, consent_id)
        assert consent is not None
        consent.expires_at = consent.created_at - timedelta(seconds=1)
    before = _ledger(db)
    response = signed_post(
        client, f"{PISP}/domestic-payments", payment_body(consent_id, request), token, world.p
    )
    _ob_error(response, 401)
    assert _ledger(db) == before


def test_insufficient_funds_moves_nothing(
    client: TestClient, world: World, db: Database, builder: Builder
) -> None:
    poor = builder.holder(balance_minor=1_00)
    request = payment_consent_body("1.01")
    consent_id = builder.payment_consent(world.p, request)
    token = builder.authorise(world.p, poor, consent_id).access_token
    before = _ledger(db)
    response = signed_post(
        client, f"{PISP}/domestic-payments", payment_body(consent_id, request), token, world.p
    )
    # Either refused up front or accepted-then-rejected: the ledger must not move.
    if response.status_code >= 400:
        _ob_error(response, response.status_code)
    else:
        assert response.json()["Data"]["Status"] == "RJCT", response.text
    assert _ledger(db) == before


CHECK_MUTATIONS = {
    "negative amount": {"Amount": "-1.00", "Currency": "CNY"},
    "too precise": {"Amount": "1.001", "Currency": "CNY"},
    "not a number": {"Amount": "lots", "Currency": "CNY"},
    "other currency": {"Amount": "1.00", "Currency": "USD"},
    "bad currency": {"Amount": "1.00", "Currency": "C"},
}


@pytest.mark.parametrize("case", [*sorted(CHECK_MUTATIONS), "malformed json", "unknown consent"])
def test_bad_funds_checks_are_ob_errors_and_move_nothing(
    client: TestClient, world: World, db: Database, case: str
) -> None:
    url = f"{CBPII}/funds-confirmations"
    headers = {**bearer(world.p_cof_token), "Content-Type": "application/json"}
    body: dict[str, Any] = {
        "Data": {
            "ConsentId": world.p_cof_consent,
            "Reference": "Purchase01",
            "InstructedAmount": CHECK_MUTATIONS.get(case, {"Amount": "1.00", "Currency": "CNY"}),
        }
    }
    if case == "unknown consent":
        body["Data"]["ConsentId"] = "fcc-" + "0" * 32
    before = _ledger(db)
    data = b'{"Data": [' if case == "malformed json" else json.dumps(body).encode()
    response = client.post(url, content=data, headers=headers)
    _ob_error(response)
    assert _ledger(db) == before


@pytest.mark.parametrize("route", ["/helpdesk/v1/conversations", "/helpdesk/v1/tickets"])
def test_unknown_customer_is_a_400_not_a_server_error(
    client: TestClient, db: Database, settings: Settings, route: str
) -> None:
    """Found by the fuzz: an unknown customer_id used to fail a foreign key (500)."""
    headers = bearer(_staff_token(db, settings))
    body = {"channel": "phone", "body": "x", "subject": "x", "customer_id": "cus_nobody"}
    response = client.post(route, json=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["Errors"][0]["ErrorCode"] == "U004"
