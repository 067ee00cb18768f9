"""The bank's signing keys, created on first use and kept in the DB, all published in the JWKS.

ES256 keys sign access tokens, ID tokens and event notifications; one RSA key (PS256) signs
the bank's own Open Banking responses (``x-jws-signature``), as the OB v4 profile requires.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.identity.models import SigningKey


@dataclass(frozen=True)
class LoadedKey:
    """A signing key ready for use by PyJWT."""

    kid: str
    private_key: ec.EllipticCurvePrivateKey
    public_key: ec.EllipticCurvePublicKey
    public_jwk: dict[str, str]


TOKEN_ALGORITHM = "ES256"
RESPONSE_ALGORITHM = "PS256"


@dataclass(frozen=True)
class ResponseKey:
    """The RSA key the bank signs its OB responses with (PS256), and its ``kid``."""

    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict[str, str]


def _b64(n: int) -> str:
    return base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()


def _b64_int(n: int) -> str:
    return (
        base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()
    )


def _jwk(public_key: ec.EllipticCurvePublicKey, kid: str) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64(numbers.x),
        "y": _b64(numbers.y),
        "kid": kid,
        "use": "sig",
        "alg": "ES256",
    }


def _load(row: SigningKey) -> LoadedKey:
    private = serialization.load_pem_private_key(row.private_key_pem.encode(), password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    return LoadedKey(row.kid, private, private.public_key(), dict(row.public_jwk))


class KeyRing:
    """Caches the active signing key and every unretired verification key."""

    def __init__(self) -> None:
        self._active: LoadedKey | None = None
        self._by_kid: dict[str, LoadedKey] = {}
        self._response: ResponseKey | None = None

    def active(self, session: Session) -> LoadedKey:
        """Return the key new tokens are signed with, creating one if the DB has none."""
        if self._active is None:
            row = session.execute(
                select(SigningKey)
                .where(SigningKey.retired_at.is_(None), SigningKey.algorithm == TOKEN_ALGORITHM)
                .order_by(SigningKey.created_at.desc())
                .limit(1)
            ).scalar_one_or_none()
            if row is None:
                row = create_signing_key(session)
            self._active = _load(row)
            self._by_kid[row.kid] = self._active
        return self._active

    def by_kid(self, session: Session, kid: str) -> LoadedKey | None:
        """Return the verification key ``kid`` if it exists and is not retired."""
        if kid not in self._by_kid:
            row = session.get(SigningKey, kid)
            if row is None or row.retired_at is not None or row.algorithm != TOKEN_ALGORITHM:
                return None
            self._by_kid[kid] = _load(row)
        return self._by_kid[kid]

    @property
    def cached_response_key(self) -> ResponseKey | None:
        """Return the response-signing key if this process has loaded it (no DB access)."""
        return self._response

    def response_key(self, session: Session) -> ResponseKey:
        """Return the key OB responses are signed with, creating one if the DB has none."""
        if self._response is None:
            row = session.execute(
                select(SigningKey)
                .where(SigningKey.retired_at.is_(None), SigningKey.algorithm == RESPONSE_ALGORITHM)
                .order_by(SigningKey.created_at.desc())
                .limit(1)
            ).scalar_one_or_none()
            if row is None:
                row = create_response_signing_key(session)
            private = serialization.load_pem_private_key(
                row.private_key_pem.encode(), password=None
            )
            assert isinstance(private, rsa.RSAPrivateKey)
            self._response = ResponseKey(row.kid, private, dict(row.public_jwk))
        return self._response

    def jwks(self, session: Session) -> dict[str, list[dict[str, str]]]:
        """Return the public JSON Web Key Set (token keys and the response-signing key)."""
        self.active(session)
        rows = session.execute(select(SigningKey).where(SigningKey.retired_at.is_(None))).scalars()
        return {"keys": [dict(r.public_jwk) for r in rows]}


def create_signing_key(session: Session) -> SigningKey:
    """Generate and store a new P-256 key pair."""
    private = ec.generate_private_key(ec.SECP256R1())
    kid = secrets.token_hex(8)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    row = SigningKey(kid=kid, private_key_pem=pem, public_jwk=_jwk(private.public_key(), kid))
    session.add(row)
    session.flush()
    return row


def create_response_signing_key(session: Session) -> SigningKey:
    """Generate and store a new RSA-2048 key pair for PS256 response signatures."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = secrets.token_hex(8)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    numbers = private.public_key().public_numbers()
    jwk = {
        "kty": "RSA",
        "n": _b64_int(numbers.n),
        "e": _b64_int(numbers.e),
        "kid": kid,
        "use": "sig",
        "alg": RESPONSE_ALGORITHM,
    }
    row = SigningKey(kid=kid, algorithm=RESPONSE_ALGORITHM, private_key_pem=pem, public_jwk=jwk)
    session.add(row)
    session.flush()
    return row
