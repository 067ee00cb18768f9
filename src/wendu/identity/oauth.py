"""The OAuth2 token service: grants, authorization codes with PKCE, refresh rotation, revocation.

Errors are ``OAuthError`` (RFC 6749 §5.2 body) rather than OB errors: the token endpoint
speaks the OAuth wire format. Several failures must still *commit* a change (a replayed
code revokes its tokens), so the router returns the error as a response instead of
letting the session roll back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from wendu.config import Settings
from wendu.db import utcnow
from wendu.identity.authorisation import consent_scope
from wendu.identity.keys import KeyRing
from wendu.identity.models import AuthorizationCode, Consent, OAuthToken, Partner
from wendu.identity.partners import allowed_scopes
from wendu.identity.subjects import pairwise_subject
from wendu.identity.tokens import ALGORITHM, hash_secret, issue_access_token, revoke_consent_tokens

MAX_CODE_TTL_SECONDS = 60
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")
# Consents whose customer tokens may be refreshed; payment consents are single-use.
REFRESHABLE_KINDS = frozenset({"account-access", "funds-confirmation"})


@dataclass
class OAuthError(Exception):
    """An RFC 6749 error: ``error`` code, description and HTTP status."""

    error: str
    description: str
    status: int = 400
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, str]:
        """Return the RFC 6749 JSON error body."""
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class TokenResponse:
    """A successful token endpoint answer."""

    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None
    consent_id: str | None = None

    def body(self) -> dict[str, Any]:
        """Return the RFC 6749 §5.1 JSON body."""
        out: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.refresh_token:
            out["refresh_token"] = self.refresh_token
        if self.id_token:
            out["id_token"] = self.id_token
        if self.consent_id:
            out["consent_id"] = self.consent_id
        return out


@dataclass(frozen=True)
class PkcePair:
    """A PKCE code verifier and its S256 challenge."""

    verifier: str
    challenge: str


def s256(verifier: str) -> str:
    """Return the PKCE S256 challenge of ``verifier``."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_pkce_pair() -> PkcePair:
    """Return a fresh PKCE pair (what a partner app makes before redirecting a customer)."""
    verifier = secrets.token_urlsafe(48)
    return PkcePair(verifier, s256(verifier))


def is_valid_challenge(challenge: str) -> bool:
    """Return True when ``challenge`` has the shape of an S256 challenge."""
    return bool(_CHALLENGE.match(challenge))


def _parse_scope(scope: str | None) -> list[str]:
    return list(dict.fromkeys((scope or "").split()))


def grant_client_credentials(
    session: Session,
    keyring: KeyRing,
    settings: Settings,
    partner: Partner,
    scope: str | None,
) -> TokenResponse:
    """Issue an application token for the requested scopes, which the partner's roles allow.

    Without ``scope`` (RFC 6749 §3.3) a partner with one API role gets that role's scope,
    its documented default; one with several roles must name the scope it wants rather
    than receive all of them (least privilege).
    """
    allowed = allowed_scopes(partner)
    requested = _parse_scope(scope) or default_client_scope(partner)
    if not requested or any(s not in allowed for s in requested):
        raise OAuthError("invalid_scope", "The requested scope is not allowed for this client")
    text = " ".join(requested)
    token = issue_access_token(
        session, keyring, settings, partner=partner, scope=text, grant_type="client_credentials"
    )
    return TokenResponse(token.access_token, token.expires_in, text)


def default_client_scope(partner: Partner) -> list[str]:
    """Return the scope a client-credentials request without ``scope`` gets.

    The scope of the partner's only API role (AISP ``accounts``, PISP ``payments``, CBPII
    ``fundsconfirmations``); nothing for a partner with several roles, which must ask.
    """
    allowed = allowed_scopes(partner)
    if not allowed:
        raise OAuthError("invalid_scope", "The client has no role that allows a scope")
    if len(allowed) != 1:
        raise OAuthError(
            "invalid_scope",
            "scope is required for a client with several roles; ask for one of: "
            + " ".join(sorted(allowed)),
        )
    return sorted(allowed)


