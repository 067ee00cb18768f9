"""Partner (TPP) registration, client authentication and request-signing keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.errors import bad_request
from wendu.identity.models import Partner
from wendu.identity.passwords import verify_password
from wendu.kit.ids import new_id

ROLES: tuple[str, ...] = ("AISP", "PISP", "CBPII")
# Marks the bank's own apps (e.g. its web chat). Only code can grant it: registration through
# the API or CLI accepts ROLES only, so no partner can make itself first party.
FIRST_PARTY_ROLE = "BANK"
# The OAuth scope each Open Banking role may ask for.
ROLE_SCOPES: dict[str, str] = {
    "AISP": "accounts",
    "PISP": "payments",
    "CBPII": "fundsconfirmations",
}
MAX_REDIRECT_URIS = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_SECRET_SCHEME = "sha256$"


@dataclass(frozen=True)
class RegisteredPartner:
    """A new partner and the secrets it is shown exactly once."""

    partner: Partner
    client_secret: str
    private_key_pem: str | None
    kid: str | None


def hash_client_secret(secret: str) -> str:
    """Return the stored form of a client secret.

    Secrets are 256-bit random values, so a plain SHA-256 resists guessing as well as a
    slow password hash would, and keeps the token endpoint fast.
    """
    return _SECRET_SCHEME + hashlib.sha256(secret.encode()).hexdigest()


def verify_client_secret(stored: str, secret: str) -> bool:
    """Return True when ``secret`` matches the stored hash (SHA-256 or Argon2id)."""
    if stored.startswith(_SECRET_SCHEME):
        return hmac.compare_digest(stored, hash_client_secret(secret))
    return verify_password(stored, secret)


def validate_redirect_uris(uris: Iterable[str], *, production: bool) -> list[str]:
    """Return the redirect URIs if each is absolute, fragment-free and (in production) https."""
    result = list(dict.fromkeys(uris))
    if len(result) > MAX_REDIRECT_URIS:
        raise bad_request(f"At most {MAX_REDIRECT_URIS} redirect URIs", path="redirect_uris")
    for uri in result:
        parts = urlsplit(uri)
        loopback = parts.hostname in _LOOPBACK_HOSTS
        if (
            len(uri) > 2000
            or not parts.netloc
            or parts.fragment
            or parts.scheme not in ("https", "http")
            or (parts.scheme == "http" and production and not loopback)
        ):
            raise bad_request(
                f"Redirect URI {uri[:200]!r} must be an absolute https URL without a fragment",
                path="redirect_uris",
            )
    return result


def validate_roles(roles: Iterable[str]) -> list[str]:
    """Return the roles deduplicated, refusing unknown or empty sets."""
    result = list(dict.fromkeys(roles))
    if not result or any(r not in ROLES for r in result):
        raise bad_request(f"roles must be a non-empty subset of {', '.join(ROLES)}", path="roles")
    return result


def _b64int(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def rsa_thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """Return the RFC 7638 JWK thumbprint of ``public_key`` (used as its ``kid``)."""
    numbers = public_key.public_numbers()
    canonical = json.dumps(
        {"e": _b64int(numbers.e), "kty": "RSA", "n": _b64int(numbers.n)},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def generate_signing_key() -> tuple[str, str, str]:
    """Return ``(kid, public_pem, private_pem)`` of a new RSA-2048 request-signing key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return rsa_thumbprint(private.public_key()), public_pem, private_pem


def public_key_from_jwks(jwks: dict[str, Any]) -> tuple[str, str]:
    """Return ``(kid, public_pem)`` of the RSA signing key in a JWK Set or single JWK."""
    from jwt.algorithms import RSAAlgorithm

    keys = jwks.get("keys") if "keys" in jwks else [jwks]
    if not isinstance(keys, list):
        raise bad_request("jwks.keys must be a list", path="jwks")
    for jwk in keys:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or jwk.get("use") == "enc":
            continue
        try:
            key = RSAAlgorithm.from_jwk(jwk)
        except Exception as exc:  # PyJWT raises several types for malformed keys
            raise bad_request("jwks holds a malformed RSA key", path="jwks") from exc
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
            raise bad_request("The signing key must be RSA with 2048+ bits", path="jwks")
        pem = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        kid = str(jwk.get("kid") or rsa_thumbprint(key))[:64]
        return kid, pem
    raise bad_request("jwks has no RSA signing key", path="jwks")


def register_partner(
    session: Session,
    *,
    name: str,
    redirect_uris: Sequence[str] = (),
    roles: Sequence[str] = ROLES,
    contact_email: str | None = None,
    signing: bool = True,
    public_key: tuple[str, str] | None = None,
    production: bool = False,
    first_party: bool = False,
) -> RegisteredPartner:
    """Create a partner with a hashed client secret and, optionally, a request-signing key.

    ``signing=True`` generates an RSA-2048 key pair whose private half is returned once;
    ``public_key=(kid, pem)`` registers a key the partner already holds instead.
    ``first_party=True`` marks one of the bank's own apps (never reachable from the API).
    """
    name = name.strip()
    if not 1 <= len(name) <= 140:
        raise bad_request("name must have 1 to 140 characters", path="name")
    if contact_email is not None and not _EMAIL.match(contact_email):
        raise bad_request("contact_email is not an email address", path="contact_email")
    uris = validate_redirect_uris(redirect_uris, production=production)
    role_list = validate_roles(roles)
    if first_party:
        role_list.append(FIRST_PARTY_ROLE)
    secret = secrets.token_urlsafe(32)
    private_pem: str | None = None
    kid: str | None = None
    public_pem: str | None = None
    if public_key is not None:
        kid, public_pem = public_key
    elif signing:
        kid, public_pem, private_pem = generate_signing_key()
    partner = Partner(
        id=new_id("ptn"),
        client_id=new_id("cli"),
        client_secret_hash=hash_client_secret(secret),
        name=name,
        contact_email=contact_email,
        redirect_uris=uris,
        roles=role_list,
        status="active",
        signing_kid=kid,
        signing_public_key_pem=public_pem,
    )
    session.add(partner)
    session.flush()
    return RegisteredPartner(partner, secret, private_pem, kid)


def is_first_party(partner: Partner) -> bool:
    """Return True for the bank's own apps."""
    return FIRST_PARTY_ROLE in (partner.roles or ())


def get_partner_by_client_id(session: Session, client_id: str) -> Partner | None:
    """Return the partner with ``client_id`` or None."""
    if not client_id or len(client_id) > 64:
        return None
    return session.execute(
        select(Partner).where(Partner.client_id == client_id)
    ).scalar_one_or_none()


def authenticate_client(session: Session, client_id: str, client_secret: str) -> Partner | None:
    """Return the active partner whose credentials these are, or None."""
    partner = get_partner_by_client_id(session, client_id)
    if partner is None or partner.status != "active":
        return None
    if not verify_client_secret(partner.client_secret_hash, client_secret):
        return None
    return partner


def list_partners(session: Session) -> Sequence[Partner]:
    """Return every partner, oldest first."""
    return session.execute(select(Partner).order_by(Partner.created_at, Partner.id)).scalars().all()


def allowed_scopes(partner: Partner) -> frozenset[str]:
    """Return the API scopes the partner's roles allow."""
    return frozenset(ROLE_SCOPES[r] for r in partner.roles or () if r in ROLE_SCOPES)
