"""Issue and verify access tokens: short-lived ES256 JWTs whose ``jti`` is recorded in the DB.

A token is valid only while its row is unrevoked, its partner active and — for tokens bound
to a consent — the consent still authorised, so revoking a consent stops access at once.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import utcnow
from wendu.errors import unauthorized
from wendu.identity.keys import KeyRing
from wendu.identity.models import Consent, OAuthToken, Partner
from wendu.identity.subjects import pairwise_subject

ALGORITHM = "ES256"


@dataclass(frozen=True)
class AccessContext:
    """Who is calling, verified: the partner, and the customer and consent if any."""

    jti: str
    partner_id: str
    client_id: str
    scope: frozenset[str]
    grant_type: str
    customer_id: str | None = None
    consent_id: str | None = None
    consent_kind: str | None = None
    consent_status: str | None = None
    permissions: frozenset[str] = frozenset()
    account_ids: tuple[str, ...] = ()
    rate_limit_per_minute: int | None = None
    # The consent's transaction window, so AIS need not read the consent again.
    transaction_from: datetime | None = None
    transaction_to: datetime | None = None

    @property
    def is_customer_token(self) -> bool:
        """Return True for tokens issued through a customer's authorisation."""
        return self.customer_id is not None


@dataclass(frozen=True)
class IssuedToken:
    """An access token as returned to the client."""

    access_token: str
    expires_in: int
    jti: str


def hash_secret(value: str) -> str:
    """Return the SHA-256 hex digest used to store opaque secrets (codes, refresh tokens)."""
    return hashlib.sha256(value.encode()).hexdigest()


def issue_access_token(
    session: Session,
    keyring: KeyRing,
    settings: Settings,
    *,
    partner: Partner,
    scope: str,
    grant_type: str,
    customer_id: str | None = None,
    consent_id: str | None = None,
) -> IssuedToken:
    """Sign a new access token and record its ``jti``."""
    key = keyring.active(session)
    now = utcnow()
    ttl = settings.access_token_ttl_seconds
    jti = secrets.token_hex(16)
    claims: dict[str, object] = {
        "iss": settings.public_url,
        "aud": settings.public_url,
        # A customer appears to each partner under its own pairwise subject, never the
        # bank's internal id; an application token's subject is the client itself.
        "sub": pairwise_subject(settings, partner.id, customer_id)
        if customer_id
        else partner.client_id,
        "client_id": partner.client_id,
        "scope": scope,
        "jti": jti,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
    }
    if consent_id:
        claims["consent_id"] = consent_id
    token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
    session.add(
        OAuthToken(
            id=jti,
            kind="access",
            grant_type=grant_type,
            partner_id=partner.id,
            customer_id=customer_id,
            consent_id=consent_id,
            scope=scope,
            issued_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    session.flush()
    return IssuedToken(token, ttl, jti)


class _VerifiedClaims:
    """Claims of tokens whose signature already verified, keyed by the token's SHA-256.

    Verifying an ES256 signature costs more than the rest of a request's authentication;
    a partner sends the same token for minutes. Only the signature check is cached: expiry
    is checked on every use and the token, partner and consent rows are read every time,
    so revocation still takes effect at once. Tokens are never kept, only their digests.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._claims: OrderedDict[bytes, dict[str, Any]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, digest: bytes) -> dict[str, Any] | None:
        with self._lock:
            claims = self._claims.get(digest)
            if claims is not None:
                self._claims.move_to_end(digest)
            return claims

    def put(self, digest: bytes, claims: dict[str, Any]) -> None:
        with self._lock:
            self._claims[digest] = claims
            while len(self._claims) > self._size:
                self._claims.popitem(last=False)


# One cache per key ring (an app), so one app's verdict never stands in for another's keys.
_verified: WeakKeyDictionary[KeyRing, _VerifiedClaims] = WeakKeyDictionary()


def _decode(session: Session, keyring: KeyRing, settings: Settings, token: str) -> dict[str, Any]:
    cache = _verified.get(keyring)
    if cache is None:
        cache = _verified.setdefault(keyring, _VerifiedClaims())
    digest = hashlib.sha256(f"{settings.public_url} {token}".encode()).digest()
    claims = cache.get(digest)
    if claims is not None:
        _check_expiry(claims)
        return claims
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise unauthorized("The access token is malformed") from exc
    if header.get("alg") != ALGORITHM:
        raise unauthorized("The access token algorithm is not accepted")
    key = keyring.by_kid(session, str(header.get("kid", "")))
    if key is None:
        raise unauthorized("The access token was not issued by this server")
    try:
        claims = jwt.decode(
            token,
            key.public_key,
            algorithms=[ALGORITHM],
            audience=settings.public_url,
            issuer=settings.public_url,
            # Expiry is checked against the service clock (utcnow), which issued it.
            options={
                "require": ["exp", "iat", "jti", "client_id"],
                "verify_exp": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise unauthorized("The access token is not valid") from exc
    if not isinstance(claims["exp"], int | float):
        raise unauthorized("The access token is not valid")
    _check_expiry(claims)
    cache.put(digest, claims)
    return claims


def _check_expiry(claims: dict[str, Any]) -> None:
    if claims["exp"] <= utcnow().timestamp():  # PyJWT's rule: expired once now >= exp
        raise unauthorized("The access token has expired")


def verify_access_token(
    session: Session, keyring: KeyRing, settings: Settings, token: str
) -> AccessContext:
    """Return the verified context of ``token`` or raise a 401 ``WenduError``."""
    claims = _decode(session, keyring, settings, token)
    row = session.execute(
        select(OAuthToken, Partner, Consent)
        .join(Partner, Partner.id == OAuthToken.partner_id)
        .outerjoin(Consent, Consent.id == OAuthToken.consent_id)
        .where(OAuthToken.id == claims["jti"], OAuthToken.kind == "access")
    ).one_or_none()
    if row is None:
        raise unauthorized("The access token is not known")
    record, partner, consent = row
    now = utcnow()
    if record.revoked_at is not None or record.expires_at <= now:
        raise unauthorized("The access token has been revoked or has expired")
    if partner.status != "active" or partner.client_id != claims["client_id"]:
        raise unauthorized("The client is not active")
    if record.consent_id is not None:
        if consent is None or consent.status not in ("AUTH", "CONS"):
            raise unauthorized("The consent behind this token is no longer authorised")
        if consent.expires_at is not None and consent.expires_at <= now:
            raise unauthorized("The consent behind this token has expired")
    return AccessContext(
        jti=record.id,
        partner_id=partner.id,
        client_id=partner.client_id,
        scope=frozenset(record.scope.split()),
        grant_type=record.grant_type,
        customer_id=record.customer_id,
        consent_id=record.consent_id,
        consent_kind=consent.kind if consent else None,
        consent_status=consent.status if consent else None,
        permissions=frozenset(consent.permissions or []) if consent else frozenset(),
        account_ids=tuple(consent.account_ids or []) if consent else (),
        rate_limit_per_minute=partner.rate_limit_per_minute,
        transaction_from=consent.transaction_from if consent else None,
        transaction_to=consent.transaction_to if consent else None,
    )


def revoke_consent_tokens(session: Session, consent_id: str) -> int:
    """Revoke every access and refresh token bound to ``consent_id``; return how many."""
    now = utcnow()
    rows = session.execute(
        select(OAuthToken).where(
            OAuthToken.consent_id == consent_id, OAuthToken.revoked_at.is_(None)
        )
    ).scalars()
    count = 0
    for row in rows:
        row.revoked_at = now
        count += 1
    session.flush()
    return count