def issue_authorization_code(
    session: Session,
    settings: Settings,
    *,
    partner: Partner,
    consent: Consent,
    redirect_uri: str,
    code_challenge: str,
    scope: str,
    nonce: str | None = None,
) -> str:
    """Store a single-use code for an authorised consent and return it (only its hash is kept)."""
    if consent.customer_id is None or consent.status != "AUTH":
        raise ValueError("codes are issued only for authorised consents")
    code = secrets.token_urlsafe(32)
    ttl = min(settings.auth_code_ttl_seconds, MAX_CODE_TTL_SECONDS)
    session.add(
        AuthorizationCode(
            code_hash=hash_secret(code),
            partner_id=partner.id,
            customer_id=consent.customer_id,
            consent_id=consent.id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            scope=scope,
            nonce=nonce,
            expires_at=utcnow() + timedelta(seconds=ttl),
        )
    )
    session.flush()
    return code


def _id_token(
    session: Session,
    keyring: KeyRing,
    settings: Settings,
    *,
    partner: Partner,
    consent_id: str,
    customer_id: str,
    nonce: str | None,
    now: datetime,
) -> str:
    key = keyring.active(session)
    claims: dict[str, Any] = {
        "iss": settings.public_url,
        # The pairwise subject, the same as userinfo's (OIDC Core §5.3.2); the consent is
        # named by openbanking_intent_id.
        "sub": pairwise_subject(settings, partner.id, customer_id),
        "openbanking_intent_id": consent_id,
        "aud": partner.client_id,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=settings.access_token_ttl_seconds)).timestamp()),
        "auth_time": int(now.timestamp()),
    }
    if nonce:
        claims["nonce"] = nonce
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def _issue_refresh_token(
    session: Session,
    settings: Settings,
    *,
    partner: Partner,
    consent: Consent,
    scope: str,
    expires_at: datetime | None = None,
) -> str:
    now = utcnow()
    value = secrets.token_urlsafe(32)
    expiry = expires_at or now + timedelta(seconds=settings.refresh_token_ttl_seconds)
    if consent.expires_at is not None:
        expiry = min(expiry, consent.expires_at)
    session.add(
        OAuthToken(
            id=hash_secret(value),
            kind="refresh",
            grant_type="refresh_token",
            partner_id=partner.id,
            customer_id=consent.customer_id,
            consent_id=consent.id,
            scope=scope,
            issued_at=now,
            expires_at=expiry,
        )
    )
    session.flush()
    return value


def _live_consent(session: Session, consent_id: str) -> Consent | None:
    consent = session.get(Consent, consent_id)
    if consent is None or consent.status != "AUTH":
        return None
    if consent.expires_at is not None and consent.expires_at <= utcnow():
        return None
    return consent


