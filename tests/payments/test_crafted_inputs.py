"""Crafted values in payment and funds-confirmation bodies get a clear OB 400, never a 5xx,
and never move money: digits from other scripts, non-currencies, dates at the calendar's ends.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from payments.support import (
    CBPII,
    PISP,
    STANDING_ORDER_CONSENTS,
    Bank,
    now_utc,
    payment_consent_body,
    scheduled_consent_body,
    standing_order_consent_body,
)

CONSENTS = f"{PISP}/domestic-payment-consents"
SCHEDULED_CONSENTS = f"{PISP}/domestic-scheduled-payment-consents"
COF_CONSENTS = f"{CBPII}/funds-confirmation-consents"
COF_CHECKS = f"{CBPII}/funds-confirmations"
# Arabic-Indic, full-width and mathematical bold digits: str.isdigit() and Decimal() read
# them as numbers, the OB pattern ^\d{1,13}$ means ASCII digits only.
OTHER_DIGITS = ("١٢", "１２", "𝟗𝟗", "1٫5", "١٢.٣٤", "12.３4")
# Calendar limits: a valid ISO string whose UTC instant falls outside datetime's range.
EDGE_DATES = ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00")


def _codes(response: httpx.Response) -> set[str]:
    return {e["ErrorCode"] for e in response.json()["Errors"]}


@pytest.mark.parametrize("amount", OTHER_DIGITS)
def test_amounts_must_be_ascii_digits(bank: Bank, amount: str) -> None:
    tpp = bank.tpp()
    before = bank.ledger_size()
    refused = bank.post(CONSENTS, payment_consent_body(amount=amount), tpp.client_token, tpp)
    assert refused.status_code == 400, refused.text
    assert _codes(refused) == {"U002"}
    order = standing_order_consent_body(now_utc() + timedelta(days=2), first=amount)
    refused = bank.post(STANDING_ORDER_CONSENTS, order, tpp.client_token, tpp)
    assert refused.status_code == 400, refused.text
    assert bank.ledger_size() == before


def _cof_token(bank: Bank) -> tuple[str, str]:
    tpp = bank.tpp()
    payer = bank.payer(50_00)
    body = {
        "Data": {
            "DebtorAccount": {"SchemeName": "UK.OBIE.BBAN", "Identification": payer.identification}
        }
    }
    created = bank.post(COF_CONSENTS, body, tpp.client_token, key=None)
    assert created.status_code == 201, created.text
    consent_id = str(created.json()["Data"]["ConsentId"])
    return consent_id, bank.authorise(tpp, payer, consent_id)


def test_funds_confirmation_amounts_must_be_ascii_digits(bank: Bank) -> None:
    consent_id, token = _cof_token(bank)
    for amount in OTHER_DIGITS:
        body = {
            "Data": {
                "ConsentId": consent_id,
                "Reference": "Purchase01",
                "InstructedAmount": {"Amount": amount, "Currency": "CNY"},
            }
        }
        refused = bank.post(COF_CHECKS, body, token, key=None)
        assert refused.status_code == 400, (amount, refused.text)


@pytest.mark.parametrize("currency", ["XXX", "XTS", "XAU"])
def test_codes_that_are_not_money_are_refused_at_consent_time(bank: Bank, currency: str) -> None:
    tpp = bank.tpp()
    body = payment_consent_body(amount="1.00", currency=currency)
    refused = bank.post(CONSENTS, body, tpp.client_token, tpp)
    assert refused.status_code == 400, refused.text
    assert _codes(refused) == {"U002"}
    order = standing_order_consent_body(now_utc() + timedelta(days=2), currency=currency)
    refused = bank.post(STANDING_ORDER_CONSENTS, order, tpp.client_token, tpp)
    assert refused.status_code == 400, refused.text


def _set(body: dict[str, Any], path: str, value: str) -> None:
    node = body
    *parents, leaf = path.split(".")
    for name in parents:
        node = node.setdefault(name, {})
    node[leaf] = value


@pytest.mark.parametrize("value", EDGE_DATES)
def test_dates_at_the_calendar_limits_are_a_400(bank: Bank, value: str) -> None:
    tpp = bank.tpp()
    cases: list[tuple[str, dict[str, Any], str]] = []
    cases.append((CONSENTS, payment_consent_body(), "Data.Authorisation.CompletionDateTime"))
    scheduled = scheduled_consent_body(now_utc() + timedelta(days=2))
    cases.append((SCHEDULED_CONSENTS, scheduled, "Data.Initiation.RequestedExecutionDateTime"))
    for field in ("FirstPaymentDateTime", "FinalPaymentDateTime"):
        order = standing_order_consent_body(now_utc() + timedelta(days=2))
        cases.append(
            (STANDING_ORDER_CONSENTS, order, f"Data.Initiation.MandateRelatedInformation.{field}")
        )
    for path, body, field in cases:
        if field == "Data.Authorisation.CompletionDateTime":
            body["Data"]["Authorisation"] = {"AuthorisationType": "Single"}
        _set(body, field, value)
        refused = bank.post(path, body, tpp.client_token, tpp)
        assert refused.status_code == 400, (path, field, refused.text)
        assert "Errors" in refused.json()
    payer = bank.payer(1_00)
    for field in ("ExpirationDateTime",):
        body = {
            "Data": {
                "DebtorAccount": {
                    "SchemeName": "UK.OBIE.BBAN",
                    "Identification": payer.identification,
                },
                field: value,
            }
        }
        refused = bank.post(COF_CONSENTS, body, tpp.client_token, key=None)
        assert refused.status_code == 400, (field, refused.text)
