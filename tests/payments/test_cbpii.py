"""Confirmation of Funds end to end, every body checked against the official spec."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from payments.support import CBPII, PISP, Bank, Payer, Spec, Tpp, now_utc, payment_consent_body

CONSENTS = f"{CBPII}/funds-confirmation-consents"
CHECKS = f"{CBPII}/funds-confirmations"


def _consent_body(payer: Payer, **data: Any) -> dict[str, Any]:
    return {
        "Data": {
            "DebtorAccount": {"SchemeName": "UK.OBIE.BBAN", "Identification": payer.identification},
            **data,
        }
    }


def _check_body(consent_id: str, amount: str, currency: str = "CNY") -> dict[str, Any]:
    return {
        "Data": {
            "ConsentId": consent_id,
            "Reference": "Purchase01",
            "InstructedAmount": {"Amount": amount, "Currency": currency},
        }
    }


def _authorised(bank: Bank, spec: Spec, tpp: Tpp, payer: Payer) -> tuple[str, str]:
    body = _consent_body(payer, ExpirationDateTime=(now_utc() + timedelta(days=30)).isoformat())
    spec.check_request("/funds-confirmation-consents", "post", body)
    created = bank.post(CONSENTS, body, tpp.client_token, key=None)
    assert created.status_code == 201, created.text
    spec.check_response("/funds-confirmation-consents", "post", created)
    assert created.json()["Data"]["Status"] == "AWAU"
    consent_id = str(created.json()["Data"]["ConsentId"])
    return consent_id, bank.authorise(tpp, payer, consent_id)


def test_funds_confirmation_journey(bank: Bank, cof_spec: Spec) -> None:
    tpp = bank.tpp()
    payer = bank.payer(50_00, overdraft=10_00)
    consent_id, token = _authorised(bank, cof_spec, tpp, payer)

    got = bank.get(f"{CONSENTS}/{consent_id}", tpp.client_token)
    cof_spec.check_response("/funds-confirmation-consents/{ConsentId}", "get", got)
    assert got.json()["Data"]["Status"] == "AUTH"

    for amount, expected in (("60.00", True), ("60.01", False), ("0.01", True)):
        body = _check_body(consent_id, amount)
        cof_spec.check_request("/funds-confirmations", "post", body)
        checked = bank.post(CHECKS, body, token, key=None)
        assert checked.status_code == 201, checked.text
        cof_spec.check_response("/funds-confirmations", "post", checked)
        assert checked.json()["Data"]["FundsAvailable"] is expected, amount
    assert bank.balance(payer.account_id) == 50_00  # a check never moves money

    deleted = bank.client.delete(
        f"{CONSENTS}/{consent_id}", headers={"Authorization": f"Bearer {tpp.client_token}"}
    )
    assert deleted.status_code == 204
    cof_spec.check_response("/funds-confirmation-consents/{ConsentId}", "delete", deleted)
    after = bank.get(f"{CONSENTS}/{consent_id}", tpp.client_token)
    assert after.json()["Data"]["Status"] == "CANC"
    refused = bank.post(CHECKS, _check_body(consent_id, "1.00"), token, key=None)
    assert refused.status_code == 401
    cof_spec.check_response("/funds-confirmations", "post", refused)


def test_bad_funds_requests_get_ob_errors(bank: Bank, cof_spec: Spec) -> None:
    tpp = bank.tpp()
    payer = bank.payer(50_00)
    stranger = Payer("cus_none", "acc_none", "NO-SUCH-ACCOUNT", "CNY")
    past = (now_utc() - timedelta(days=1)).isoformat()
    for body, code in (
        (_consent_body(stranger), "U004"),
        (_consent_body(payer, ExpirationDateTime=past), "U003"),
        ({"Data": {}}, "U001"),
    ):
        response = bank.post(CONSENTS, body, tpp.client_token, key=None)
        assert response.status_code == 400, body
        assert response.json()["Errors"][0]["ErrorCode"] == code
        cof_spec.check_response("/funds-confirmation-consents", "post", response)
    malformed = bank.post(CONSENTS, None, tpp.client_token, key=None, raw=b"{")
    assert malformed.status_code == 400

    consent_id, token = _authorised(bank, cof_spec, tpp, payer)
    for body, code in (
        (_check_body(consent_id, "1.00", "GBP"), "U002"),
        (_check_body(consent_id, "0"), "U002"),
        (_check_body(consent_id, "1.001"), "U002"),
        (_check_body("fcc-other", "1.00"), "U008"),
    ):
        response = bank.post(CHECKS, body, token, key=None)
        assert (response.status_code, response.json()["Errors"][0]["ErrorCode"]) == (400, code)
        cof_spec.check_response("/funds-confirmations", "post", response)
    # A funds-confirmation token cannot pay, and another partner sees nothing.
    pay = bank.post(f"{PISP}/domestic-payments", payment_consent_body(), token, tpp)
    assert pay.status_code in (400, 403)
    other = bank.tpp()
    unknown = bank.get(f"{CONSENTS}/{consent_id}", other.client_token)
    assert (unknown.status_code, unknown.json()["Errors"][0]["ErrorCode"]) == (400, "U004")
    assert bank.balance(payer.account_id) == 50_00
