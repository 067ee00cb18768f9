"""Partner self-registration (OAuth dynamic client registration, RFC 7591 style)."""

from __future__ import annotations

import hmac
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.errors import WenduError
from wendu.identity.oauth import OAuthError
from wendu.identity.partners import ROLES, public_key_from_jwks, register_partner
from wendu.identity.schemas import ClientRegistration, ClientRegistrationResponse


def check_registration_access(settings: Settings, authorization: str | None) -> None:
    """Allow registration in sandbox; in production require the initial access token."""
    if not settings.is_production:
        return
    expected = settings.registration_access_token
    if not expected:
        raise OAuthError("access_denied", "Registration is closed on this server", 403)
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), expected):
        raise OAuthError(
            "invalid_token",
            "A valid initial access token is required",
            401,
            {"WWW-Authenticate": 'Bearer realm="wendu", error="invalid_token"'},
        )


def register_client(
    session: Session, settings: Settings, payload: Any
) -> ClientRegistrationResponse:
    """Validate client metadata and create the partner; errors use RFC 7591 codes."""
    try:
        request = ClientRegistration.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise OAuthError("invalid_client_metadata", f"{where}: {first.get('msg')}") from exc
    roles = request.roles or request.software_roles or list(ROLES)
    try:
        public_key = public_key_from_jwks(request.jwks) if request.jwks else None
        contact = request.contacts[0] if request.contacts else None
        registered = register_partner(
            session,
            name=request.client_name,
            redirect_uris=request.redirect_uris,
            roles=roles,
            contact_email=contact,
            signing=False,
            public_key=public_key,
            production=settings.is_production,
        )
    except WenduError as exc:
        item = exc.items[0]
        bad_uri = item.path == "redirect_uris"
        error = "invalid_redirect_uri" if bad_uri else "invalid_client_metadata"
        raise OAuthError(error, item.message) from exc
    partner = registered.partner
    grants = ["client_credentials", "authorization_code", "refresh_token"]
    return ClientRegistrationResponse(
        client_id=partner.client_id,
        client_secret=registered.client_secret,
        client_id_issued_at=int(partner.created_at.timestamp()),
        client_name=partner.name,
        redirect_uris=list(partner.redirect_uris),
        roles=list(partner.roles),
        grant_types=grants,
        token_endpoint_auth_method=request.token_endpoint_auth_method,
        kid=registered.kid,
    )
