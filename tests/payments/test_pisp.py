"""Domestic payments end to end through the real app, every body checked against the spec."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from payments.support import (
    PISP,
    Bank,
    Spec,
    Tpp,
    now_utc,
    payment_body,
    payment_consent_body,
)
from wendu.events.models import OutboxEvent
from wendu.identity.models import Consent
from wendu.openbanking.pisp.models import IdempotencyRecord, Payment
from wendu.openbanking.pisp.service import clearing_account

CONSENTS = f"{PISP}/domestic-payment-consents"
PAYMENTS = f"{PISP}/domestic-payments"


def _code(response: httpx.Response) -> str:
    return str(response.json()["Errors"][0]["ErrorCode"])


def _clearing_balance(bank: Bank, currency: str = "CNY") -> int:
    with bank.db.session() as s:
        return clearing_account(s, currency).balance_minor


def _consent(bank: Bank, spec: Spec, tpp: Tpp, body: dict[str, Any]) -> str:
    spec.check_request("/domestic-payment-consents", "post", body)
    response = bank.post(CONSENTS, body, tpp.client_token, tpp)
    assert response.status_code == 201, response.text
    spec.check_response("/domestic-payment-consents", "post", response)
    return str(response.json()["Data"]["ConsentId"])


def test_payment_journey_matches_the_spec_and_moves_money_once(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    request = payment_consent_body(amount="12.34", debtor_identification=payer.identification)
    clearing_before = _clearing_balance(bank)

    consent_id = _consent(bank, pis_spec, tpp, request)
    got = bank.get(f"{CONSENTS}/{consent_id}", tpp.client_token)
    pis_spec.check_response("/domestic-payment-consents/{ConsentId}", "get", got)
    assert got.json()["Data"]["Status"] == "AWAU"
    assert got.json()["Data"]["Initiation"] == request["Data"]["Initiation"]

    token = bank.authorise(tpp, payer, consent_id)
    assert bank.get(f"{CONSENTS}/{consent_id}", tpp.client_token).json()["Data"]["Status"] == (
        "AUTH"
    )
    funds = bank.get(f"{CONSENTS}/{consent_id}/funds-confirmation", token)
    assert funds.status_code == 200, funds.text
    pis_spec.check_response(
        "/domestic-payment-consents/{ConsentId}/funds-confirmation", "get", funds
    )
    assert funds.json()["Data"]["FundsAvailableResult"]["FundsAvailable"] is True

    body = payment_body(consent_id, request)
    pis_spec.check_request("/domestic-payments", "post", body)
    paid = bank.post(PAYMENTS, body, token, tpp)
    assert paid.status_code == 201, paid.text
    pis_spec.check_response("/domestic-payments", "post", paid)
    data = paid.json()["Data"]
    assert (data["ConsentId"], data["Status"]) == (consent_id, "ACSC")
    payment_id = data["DomesticPaymentId"]

    assert bank.balance(payer.account_id) == 100_00 - 12_34
    assert _clearing_balance(bank) == clearing_before + 12_34

    for path, template in (
        (f"{PAYMENTS}/{payment_id}", "/domestic-payments/{DomesticPaymentId}"),
        (
            f"{PAYMENTS}/{payment_id}/payment-details",
            "/domestic-payments/{DomesticPaymentId}/payment-details",
        ),
    ):
        response = bank.get(path, tpp.client_token)
        assert response.status_code == 200, response.text
        pis_spec.check_response(template, "get", response)
    details = bank.get(f"{PAYMENTS}/{payment_id}/payment-details", tpp.client_token).json()
    assert [s["Status"] for s in details["Data"]["PaymentStatus"]] == ["ACSP", "ACSC"]

    consumed = bank.get(f"{CONSENTS}/{consent_id}", tpp.client_token)
    pis_spec.check_response("/domestic-payment-consents/{ConsentId}", "get", consumed)
    assert consumed.json()["Data"]["StatusReason"][0]["StatusReasonCode"] == "CONS"

    # A consumed consent cannot pay twice, whatever the idempotency key.
    again = bank.post(PAYMENTS, body, token, tpp)
    assert (again.status_code, _code(again)) == (400, "U011")
    pis_spec.check_response("/domestic-payments", "post", again)
    assert bank.balance(payer.account_id) == 100_00 - 12_34


def test_payment_to_an_account_of_this_bank_credits_it(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    payer, payee = bank.payer(50_00), bank.payer(0)
    request = payment_consent_body(payee.identification, amount="20")
    consent_id = _consent(bank, pis_spec, tpp, request)
    token = bank.authorise(tpp, payer, consent_id)

    paid = bank.post(PAYMENTS, payment_body(consent_id, request), token, tpp)
    assert paid.status_code == 201, paid.text
    assert (bank.balance(payer.account_id), bank.balance(payee.account_id)) == (30_00, 20_00)


def test_insufficient_funds_rejects_the_payment_and_moves_nothing(
    bank: Bank, pis_spec: Spec
) -> None:
    tpp = bank.tpp()
    payer = bank.payer(10_00, overdraft=5_00)
    request = payment_consent_body(amount="15.01")
    consent_id = _consent(bank, pis_spec, tpp, request)
    token = bank.authorise(tpp, payer, consent_id)
    funds = bank.get(f"{CONSENTS}/{consent_id}/funds-confirmation", token)
    assert funds.json()["Data"]["FundsAvailableResult"]["FundsAvailable"] is False
    before = bank.ledger_size()

    paid = bank.post(PAYMENTS, payment_body(consent_id, request), token, tpp)
    assert paid.status_code == 201, paid.text
    pis_spec.check_response("/domestic-payments", "post", paid)
    assert paid.json()["Data"]["Status"] == "RJCT"
    assert paid.json()["Data"]["StatusReason"][0]["StatusReasonCode"] == "AM04"
    assert bank.balance(payer.account_id) == 10_00
    assert bank.ledger_size() == before


def test_payment_that_differs_from_its_consent_is_refused(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    request = payment_consent_body(amount="10.00")
    consent_id = _consent(bank, pis_spec, tpp, request)
    token = bank.authorise(tpp, payer, consent_id)

    changed_amount = payment_body(consent_id, request)
    changed_amount["Data"]["Initiation"]["InstructedAmount"]["Amount"] = "100.00"
    changed_creditor = payment_body(consent_id, request)
    changed_creditor["Data"]["Initiation"]["CreditorAccount"]["Identification"] = "999999"
    changed_risk = payment_body(consent_id, request)
    changed_risk["Risk"] = {"PaymentContextCode": "TransferToSelf"}
    for body in (changed_amount, changed_creditor, changed_risk):
        refused = bank.post(PAYMENTS, body, token, tpp)
        assert (refused.status_code, _code(refused)) == (400, "U008"), refused.text
        pis_spec.check_response("/domestic-payments", "post", refused)
    other = payment_body("pdc-" + secrets.token_hex(16), request)
    refused = bank.post(PAYMENTS, other, token, tpp)
    assert (refused.status_code, _code(refused)) == (400, "U008")

    assert bank.balance(payer.account_id) == 100_00
    # The consent was not used up by the refusals: the exact order still pays.
    paid = bank.post(PAYMENTS, payment_body(consent_id, request), token, tpp)
    assert paid.status_code == 201 and paid.json()["Data"]["Status"] == "ACSC"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda b: b["Data"]["Initiation"]["InstructedAmount"].update(Amount="0.00"), "U002"),
        (lambda b: b["Data"]["Initiation"]["InstructedAmount"].update(Amount="1.234"), "U002"),
        (lambda b: b["Data"]["Initiation"]["InstructedAmount"].update(Amount="-5"), "U002"),
        (lambda b: b["Data"]["Initiation"]["InstructedAmount"].update(Currency="cny"), "U002"),
        (lambda b: b["Data"]["Initiation"].pop("CreditorAccount"), "U001"),
        (lambda b: b["Data"]["Initiation"]["CreditorAccount"].update(SchemeName="X.Y"), "U002"),
        (
            lambda b: b["Data"]["Initiation"].update(
                DebtorAccount={"SchemeName": "UK.OBIE.BBAN", "Identification": "NO-SUCH-ACC"}
            ),
            "U004",
        ),
        (
            lambda b: b["Data"].update(
                Authorisation={
                    "AuthorisationType": "Single",
                    "CompletionDateTime": "2020-01-01T00:00:00+00:00",
                }
            ),
            "U003",
        ),
        (lambda b: b.pop("Risk"), "U001"),
    ],
)
def test_bad_consent_requests_get_ob_errors_and_store_nothing(
    bank: Bank, pis_spec: Spec, mutate: Any, code: str
) -> None:
    tpp = bank.tpp()
    body = payment_consent_body()
    mutate(body)
    with bank.db.session(write=False) as s:
        before = s.execute(select(func.count()).select_from(Consent)).scalar_one()
    response = bank.post(CONSENTS, body, tpp.client_token, tpp)
    assert response.status_code == 400, response.text
    assert code in {e["ErrorCode"] for e in response.json()["Errors"]}
    pis_spec.check_response("/domestic-payment-consents", "post", response)
    with bank.db.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(Consent)).scalar_one() == before


def test_malformed_json_and_currency_mismatch_change_nothing(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    for raw in (b"{not json", b"[]", b'{"Data": 1}'):
        response = bank.post(CONSENTS, None, tpp.client_token, tpp, raw=raw)
        assert response.status_code == 400, raw
        pis_spec.check_response("/domestic-payment-consents", "post", response)

    gbp_debtor = payment_consent_body(amount="1", debtor_identification=payer.identification)
    gbp_debtor["Data"]["Initiation"]["InstructedAmount"]["Currency"] = "GBP"
    response = bank.post(CONSENTS, gbp_debtor, tpp.client_token, tpp)
    assert (response.status_code, _code(response)) == (400, "U002")

    # Without a named debtor the mismatch shows only when the customer's account pays.
    request = payment_consent_body(amount="1.00", currency="GBP")
    consent_id = _consent(bank, pis_spec, tpp, request)
    token = bank.authorise(tpp, payer, consent_id)
    before = bank.ledger_size()
    response = bank.post(PAYMENTS, payment_body(consent_id, request), token, tpp)
    assert (response.status_code, _code(response)) == (400, "U002"), response.text
    pis_spec.check_response("/domestic-payments", "post", response)
    response = bank.post(PAYMENTS, None, token, tpp, raw=b"{oops")
    assert (response.status_code, _code(response)) == (400, "U002")
    assert bank.balance(payer.account_id) == 100_00
    assert bank.ledger_size() == before
    with bank.db.session(write=False) as s:
        consent = s.get(Consent, consent_id)
        assert consent is not None and consent.status == "AUTH"
        assert s.execute(select(Payment).where(Payment.consent_id == consent_id)).first() is None


def test_expired_consent_cannot_pay(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    request = payment_consent_body(amount="5")
    consent_id = _consent(bank, pis_spec, tpp, request)
    token = bank.authorise(tpp, payer, consent_id)
    with bank.db.session() as s:
        consent = s.get(Consent, consent_id)
        assert consent is not None
        consent.expires_at = now_utc() - timedelta(seconds=1)  # the clock moved on

    response = bank.post(PAYMENTS, payment_body(consent_id, request), token, tpp)
    assert response.status_code == 401
    pis_spec.check_response("/domestic-payments", "post", response)
    assert bank.balance(payer.account_id) == 100_00


def test_idempotency_key_replays_and_refuses_a_different_body(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    request = payment_consent_body(amount="7.00")
    key = secrets.token_hex(10)
    first = bank.post(CONSENTS, request, tpp.client_token, tpp, key=key)
    replay = bank.post(CONSENTS, request, tpp.client_token, tpp, key=key)
    assert (first.status_code, replay.status_code) == (201, 201)
    consent_id = first.json()["Data"]["ConsentId"]
    assert replay.json()["Data"]["ConsentId"] == consent_id

    token = bank.authorise(tpp, payer, consent_id)
    body = payment_body(consent_id, request)
    pay_key = secrets.token_hex(20)  # 40 characters, the longest allowed
    paid = bank.post(PAYMENTS, body, token, tpp, key=pay_key)
    replayed = bank.post(PAYMENTS, body, token, tpp, key=pay_key)
    assert (paid.status_code, replayed.status_code) == (201, 201)
    assert replayed.json()["Data"]["DomesticPaymentId"] == paid.json()["Data"]["DomesticPaymentId"]
    pis_spec.check_response("/domestic-payments", "post", replayed)
    assert bank.balance(payer.account_id) == 93_00

    different = json.loads(json.dumps(body))
    different["Data"]["Initiation"]["InstructedAmount"]["Amount"] = "8.00"
    reused = bank.post(PAYMENTS, different, token, tpp, key=pay_key)
    assert (reused.status_code, _code(reused)) == (400, "U009")
    pis_spec.check_response("/domestic-payments", "post", reused)

    for bad_key, code in ((None, "U001"), ("k" * 41, "U002"), (" padded", "U002")):
        response = bank.post(PAYMENTS, body, token, tpp, key=bad_key)
        assert (response.status_code, _code(response)) == (400, code), bad_key
    assert bank.balance(payer.account_id) == 93_00
    with bank.db.session(write=False) as s:
        assert (
            s.execute(
                select(func.count()).select_from(Payment).where(Payment.consent_id == consent_id)
            ).scalar_one()
            == 1
        )


def test_fifty_simultaneous_identical_payments_create_exactly_one(bank: Bank, app: FastAPI) -> None:
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    request = payment_consent_body(amount="3.21")
    response = bank.post(CONSENTS, request, tpp.client_token, tpp)
    consent_id = response.json()["Data"]["ConsentId"]
    token = bank.authorise(tpp, payer, consent_id)
    raw = json.dumps(payment_body(consent_id, request)).encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "x-idempotency-key": secrets.token_hex(12),
        **tpp.sign(raw),
    }

    async def fire() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await asyncio.gather(*(c.post(PAYMENTS, content=raw, headers=headers)
                                          for _ in range(50)))  # fmt: skip

    responses = asyncio.run(fire())
    assert [r.status_code for r in responses] == [201] * 50, {r.text for r in responses}
    assert len({r.json()["Data"]["DomesticPaymentId"] for r in responses}) == 1
    assert bank.balance(payer.account_id) == 100_00 - 3_21
    with bank.db.session(write=False) as s:
        assert (
            s.execute(
                select(func.count()).select_from(Payment).where(Payment.consent_id == consent_id)
            ).scalar_one()
            == 1
        )


def test_another_partners_resources_are_unknown(bank: Bank, pis_spec: Spec) -> None:
    owner, stranger = bank.tpp(), bank.tpp()
    payer = bank.payer(100_00)
    request = payment_consent_body(amount="1")
    consent_id = _consent(bank, pis_spec, owner, request)
    token = bank.authorise(owner, payer, consent_id)
    paid = bank.post(PAYMENTS, payment_body(consent_id, request), token, owner)
    payment_id = paid.json()["Data"]["DomesticPaymentId"]
    for path in (
        f"{CONSENTS}/{consent_id}",
        f"{PAYMENTS}/{payment_id}",
        f"{PAYMENTS}/{payment_id}/payment-details",
    ):
        response = bank.get(path, stranger.client_token)
        assert (response.status_code, _code(response)) == (400, "U004"), path


def test_concurrent_payments_from_one_account_never_overdraw_it(bank: Bank, app: FastAPI) -> None:
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    orders = []
    for _ in range(10):
        request = payment_consent_body(amount="30.00")
        consent_id = bank.post(CONSENTS, request, tpp.client_token, tpp).json()["Data"]["ConsentId"]
        token = bank.authorise(tpp, payer, consent_id)
        raw = json.dumps(payment_body(consent_id, request)).encode()
        orders.append((token, raw))

    async def fire() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await asyncio.gather(
                *(
                    c.post(
                        PAYMENTS,
                        content=raw,
                        headers={
                            "Authorization": f"Bearer {token}",
                            "Content-Type": "application/json",
                            "x-idempotency-key": secrets.token_hex(8),
                            **tpp.sign(raw),
                        },
                    )
                    for token, raw in orders
                )
            )

    responses = asyncio.run(fire())
    assert [r.status_code for r in responses] == [201] * 10
    statuses = sorted(r.json()["Data"]["Status"] for r in responses)
    assert statuses == ["ACSC"] * 3 + ["RJCT"] * 7
    assert bank.balance(payer.account_id) == 10_00


def test_an_idempotency_key_is_free_again_after_24_hours(bank: Bank) -> None:
    tpp = bank.tpp()
    key = secrets.token_hex(8)
    first = bank.post(CONSENTS, payment_consent_body(amount="1"), tpp.client_token, tpp, key=key)
    assert first.status_code == 201
    with bank.db.session() as s:
        record = s.execute(
            select(IdempotencyRecord).where(
                IdempotencyRecord.partner_id == tpp.partner_id, IdempotencyRecord.key == key
            )
        ).scalar_one()
        record.expires_at = now_utc() - timedelta(seconds=1)
    second = bank.post(CONSENTS, payment_consent_body(amount="2"), tpp.client_token, tpp, key=key)
    assert second.status_code == 201, second.text
    assert second.json()["Data"]["ConsentId"] != first.json()["Data"]["ConsentId"]


def test_every_payment_route_is_in_the_spec(app: FastAPI, pis_spec: Spec, cof_spec: Spec) -> None:
    served = {
        (path, method)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if path.startswith(("/open-banking/v4.0/pisp", "/open-banking/v4.0/cbpii"))
    }
    assert len(served) == 20
    for path, method in served:
        spec, prefix = (
            (pis_spec, PISP) if path.startswith(PISP) else (cof_spec, "/open-banking/v4.0/cbpii")
        )
        operation = spec.doc["paths"][path.removeprefix(prefix)][method]
        assert operation["operationId"] == app.openapi()["paths"][path][method]["operationId"]


def test_a_payment_and_its_event_commit_together(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    request = payment_consent_body(amount="2.00")
    consent_id = _consent(bank, pis_spec, tpp, request)
    token = bank.authorise(tpp, payer, consent_id)
    wrong = payment_body(consent_id, request)
    wrong["Data"]["Initiation"]["InstructedAmount"]["Amount"] = "3.00"
    assert bank.post(PAYMENTS, wrong, token, tpp).status_code == 400

    def events() -> list[OutboxEvent]:
        with bank.db.session(write=False) as s:
            return list(
                s.execute(
                    select(OutboxEvent).where(OutboxEvent.partner_id == tpp.partner_id)
                ).scalars()
            )

    assert events() == []  # the refused request left no event behind
    paid = bank.post(PAYMENTS, payment_body(consent_id, request), token, tpp)
    payment_id = paid.json()["Data"]["DomesticPaymentId"]
    [event] = events()
    assert event.event_type == "urn:uk:org:openbanking:events:resource-update"
    assert event.subject["http://openbanking.org.uk/rid"] == payment_id
    assert event.subject["http://openbanking.org.uk/rlk"][0]["link"].endswith(
        f"{PAYMENTS}/{payment_id}"
    )
