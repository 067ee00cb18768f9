"""The authorization server's signing keys (ES256), created on first use and kept in the DB."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
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


def _b64(n: int) -> str:
    return base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()


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

    def active(self, session: Session) -> LoadedKey:
        """Return the key new tokens are signed with, creating one if the DB has none."""
        if self._active is None:
            row = session.execute(
                select(SigningKey)
                .where(SigningKey.retired_at.is_(None))
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
            if row is None or row.retired_at is not None:
                return None
            self._by_kid[kid] = _load(row)
        return self._by_kid[kid]

    def jwks(self, session: Session) -> dict[str, list[dict[str, str]]]:
        """Return the public JSON Web Key Set."""
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
