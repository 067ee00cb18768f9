"""Domestic scheduled payments end to end: consents, submission over HTTP (signed,
idempotent), and the deterministic executor paying exactly once."""

from __future__ import annotations

import json
import secrets
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from payments.support import (
    PISP,
    Bank,
    Spec,
    Tpp,
    now_utc,
    payment_body,
    payment_consent_body,
    scheduled_consent_body,
)
from wendu.audit.models import AuditEntry
from wendu.events.models import OutboxEvent
from wendu.identity.models import Consent
from wendu.ledger.models import LedgerTransaction
from wendu.openbanking.pisp.models import Payment
from wendu.openbanking.pisp.scheduled import execute_scheduled
from wendu.openbanking.pisp.tasks import run_due

CONSENTS = f"{PISP}/domestic-scheduled-payment-consents"
PAYMENTS = f"{PISP}/domestic-scheduled-payments"


def _code(response: httpx.Response) -> str:
    return str(response.json()["Errors"][0]["ErrorCode"])


def _consent(bank: Bank, spec: Spec, tpp: Tpp, body: dict[str, Any]) -> str:
    spec.check_request("/domestic-scheduled-payment-consents", "post", body)
    response = bank.post(CONSENTS, body, tpp.client_token, tpp)
    assert response.status_code == 201, response.text
    spec.check_response("/domestic-scheduled-payment-consents", "post", response)
    return str(response.json()["Data"]["ConsentId"])


def _scheduled(
    bank: Bank, spec: Spec, *, balance: int = 100_00, amount: str = "12.34", **kw: Any
) -> tuple[Tpp, Any, dict[str, Any], str, str]:
    """Create, authorise and submit a scheduled payment; return (tpp, payer, request,
    payment id, customer token)."""
    tpp = bank.tpp()
    payer = bank.payer(balance)
    request = scheduled_consent_body(now_utc() + timedelta(days=2), amount=amount, **kw)
    consent_id = _consent(bank, spec, tpp, request)
    token = bank.authorise(tpp, payer, consent_id)
    body = payment_body(consent_id, request)
    spec.check_request("/domestic-scheduled-payments", "post", body)
    response = bank.post(PAYMENTS, body, token, tpp)
    assert response.status_code == 201, response.text
    spec.check_response("/domestic-scheduled-payments", "post", response)
    return tpp, payer, request, response.json()["Data"]["DomesticScheduledPaymentId"], token


def _execute_at(bank: Bank, payment_id: str) -> Any:
    with bank.db.session(write=False) as s:
        payment = s.get(Payment, payment_id)
        assert payment is not None and payment.execute_at is not None
        return payment.execute_at


def _ledger_rows(bank: Bank, payment_id: str) -> int:
    with bank.db.session(write=False) as s:
        return int(
            s.execute(
                select(func.count())
                .select_from(LedgerTransaction)
                .where(LedgerTransaction.external_ref == payment_id)
            ).scalar_one()
        )


