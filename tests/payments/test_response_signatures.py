"""The bank signs its payment responses (OB v4): a partner verifies x-jws-signature with the
bank's JWKS, the way its client library does, on 201, 200 and 400 answers."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from jwt.api_jws import PyJWS

from payments.support import PISP, Bank, payment_body, payment_consent_body
from wendu.openbanking.pisp.jws import OB_IAT, OB_ISS, OB_TAN

CONSENTS = f"{PISP}/domestic-payment-consents"
PAYMENTS = f"{PISP}/domestic-payments"


class OBJWS(PyJWS):
    """PyJWS that understands the OB claims a partner requires in ``crit``."""

    _supported_crit = {"b64", OB_IAT, OB_ISS, OB_TAN}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def verify_bank_signature(bank: Bank, response: httpx.Response) -> dict[str, Any]:
    """Verify the detached signature of ``response`` like a partner; return its header."""
    detached = response.headers["x-jws-signature"]
    protected, empty, signature = detached.split(".")
    assert empty == "", "the payload is detached"
    meta = bank.client.get("/.well-known/openid-configuration").json()
    jwks = jwt.PyJWKSet.from_dict(bank.client.get(meta["jwks_uri"]).json())
    header = OBJWS().get_unverified_header(detached)
    key = next(k for k in jwks.keys if k.key_id == header["kid"])
    compact = f"{protected}.{_b64url(response.content)}.{signature}"
    verified = OBJWS().decode_complete(compact, key.key, algorithms=["PS256"])
    assert verified["payload"] == response.content
    claims: dict[str, Any] = verified["header"]
    assert claims["alg"] == "PS256" and claims["typ"] == "JOSE"
    assert set(claims["crit"]) == {OB_IAT, OB_ISS, OB_TAN}
    assert claims[OB_ISS] == meta["issuer"]
    assert claims[OB_TAN] == "openbanking.org.uk"
    assert abs(claims[OB_IAT] - time.time()) < 300
    return claims


def test_payment_responses_are_signed_by_the_bank(bank: Bank) -> None:
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    request = payment_consent_body(amount="3.21", debtor_identification=payer.identification)
    created = bank.post(CONSENTS, request, tpp.client_token, tpp)
    assert created.status_code == 201, created.text
    verify_bank_signature(bank, created)
    consent_id = created.json()["Data"]["ConsentId"]

    read = bank.get(f"{CONSENTS}/{consent_id}", tpp.client_token)
    assert read.status_code == 200
    verify_bank_signature(bank, read)

    token = bank.authorise(tpp, payer, consent_id)
    paid = bank.post(PAYMENTS, payment_body(consent_id, request), token, tpp)
    assert paid.status_code == 201, paid.text
    verify_bank_signature(bank, paid)


def test_a_400_answer_is_signed_too(bank: Bank) -> None:
    tpp = bank.tpp()
    bad = payment_consent_body(amount="not money")
    refused = bank.post(CONSENTS, bad, tpp.client_token, tpp)
    assert refused.status_code == 400, refused.text
    verify_bank_signature(bank, refused)
    assert refused.json()["Errors"]


def test_a_changed_body_fails_verification(bank: Bank) -> None:
    tpp = bank.tpp()
    created = bank.post(CONSENTS, payment_consent_body(), tpp.client_token, tpp)
    body = json.loads(created.content)
    body["Data"]["Status"] = "AUTH"
    forged = httpx.Response(
        201, headers=created.headers, content=json.dumps(body, separators=(",", ":")).encode()
    )
    with pytest.raises(jwt.InvalidSignatureError):
        verify_bank_signature(bank, forged)


def test_the_response_key_is_not_a_token_key(bank: Bank) -> None:
    tpp = bank.tpp()
    created = bank.post(CONSENTS, payment_consent_body(), tpp.client_token, tpp)
    kid = OBJWS().get_unverified_header(created.headers["x-jws-signature"])["kid"]
    # A token claiming the response key's kid is refused: that key signs responses only.
    forged = jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256", headers={"kid": kid})
    assert bank.get(f"{PISP}/domestic-payments/x", forged).status_code == 401
    # Other APIs are not signed.
    assert "x-jws-signature" not in bank.client.get("/health").headers
