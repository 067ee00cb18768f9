"""x-jws-signature on payment POSTs: good signatures pass, anything else is 400 U010."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import func, select

from payments.support import PISP, Bank, Spec, Tpp, payment_body, payment_consent_body
from wendu.config import Settings
from wendu.errors import WenduError
from wendu.identity.models import Consent, Partner
from wendu.openbanking.pisp.jws import OB_IAT, OB_ISS, OB_TAN, verify_request_signature

CONSENTS = f"{PISP}/domestic-payment-consents"
PAYMENTS = f"{PISP}/domestic-payments"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(tpp: Tpp, body: bytes, **changes: Any) -> str:
    """Sign ``body`` with the partner's real key but a header altered by ``changes``."""
    assert tpp.private_key_pem is not None
    header: dict[str, Any] = {
        "alg": "PS256",
        "kid": tpp.kid,
        "typ": "JOSE",
        "cty": "application/json",
        OB_IAT: int(time.time()),
        OB_ISS: tpp.client_id,
        OB_TAN: "openbanking.org.uk",
        "crit": [OB_IAT, OB_ISS, OB_TAN],
    }
    for name, value in changes.items():
        if value is None:
            header.pop(name, None)
        else:
            header[name] = value
    key = serialization.load_pem_private_key(tpp.private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    protected = _b64(json.dumps(header).encode())
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    signature = key.sign(f"{protected}.{_b64(body)}".encode(), pss, hashes.SHA256())
    return f"{protected}..{_b64(signature)}"


def _consents(bank: Bank) -> int:
    with bank.db.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(Consent)).scalar_one())


def test_a_good_signature_is_accepted(bank: Bank) -> None:
    tpp = bank.tpp()
    response = bank.post(CONSENTS, payment_consent_body(), tpp.client_token, tpp)
    assert response.status_code == 201, response.text


def test_missing_or_invalid_signatures_are_refused_and_store_nothing(
    bank: Bank, pis_spec: Spec
) -> None:
    tpp, other = bank.tpp(), bank.tpp()
    raw = json.dumps(payment_consent_body()).encode()
    before = _consents(bank)
    cases: dict[str, str | None] = {
        "missing": None,
        "garbage": "not-a-jws",
        "attached payload": _forge(tpp, raw).replace("..", f".{_b64(raw)}."),
        "other body": _forge(tpp, raw + b" "),
        "other partner's key": other.sign(raw)["x-jws-signature"],
        "wrong kid": _forge(tpp, raw, kid="not-my-key"),
        "RS256": _forge(tpp, raw, alg="RS256"),
        "no crit": _forge(tpp, raw, crit=None),
        "crit without tan": _forge(tpp, raw, crit=[OB_IAT, OB_ISS]),
        "wrong iss": _forge(tpp, raw, **{OB_ISS: other.client_id}),
        "no tan": _forge(tpp, raw, **{OB_TAN: None}),
        "future iat": _forge(tpp, raw, **{OB_IAT: int(time.time()) + 3600}),
        "b64 false": _forge(tpp, raw, b64=False),
    }
    for name, signature in cases.items():
        headers = {} if signature is None else {"x-jws-signature": signature}
        response = bank.post(CONSENTS, None, tpp.client_token, None, raw=raw, headers=headers)
        assert response.status_code == 400, name
        assert response.json()["Errors"][0]["ErrorCode"] == "U010", name
        pis_spec.check_response("/domestic-payment-consents", "post", response)
    assert _consents(bank) == before


def test_payment_signature_is_checked_before_money_moves(bank: Bank) -> None:
    tpp = bank.tpp()
    payer = bank.payer(10_00)
    request = payment_consent_body(amount="1.00")
    consent_id = bank.post(CONSENTS, request, tpp.client_token, tpp).json()["Data"]["ConsentId"]
    token = bank.authorise(tpp, payer, consent_id)
    raw = json.dumps(payment_body(consent_id, request)).encode()

    unsigned = bank.post(PAYMENTS, None, token, None, raw=raw)
    tampered = bank.post(
        PAYMENTS, None, token, None, raw=raw, headers={"x-jws-signature": _forge(tpp, b"{}")}
    )
    for response in (unsigned, tampered):
        assert (response.status_code, response.json()["Errors"][0]["ErrorCode"]) == (400, "U010")
    assert bank.balance(payer.account_id) == 10_00
    assert bank.post(PAYMENTS, None, token, tpp, raw=raw).status_code == 201
    assert bank.balance(payer.account_id) == 9_00


def test_partner_without_a_key_skips_signing_only_in_sandbox(bank: Bank) -> None:
    tpp = bank.tpp(signing=False)
    response = bank.post(CONSENTS, payment_consent_body(), tpp.client_token, None)
    assert response.status_code == 201, response.text

    production = Settings(env="production", secret_key="p" * 40, database_url="sqlite://")
    partner = Partner(id="ptn_x", client_id="cli_x", signing_kid=None, signing_public_key_pem=None)
    with pytest.raises(WenduError) as refused:
        verify_request_signature(None, b"{}", partner, production)
    assert refused.value.items[0].code == "U010"


@pytest.mark.parametrize(
    "crit",
    [
        [[OB_IAT], OB_ISS, OB_TAN],
        [{"a": 1}, OB_IAT, OB_ISS, OB_TAN],
        [OB_IAT, OB_ISS, OB_TAN, 7],
        {OB_IAT: 1},
        OB_IAT,
        [],
    ],
)
def test_a_crit_of_the_wrong_shape_is_a_400(bank: Bank, crit: Any) -> None:
    tpp = bank.tpp()
    raw = json.dumps(payment_consent_body()).encode()
    response = bank.post(
        CONSENTS,
        None,
        tpp.client_token,
        raw=raw,
        headers={"x-jws-signature": _forge(tpp, raw, crit=crit)},
    )
    assert response.status_code == 400, response.text
    assert response.json()["Errors"][0]["ErrorCode"] == "U010"


def test_a_signature_older_than_the_window_is_refused(bank: Bank) -> None:
    tpp = bank.tpp()
    raw = json.dumps(payment_consent_body()).encode()
    window = bank.settings.jws_max_age_seconds
    for age, status in ((window + 60, 400), (window - 60, 201), (10**12, 400)):
        signature = _forge(tpp, raw, **{OB_IAT: int(time.time()) - age})
        response = bank.post(
            CONSENTS, None, tpp.client_token, raw=raw, headers={"x-jws-signature": signature}
        )
        assert response.status_code == status, (age, response.text)
    huge = _forge(tpp, raw, **{OB_IAT: 10**30})
    response = bank.post(
        CONSENTS, None, tpp.client_token, raw=raw, headers={"x-jws-signature": huge}
    )
    assert response.status_code == 400, response.text