def test_scheduled_payment_waits_then_pays_once(
    clock: datetime, bank: Bank, pis_spec: Spec
) -> None:
    tpp, payer, _, payment_id, _ = _scheduled(bank, pis_spec)
    consent_id = bank.get(f"{PAYMENTS}/{payment_id}", tpp.client_token).json()["Data"]["ConsentId"]
    got = bank.get(f"{CONSENTS}/{consent_id}", tpp.client_token)
    pis_spec.check_response("/domestic-scheduled-payment-consents/{ConsentId}", "get", got)
    assert got.json()["Data"]["Permission"] == "Create"
    assert got.json()["Data"]["StatusReason"][0]["StatusReasonCode"] == "CONS"

    pending = bank.get(f"{PAYMENTS}/{payment_id}", tpp.client_token)
    pis_spec.check_response(
        "/domestic-scheduled-payments/{DomesticScheduledPaymentId}", "get", pending
    )
    assert pending.json()["Data"]["Status"] == "PDNG"
    assert bank.balance(payer.account_id) == 100_00

    execute_at = _execute_at(bank, payment_id)
    early = run_due(bank.db, bank.settings, execute_at - timedelta(seconds=1))
    assert payment_id not in {p for p, _ in early.scheduled}
    assert bank.balance(payer.account_id) == 100_00

    first = run_due(bank.db, bank.settings, execute_at)
    assert (payment_id, "ACSC") in first.scheduled
    second = run_due(bank.db, bank.settings, execute_at + timedelta(hours=1))
    assert payment_id not in {p for p, _ in second.scheduled}
    assert bank.balance(payer.account_id) == 100_00 - 12_34
    assert _ledger_rows(bank, payment_id) == 1

    paid = bank.get(f"{PAYMENTS}/{payment_id}", tpp.client_token)
    assert paid.json()["Data"]["Status"] == "ACSC"
    details = bank.get(f"{PAYMENTS}/{payment_id}/payment-details", tpp.client_token)
    pis_spec.check_response(
        "/domestic-scheduled-payments/{DomesticScheduledPaymentId}/payment-details",
        "get",
        details,
    )
    assert [s["Status"] for s in details.json()["Data"]["PaymentStatus"]] == ["PDNG", "ACSC"]

    with bank.db.session(write=False) as s:
        events = s.execute(
            select(OutboxEvent).where(OutboxEvent.partner_id == tpp.partner_id)
        ).scalars()
        assert [e.subject["http://openbanking.org.uk/rid"] for e in events] == [payment_id] * 2
        audit = s.execute(
            select(AuditEntry).where(
                AuditEntry.action == "pisp.scheduled_payment.execute",
                AuditEntry.consent_id == consent_id,
            )
        ).scalars()
        assert len(list(audit)) == 1


