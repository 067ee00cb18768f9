"""Verify the OB ``x-jws-signature``: a detached JWS (PS256) over the exact request body.

The protected header names the partner's registered key (``kid``) and carries the OB claims
listed in ``crit``: ``http://openbanking.org.uk/iat`` (not in the future, and no older than
``Settings.jws_max_age_seconds``),
``http://openbanking.org.uk/iss`` (the partner's client id) and
``http://openbanking.org.uk/tan`` (the trust anchor). The signing input is
``base64url(header) + "." + base64url(body)``; the token on the wire is ``header..signature``.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from wendu.config import Settings
from wendu.errors import WenduError, bad_request
from wendu.identity.models import Partner

OB_IAT = "http://openbanking.org.uk/iat"
OB_ISS = "http://openbanking.org.uk/iss"
OB_TAN = "http://openbanking.org.uk/tan"
CRIT = frozenset({OB_IAT, OB_ISS, OB_TAN})
TRUST_ANCHOR = "openbanking.org.uk"
MAX_CLOCK_SKEW_SECONDS = 300


def _invalid(message: str) -> WenduError:
    return bad_request(message, code="U010", path="x-jws-signature")


def b64url(data: bytes) -> str:
    """Return unpadded base64url of ``data``."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_detached(
    body: bytes, private_key_pem: str, *, kid: str, issuer: str, iat: int | None = None
) -> str:
    """Return a detached ``x-jws-signature`` for ``body`` (what a partner's client does)."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    header = {
        "alg": "PS256",
        "kid": kid,
        "typ": "JOSE",
        "cty": "application/json",
        OB_IAT: int(time.time()) if iat is None else iat,
        OB_ISS: issuer,
        OB_TAN: TRUST_ANCHOR,
        "crit": sorted(CRIT),
    }
    protected = b64url(json.dumps(header, separators=(",", ":")).encode())
    signature = key.sign(f"{protected}.{b64url(body)}".encode(), _pss(), hashes.SHA256())
    return f"{protected}..{b64url(signature)}"


def _pss() -> padding.PSS:
    # PS256 (RFC 7518 §3.5): MGF1 with SHA-256 and a salt as long as the hash.
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def verify_request_signature(
    signature: str | None, body: bytes, partner: Partner, settings: Settings
) -> None:
    """Raise 400 U010 unless ``signature`` is the partner's valid detached JWS of ``body``.

    A partner registered without a key (``--no-signing``) is let through in sandbox only.
    """
    if partner.signing_public_key_pem is None or partner.signing_kid is None:
        if settings.is_production:
            raise _invalid("The partner has no registered request-signing key")
        return
    if not signature:
        raise bad_request("The x-jws-signature header is required", code="U010")
    parts = signature.strip().split(".")
    if len(parts) != 3 or parts[1] != "":
        raise _invalid("x-jws-signature must be a detached JWS (header..signature)")
    try:
        header: Any = json.loads(_unb64url(parts[0]))
        raw_signature = _unb64url(parts[2])
    except (ValueError, binascii.Error) as exc:
        raise _invalid("x-jws-signature is not valid base64url JSON") from exc
    if not isinstance(header, dict):
        raise _invalid("The JWS header must be a JSON object")
    _check_header(header, partner, settings)
    public_key = serialization.load_pem_public_key(partner.signing_public_key_pem.encode())
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise _invalid("The partner's registered key is not an RSA key")
    signing_input = f"{parts[0]}.{b64url(body)}".encode()
    try:
        public_key.verify(raw_signature, signing_input, _pss(), hashes.SHA256())
    except InvalidSignature as exc:
        raise _invalid("The x-jws-signature does not match the request body") from exc


def _check_header(header: dict[str, Any], partner: Partner, settings: Settings) -> None:
    if header.get("alg") != "PS256":
        raise _invalid("The JWS algorithm must be PS256")
    if header.get("kid") != partner.signing_kid:
        raise _invalid("The JWS kid is not the partner's registered signing key")
    if header.get("b64") is not None:
        raise _invalid("The b64 header is not used in OB v4 signatures")
    crit = header.get("crit")
    if (
        not isinstance(crit, list)
        or not all(isinstance(name, str) for name in crit)
        or len(crit) != len(CRIT)
        or set(crit) != CRIT
    ):
        raise _invalid("The JWS crit header must list exactly the OB iat, iss and tan claims")
    iat = header.get(OB_IAT)
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise _invalid("The OB iat claim must be a number of seconds")
    now = time.time()
    if iat > now + MAX_CLOCK_SKEW_SECONDS:
        raise _invalid("The OB iat claim is in the future")
    if iat < now - settings.jws_max_age_seconds:
        raise _invalid("The OB iat claim is too old; sign the request again")
    if header.get(OB_ISS) != partner.client_id:
        raise _invalid("The OB iss claim must be the partner's client id")
    if header.get(OB_TAN) != TRUST_ANCHOR:
        raise _invalid("The OB tan claim must name the trust anchor openbanking.org.uk")