def _stamp_once(
    session: Session,
    column: InstrumentedAttribute[datetime | None],
    row: ColumnElement[bool],
    now: datetime,
) -> bool:
    """Set ``column`` of the row ``row`` picks to ``now`` if still unset; True if this call did.

    A compare-and-set, so two concurrent redemptions of one code or token cannot both succeed.
    """
    result = session.execute(
        update(column.class_)
        .where(row, column.is_(None))
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def exchange_authorization_code(
    session: Session,
    keyring: KeyRing,
    settings: Settings,
    partner: Partner,
    *,
    code: str | None,
    redirect_uri: str | None,
    code_verifier: str | None,
) -> TokenResponse:
    """Redeem a code once, checking client, redirect URI, age and the PKCE verifier.

    A code that was already used revokes every token issued from it (RFC 6749 §4.1.2).
    Any failed attempt also burns the code, so a guessed verifier cannot be retried.
    """
    if not code:
        raise OAuthError("invalid_request", "code is required")
    row = session.get(AuthorizationCode, hash_secret(code))
    if row is None or row.partner_id != partner.id:
        raise OAuthError("invalid_grant", "The authorization code is not valid")
    now = utcnow()
    used = AuthorizationCode.used_at
    if not _stamp_once(session, used, AuthorizationCode.code_hash == row.code_hash, now):
        revoke_consent_tokens(session, row.consent_id)
        raise OAuthError("invalid_grant", "The authorization code has already been used")
    if row.expires_at <= now:
        raise OAuthError("invalid_grant", "The authorization code has expired")
    if not redirect_uri or not hmac.compare_digest(redirect_uri, row.redirect_uri):
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
    if not code_verifier or not _VERIFIER.match(code_verifier):
        raise OAuthError("invalid_grant", "A valid PKCE code_verifier is required")
    if not hmac.compare_digest(s256(code_verifier), row.code_challenge):
        raise OAuthError("invalid_grant", "The PKCE code_verifier does not match the challenge")
    consent = _live_consent(session, row.consent_id)
    if consent is None or consent.customer_id != row.customer_id:
        raise OAuthError("invalid_grant", "The consent is no longer authorised")
    return _customer_tokens(
        session,
        keyring,
        settings,
        partner=partner,
        consent=consent,
        scope=row.scope,
        nonce=row.nonce,
        with_id_token="openid" in row.scope.split(),
    )


def _customer_tokens(
    session: Session,
    keyring: KeyRing,
    settings: Settings,
    *,
    partner: Partner,
    consent: Consent,
    scope: str,
    nonce: str | None = None,
    with_id_token: bool = False,
    refresh_expires_at: datetime | None = None,
) -> TokenResponse:
    issued = issue_access_token(
        session,
        keyring,
        settings,
        partner=partner,
        scope=scope,
        grant_type="authorization_code",
        customer_id=consent.customer_id,
        consent_id=consent.id,
    )
    refresh = None
    if consent.kind in REFRESHABLE_KINDS:
        refresh = _issue_refresh_token(
            session,
            settings,
            partner=partner,
            consent=consent,
            scope=scope,
            expires_at=refresh_expires_at,
        )
    id_token = None
    if with_id_token and consent.customer_id is not None:
        id_token = _id_token(
            session,
            keyring,
            settings,
            partner=partner,
            consent_id=consent.id,
            customer_id=consent.customer_id,
            nonce=nonce,
            now=utcnow(),
        )
    return TokenResponse(
        issued.access_token,
        issued.expires_in,
        scope,
        refresh_token=refresh,
        id_token=id_token,
        consent_id=consent.id,
    )


def refresh_access_token(
    session: Session,
    keyring: KeyRing,
    settings: Settings,
    partner: Partner,
    *,
    refresh_token: str | None,
    scope: str | None,
) -> TokenResponse:
    """Rotate a refresh token: the old one dies, a new access and refresh token are issued.

    Presenting a refresh token that was already rotated means it leaked, so every token
    of that consent is revoked — except once, within ``refresh_token_grace_seconds`` of its
    rotation, for the immediately previous token whose successor was never used: the
    partner retried because the response was lost (FAPI 2.0). That retry gets a fresh pair
    and the lost successor is revoked.
    """
    if not refresh_token:
        raise OAuthError("invalid_request", "refresh_token is required")
    row = session.get(OAuthToken, hash_secret(refresh_token))
    if row is None or row.kind != "refresh" or row.partner_id != partner.id:
        raise OAuthError("invalid_grant", "The refresh token is not valid")
    now = utcnow()
    first_use = _stamp_once(session, OAuthToken.revoked_at, OAuthToken.id == row.id, now)
    if not first_use and not _retry_within_grace(session, settings, row, now):
        if row.consent_id:
            revoke_consent_tokens(session, row.consent_id)
        raise OAuthError("invalid_grant", "The refresh token has been revoked or already used")
    if row.expires_at <= now:
        raise OAuthError("invalid_grant", "The refresh token has expired")
    consent = _live_consent(session, row.consent_id or "")
    if consent is None:
        raise OAuthError("invalid_grant", "The consent is no longer authorised")
    granted = row.scope.split()
    requested = _parse_scope(scope) or granted
    if any(s not in granted for s in requested):
        raise OAuthError("invalid_scope", "The scope exceeds the original grant")
    result = _customer_tokens(
        session,
        keyring,
        settings,
        partner=partner,
        consent=consent,
        scope=" ".join(requested),
        refresh_expires_at=row.expires_at,
    )
    if result.refresh_token:
        row.replaced_by = hash_secret(result.refresh_token)
        session.flush()
    return result


def _retry_within_grace(
    session: Session, settings: Settings, row: OAuthToken, now: datetime
) -> bool:
    """Accept ``row`` once more if it is a rotated token retried within the grace window.

    Only the immediately previous token qualifies (its successor is still unused and
    unrevoked), only once, and never one that was revoked rather than rotated. On success
    the unused successor is revoked, so a lost response leaves no second live token.
    """
    grace = settings.refresh_token_grace_seconds
    if grace <= 0 or row.replaced_by is None or row.revoked_at is None:
        return False
    if now - row.revoked_at > timedelta(seconds=grace):
        return False
    successor = session.get(OAuthToken, row.replaced_by)
    if successor is None or successor.revoked_at is not None:
        return False
    if not _stamp_once(session, OAuthToken.grace_used_at, OAuthToken.id == row.id, now):
        return False
    # False if the successor was used meanwhile: this is a replay after all.
    return _stamp_once(session, OAuthToken.revoked_at, OAuthToken.id == successor.id, now)


def _access_jti(session: Session, keyring: KeyRing, settings: Settings, token: str) -> str | None:
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            return None
        key = keyring.by_kid(session, str(header.get("kid", "")))
        if key is None:
            return None
        # Expired tokens may still be revoked; the signature must be ours.
        claims = jwt.decode(
            token,
            key.public_key,
            algorithms=[ALGORITHM],
            audience=settings.public_url,
            options={"verify_exp": False},
        )
    except jwt.PyJWTError:
        return None
    jti = claims.get("jti")
    return str(jti) if jti else None


def revoke_token(
    session: Session,
    keyring: KeyRing,
    settings: Settings,
    partner: Partner,
    *,
    token: str | None,
    token_type_hint: str | None = None,
) -> bool:
    """Revoke an access or refresh token the partner holds (RFC 7009); return True if found.

    Revoking a refresh token also revokes the access tokens of the same grant.
    Unknown tokens and other clients' tokens are ignored, as RFC 7009 §2.2 allows.
    """
    if not token:
        raise OAuthError("invalid_request", "token is required")
    if token_type_hint not in (None, "", "access_token", "refresh_token"):
        raise OAuthError("unsupported_token_type", "token_type_hint is not supported")
    now = utcnow()
    refresh = session.get(OAuthToken, hash_secret(token))
    if refresh is not None and refresh.kind == "refresh" and refresh.partner_id == partner.id:
        if refresh.revoked_at is None:
            refresh.revoked_at = now
        if refresh.consent_id:
            _revoke_access_tokens(session, refresh.consent_id, now)
        session.flush()
        return True
    jti = _access_jti(session, keyring, settings, token)
    if jti is None:
        return False
    access = session.get(OAuthToken, jti)
    if access is None or access.kind != "access" or access.partner_id != partner.id:
        return False
    if access.revoked_at is None:
        access.revoked_at = now
        session.flush()
    return True


def _revoke_access_tokens(session: Session, consent_id: str, now: datetime) -> None:
    session.execute(
        update(OAuthToken)
        .where(
            OAuthToken.consent_id == consent_id,
            OAuthToken.kind == "access",
            OAuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def scope_for_consent(consent: Consent, requested: str | None) -> str:
    """Return the scope a customer token for ``consent`` carries (``openid`` kept if asked)."""
    wanted = _parse_scope(requested)
    scope = consent_scope(consent.kind)
    return f"openid {scope}" if "openid" in wanted else scope