def test_concurrent_executors_move_the_money_once(bank: Bank, pis_spec: Spec) -> None:
    _, payer, _, payment_id, _ = _scheduled(bank, pis_spec, amount="40.00")
    execute_at = _execute_at(bank, payment_id)
    results: list[Any] = []
    barrier = threading.Barrier(4)

    def executor(direct: bool) -> None:
        barrier.wait()
        if direct:
            with bank.db.session() as s:
                paid = execute_scheduled(s, payment_id, execute_at)
                results.append(paid.status if paid is not None else None)
        else:
            report = run_due(bank.db, bank.settings, execute_at)
            results.append(dict(report.scheduled).get(payment_id))

    threads = [threading.Thread(target=executor, args=(i % 2 == 0,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results, key=str) == ["ACSC", None, None, None]
    assert bank.balance(payer.account_id) == 60_00
    assert _ledger_rows(bank, payment_id) == 1


def test_insufficient_funds_at_execution_fail_it_with_no_posting(
    bank: Bank, pis_spec: Spec
) -> None:
    tpp, payer, _, payment_id, _ = _scheduled(bank, pis_spec, balance=5_00, amount="9.99")
    # (Other tests' payments may fall due at the same instant: count this one's postings.)
    run_due(bank.db, bank.settings, _execute_at(bank, payment_id))
    failed = bank.get(f"{PAYMENTS}/{payment_id}", tpp.client_token)
    pis_spec.check_response(
        "/domestic-scheduled-payments/{DomesticScheduledPaymentId}", "get", failed
    )
    assert failed.json()["Data"]["Status"] == "RJCT"
    assert failed.json()["Data"]["StatusReason"][0]["StatusReasonCode"] == "AM04"
    assert bank.balance(payer.account_id) == 5_00
    assert _ledger_rows(bank, payment_id) == 0
    # A failed payment is final: a later run does not retry it.
    run_due(bank.db, bank.settings, _execute_at(bank, payment_id) + timedelta(days=1))
    assert _ledger_rows(bank, payment_id) == 0


def test_a_requested_time_in_the_past_is_refused(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    past = scheduled_consent_body(now_utc() - timedelta(minutes=5))
    response = bank.post(CONSENTS, past, tpp.client_token, tpp)
    assert (response.status_code, _code(response)) == (400, "U003"), response.text
    assert response.json()["Errors"][0]["Path"] == "Data.Initiation.RequestedExecutionDateTime"
    pis_spec.check_response("/domestic-scheduled-payment-consents", "post", response)

    # The consent was for the future, but the time passed before the payment was submitted.
    payer = bank.payer(100_00)
    soon = scheduled_consent_body(now_utc() + timedelta(seconds=2))
    consent_id = _consent(bank, pis_spec, tpp, soon)
    token = bank.authorise(tpp, payer, consent_id)
    time.sleep(2.1)
    late = bank.post(PAYMENTS, payment_body(consent_id, soon), token, tpp)
    assert (late.status_code, _code(late)) == (400, "U003"), late.text
    pis_spec.check_response("/domestic-scheduled-payments", "post", late)


def test_bad_consent_requests_are_refused(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    no_permission = scheduled_consent_body(now_utc() + timedelta(days=1))
    del no_permission["Data"]["Permission"]
    no_time = scheduled_consent_body(now_utc() + timedelta(days=1))
    del no_time["Data"]["Initiation"]["RequestedExecutionDateTime"]
    naive = scheduled_consent_body(now_utc() + timedelta(days=1))
    naive["Data"]["Initiation"]["RequestedExecutionDateTime"] = "2030-01-01T10:00:00"
    for body, code in ((no_permission, "U001"), (no_time, "U001"), (naive, "U003")):
        response = bank.post(CONSENTS, body, tpp.client_token, tpp)
        assert response.status_code == 400, response.text
        assert code in {e["ErrorCode"] for e in response.json()["Errors"]}
        pis_spec.check_response("/domestic-scheduled-payment-consents", "post", response)


def test_consent_must_be_authorised_and_of_the_right_type(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    request = scheduled_consent_body(now_utc() + timedelta(days=1))
    consent_id = _consent(bank, pis_spec, tpp, request)
    body = payment_body(consent_id, request)

    # A client-credentials token cannot submit: the customer has not authorised anything.
    response = bank.post(PAYMENTS, body, tpp.client_token, tpp)
    assert (response.status_code, _code(response)) == (403, "U014")

    # A token for a domestic (immediate) payment consent is the wrong type of consent.
    domestic = payment_consent_body(amount="1.00")
    domestic_id = bank.post(f"{PISP}/domestic-payment-consents", domestic, tpp.client_token, tpp)
    domestic_token = bank.authorise(tpp, payer, domestic_id.json()["Data"]["ConsentId"])
    wrong = bank.post(PAYMENTS, body, domestic_token, tpp)
    assert (wrong.status_code, _code(wrong)) == (403, "U007"), wrong.text
    pis_spec.check_response("/domestic-scheduled-payments", "post", wrong)

    # ... and a scheduled consent token cannot make an immediate payment.
    token = bank.authorise(tpp, payer, consent_id)
    as_immediate = payment_body(consent_id, request)
    del as_immediate["Data"]["Initiation"]["RequestedExecutionDateTime"]
    immediate = bank.post(f"{PISP}/domestic-payments", as_immediate, token, tpp)
    assert (immediate.status_code, _code(immediate)) == (403, "U007")
    # A scheduled consent is not a domestic payment consent and vice versa.
    other = bank.get(f"{PISP}/domestic-payment-consents/{consent_id}", tpp.client_token)
    assert (other.status_code, _code(other)) == (400, "U004")

    # A consent no longer authorised (state changed after the token was issued) cannot pay.
    with bank.db.session() as s:
        consent = s.get(Consent, consent_id)
        assert consent is not None
        consent.status = "AWAU"
    refused = bank.post(PAYMENTS, body, token, tpp)
    assert refused.status_code in (400, 401, 403), refused.text
    pis_spec.check_response("/domestic-scheduled-payments", "post", refused)
    assert bank.balance(payer.account_id) == 100_00
    with bank.db.session(write=False) as s:
        assert s.execute(select(Payment).where(Payment.consent_id == consent_id)).first() is None


def test_idempotency_key_replays_the_scheduled_payment(bank: Bank, pis_spec: Spec) -> None:
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    request = scheduled_consent_body(now_utc() + timedelta(days=1), amount="7.00")
    key = secrets.token_hex(10)
    first = bank.post(CONSENTS, request, tpp.client_token, tpp, key=key)
    replay = bank.post(CONSENTS, request, tpp.client_token, tpp, key=key)
    assert (first.status_code, replay.status_code) == (201, 201)
    consent_id = first.json()["Data"]["ConsentId"]
    assert replay.json()["Data"]["ConsentId"] == consent_id

    token = bank.authorise(tpp, payer, consent_id)
    body = payment_body(consent_id, request)
    pay_key = secrets.token_hex(12)
    paid = bank.post(PAYMENTS, body, token, tpp, key=pay_key)
    replayed = bank.post(PAYMENTS, body, token, tpp, key=pay_key)
    assert (paid.status_code, replayed.status_code) == (201, 201)
    payment_id = paid.json()["Data"]["DomesticScheduledPaymentId"]
    assert replayed.json()["Data"]["DomesticScheduledPaymentId"] == payment_id
    pis_spec.check_response("/domestic-scheduled-payments", "post", replayed)

    different = json.loads(json.dumps(body))
    different["Data"]["Initiation"]["InstructedAmount"]["Amount"] = "8.00"
    reused = bank.post(PAYMENTS, different, token, tpp, key=pay_key)
    assert (reused.status_code, _code(reused)) == (400, "U009")
    again = bank.post(PAYMENTS, body, token, tpp)  # a new key: the consent is used up
    assert (again.status_code, _code(again)) == (400, "U011")
    with bank.db.session(write=False) as s:
        assert (
            s.execute(
                select(func.count()).select_from(Payment).where(Payment.consent_id == consent_id)
            ).scalar_one()
            == 1
        )


def test_another_partners_scheduled_resources_are_unknown(bank: Bank, pis_spec: Spec) -> None:
    owner, _, _, payment_id, _ = _scheduled(bank, pis_spec)
    stranger = bank.tpp()
    consent_id = bank.get(f"{PAYMENTS}/{payment_id}", owner.client_token).json()["Data"][
        "ConsentId"
    ]
    for path, unknown in (
        (f"{CONSENTS}/{consent_id}", f"{CONSENTS}/psc-{'0' * 32}"),
        (f"{PAYMENTS}/{payment_id}", f"{PAYMENTS}/spay_{'0' * 32}"),
        (f"{PAYMENTS}/{payment_id}/payment-details", f"{PAYMENTS}/spay_{'0' * 32}/payment-details"),
    ):
        foreign = bank.get(path, stranger.client_token)
        missing = bank.get(unknown, stranger.client_token)
        assert (foreign.status_code, _code(foreign)) == (400, "U004"), path
        assert foreign.json()["Errors"] == missing.json()["Errors"]
        assert bank.get(path, owner.client_token).status_code == 200
    # A domestic payment's id is not a scheduled payment's.
    assert bank.get(f"{PISP}/domestic-payments/{payment_id}", owner.client_token).status_code == (
        400
    )


def test_the_worker_loop_runs_the_executor_until_stopped(bank: Bank, pis_spec: Spec) -> None:
    from wendu.openbanking.pisp.tasks import run_until

    _, payer, _, payment_id, _ = _scheduled(bank, pis_spec, amount="1.00")
    with bank.db.session() as s:  # the requested time has come
        payment = s.get(Payment, payment_id)
        assert payment is not None
        payment.execute_at = now_utc() - timedelta(seconds=1)
    stop = threading.Event()
    loop = threading.Thread(target=run_until, args=(bank.db, bank.settings, stop, 0.05))
    loop.start()
    deadline = time.monotonic() + 20
    while bank.balance(payer.account_id) == 100_00 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    loop.join(10)
    assert not loop.is_alive()
    assert bank.balance(payer.account_id) == 99_00
    assert _ledger_rows(bank, payment_id) == 1
