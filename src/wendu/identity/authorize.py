"""Validate OAuth2 authorization requests and carry them, signed, across the login and consent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jwt
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import utcnow
from wendu.identity.authorisation import consent_scope
from wendu.identity.models import Consent, Partner
from wendu.identity.oauth import is_valid_challenge
from wendu.identity.partners import allowed_scopes, get_partner_by_client_id
from wendu.kit.signing import sign, unsign

PURPOSE = "oauth-authorize"
# How long a customer has to log in and decide once the partner sent them here.
REQUEST_MAX_AGE_SECONDS = 600
REQUEST_OBJECT_ALGORITHMS = ["PS256"]


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request: who asks, for which consent, and where to return."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    code_challenge: str
    consent_id: str
    nonce: str | None = None


@dataclass
class AuthorizeError(Exception):
    """A refused authorization request.

    ``redirect_uri`` is set only when the client and redirect URI were verified, so errors
    are never sent to an address the partner did not register (RFC 6749 §4.1.2.1).
    """

    error: str
    description: str
    redirect_uri: str | None = None
    state: str | None = None


def add_query(url: str, params: Mapping[str, str | None]) -> str:
    """Return ``url`` with ``params`` appended to its query string (None values skipped)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((k, v) for k, v in params.items() if v is not None)
    return urlunsplit(parts._replace(query=urlencode(query)))


def error_redirect(settings: Settings, err: AuthorizeError) -> str:
    """Return the partner redirect that reports ``err``."""
    assert err.redirect_uri is not None
    return add_query(
        err.redirect_uri,
        {
            "error": err.error,
            "error_description": err.description,
            "state": err.state,
            "iss": settings.public_url,
        },
    )


def _request_object(partner: Partner, settings: Settings, token: str) -> dict[str, Any]:
    if not partner.signing_public_key_pem:
        raise AuthorizeError(
            "invalid_request_object", "The client has no registered key to verify requests"
        )
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            partner.signing_public_key_pem,
            algorithms=REQUEST_OBJECT_ALGORITHMS,
            audience=settings.public_url,
            options={"verify_aud": False},
        )
    except jwt.PyJWTError as exc:
        raise AuthorizeError("invalid_request_object", "The request object is not valid") from exc
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if aud is not None and settings.public_url not in audiences:
        raise AuthorizeError("invalid_request_object", "The request object is for another server")
    if claims.get("client_id") not in (None, partner.client_id):
        raise AuthorizeError("invalid_request_object", "The request object is for another client")
    return claims


def _intent_id(claims: Mapping[str, Any]) -> str | None:
    if isinstance(claims.get("openbanking_intent_id"), str):
        return str(claims["openbanking_intent_id"])
    # OB form: {"claims": {"id_token": {"openbanking_intent_id": {"value": "..."}}}}
    nested = claims.get("claims")
    for part in ("id_token", "userinfo"):
        holder = nested.get(part) if isinstance(nested, dict) else None
        intent = holder.get("openbanking_intent_id") if isinstance(holder, dict) else None
        if isinstance(intent, dict) and isinstance(intent.get("value"), str):
            return str(intent["value"])
    return None


def _text(params: Mapping[str, Any], name: str, limit: int = 2000) -> str | None:
    value = params.get(name)
    if value is None or not isinstance(value, str) or value == "":
        return None
    return value[:limit]


def validate_authorization_request(
    session: Session, settings: Settings, query: Mapping[str, str]
) -> tuple[AuthorizationRequest, Partner, Consent]:
    """Check an authorization request and return it with its partner and AWAU consent."""
    partner = get_partner_by_client_id(session, query.get("client_id", ""))
    if partner is None or partner.status != "active":
        raise AuthorizeError("invalid_client", "The client is unknown")
    params: dict[str, Any] = dict(query)
    request_jwt = _text(query, "request", 20000)
    if request_jwt is not None:
        # Parameters in a signed request object win over the unsigned query (OIDC §6.3.3).
        claims = _request_object(partner, settings, request_jwt)
        params.update({k: v for k, v in claims.items() if isinstance(v, str)})
        intent = _intent_id(claims)
        if intent is not None:
            params["consent_id"] = intent
    redirect_uri = _text(params, "redirect_uri")
    if redirect_uri is None or redirect_uri not in (partner.redirect_uris or []):
        raise AuthorizeError("invalid_request", "redirect_uri is not registered for this client")
    state = _text(params, "state", 500)

    def fail(error: str, description: str) -> AuthorizeError:
        return AuthorizeError(error, description, redirect_uri, state)

    if params.get("response_type") != "code":
        raise fail("unsupported_response_type", "Only response_type=code is supported")
    challenge = _text(params, "code_challenge", 200)
    if challenge is None:
        raise fail("invalid_request", "code_challenge is required (PKCE)")
    if params.get("code_challenge_method") != "S256":
        raise fail("invalid_request", "code_challenge_method must be S256")
    if not is_valid_challenge(challenge):
        raise fail("invalid_request", "code_challenge is not a valid S256 challenge")
    consent_id = _text(params, "consent_id", 128)
    if consent_id is None:
        raise fail("invalid_request", "consent_id (or a request object with its intent id) needed")
    consent = session.get(Consent, consent_id)
    if consent is None or consent.partner_id != partner.id:
        raise fail("invalid_request", "The consent is unknown")
    if consent.status != "AWAU" or (
        consent.expires_at is not None and consent.expires_at <= utcnow()
    ):
        raise fail("invalid_request", "The consent is not awaiting authorisation")
    wanted = (_text(params, "scope", 200) or "").split()
    needed = consent_scope(consent.kind)
    if needed not in wanted:
        raise fail("invalid_scope", f"scope must include {needed} for this consent")
    if needed not in allowed_scopes(partner):
        raise fail("unauthorized_client", f"The client's roles do not allow {needed}")
    scope = f"openid {needed}" if "openid" in wanted else needed
    request = AuthorizationRequest(
        client_id=partner.client_id,
        redirect_uri=redirect_uri,
        scope=scope,
        state=state,
        code_challenge=challenge,
        consent_id=consent.id,
        nonce=_text(params, "nonce", 200),
    )
    return request, partner, consent


def seal(settings: Settings, request: AuthorizationRequest) -> str:
    """Return the request as a tamper-proof token for the login and consent forms."""
    return sign(settings.secret_key, PURPOSE, json.dumps(asdict(request), separators=(",", ":")))


def unseal(settings: Settings, token: str | None) -> AuthorizationRequest | None:
    """Return the request sealed in ``token``, or None if forged or too old."""
    if not token:
        return None
    value = unsign(settings.secret_key, PURPOSE, token, max_age_seconds=REQUEST_MAX_AGE_SECONDS)
    if value is None:
        return None
    try:
        return AuthorizationRequest(**json.loads(value))
    except (TypeError, ValueError):
        return None
