"""HTTP routes of the authorization server, client registration and the connected-apps API."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Body, Depends, Form, Request
from fastapi.responses import JSONResponse, Response

from wendu.config import Settings
from wendu.deps import SessionDep, SettingsDep
from wendu.errors import forbidden, unauthorized
from wendu.identity import oauth
from wendu.identity.browser import customer_id_from, pick_language, same_origin
from wendu.identity.connected_apps import list_connected_apps, revoke_connected_app
from wendu.identity.deps import Access
from wendu.identity.keys import KeyRing
from wendu.identity.models import Partner
from wendu.identity.oauth import OAuthError
from wendu.identity.partners import authenticate_client, list_partners
from wendu.identity.registration import check_registration_access, register_client
from wendu.identity.schemas import (
    ClientRegistrationResponse,
    ConnectedAppList,
    ConnectedAppOut,
    PartnerList,
    PartnerSummary,
    UserInfo,
)
from wendu.identity.subjects import pairwise_subject
from wendu.identity.texts import permission_text

router = APIRouter()

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM_TYPE = "application/x-www-form-urlencoded"
OptionalForm = Annotated[str | None, Form()]


def _keyring(request: Request) -> KeyRing:
    keyring: KeyRing = request.app.state.keyring
    return keyring


def _oauth_error(err: OAuthError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status, headers={**NO_STORE, **err.headers})


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_client", "Malformed Basic credentials", 401) from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "Malformed Basic credentials", 401)
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def _authenticate(
    request: Request, session: SessionDep, client_id: str | None, client_secret: str | None
) -> Partner:
    """Authenticate a form POST's client by client_secret_basic or client_secret_post (never both).

    The body must be a form first: the token and revocation endpoints take no other.
    """
    _require_form(request)
    basic = _basic_credentials(request.headers.get("authorization", ""))
    challenge = {"WWW-Authenticate": 'Basic realm="wendu"'}
    if basic is not None:
        if client_secret is not None:
            raise OAuthError("invalid_request", "Use one client authentication method")
        if client_id is not None and client_id != basic[0]:
            raise OAuthError("invalid_request", "client_id does not match the credentials")
        client_id, client_secret = basic
    if not client_id or not client_secret:
        raise OAuthError("invalid_client", "Client authentication is required", 401, challenge)
    partner = authenticate_client(session, client_id, client_secret)
    if partner is None:
        raise OAuthError("invalid_client", "Client authentication failed", 401, challenge)
    return partner


def _require_form(request: Request) -> None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise OAuthError("invalid_request", f"The body must be {FORM_TYPE}")


def server_metadata(settings: Settings) -> dict[str, Any]:
    """Return the authorization server's metadata (OpenID discovery and RFC 8414 share it)."""
    base = settings.public_url.rstrip("/")
    return {
        "issuer": settings.public_url,
        "authorization_endpoint": f"{base}/oauth2/authorize",
        "token_endpoint": f"{base}/oauth2/token",
        "jwks_uri": f"{base}/oauth2/jwks",
        "revocation_endpoint": f"{base}/oauth2/revoke",
        "registration_endpoint": f"{base}/register",
        "userinfo_endpoint": f"{base}/oauth2/userinfo",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "scopes_supported": ["openid", "accounts", "payments", "fundsconfirmations"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "request_object_signing_alg_values_supported": ["PS256"],
        "request_parameter_supported": True,
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "ui_locales_supported": ["zh-CN", "en"],
    }


@router.get(
    "/.well-known/openid-configuration", operation_id="getOpenIdConfiguration", tags=["OAuth2"]
)
def openid_configuration(settings: SettingsDep) -> dict[str, Any]:
    """Describe the authorization server (OpenID Connect discovery)."""
    return server_metadata(settings)


@router.get(
    "/.well-known/oauth-authorization-server",
    operation_id="getAuthorizationServerMetadata",
    tags=["OAuth2"],
)
def authorization_server_metadata(settings: SettingsDep) -> dict[str, Any]:
    """Describe the authorization server (RFC 8414), for OAuth clients that are not OIDC's."""
    return server_metadata(settings)


@router.get("/oauth2/jwks", operation_id="getJwks", tags=["OAuth2"])
def jwks(request: Request, session: SessionDep) -> dict[str, list[dict[str, str]]]:
    """Publish the public keys that verify access tokens and ID tokens."""
    return _keyring(request).jwks(session)


@router.post("/oauth2/token", operation_id="oauth2Token", tags=["OAuth2"])
def token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    grant_type: OptionalForm = None,
    scope: OptionalForm = None,
    code: OptionalForm = None,
    redirect_uri: OptionalForm = None,
    code_verifier: OptionalForm = None,
    refresh_token: OptionalForm = None,
    client_id: OptionalForm = None,
    client_secret: OptionalForm = None,
) -> JSONResponse:
    """Issue tokens: client_credentials, authorization_code (PKCE S256) and refresh_token."""
    keyring = _keyring(request)
    try:
        partner = _authenticate(request, session, client_id, client_secret)
        if grant_type == "client_credentials":
            result = oauth.grant_client_credentials(session, keyring, settings, partner, scope)
        elif grant_type == "authorization_code":
            result = oauth.exchange_authorization_code(
                session,
                keyring,
                settings,
                partner,
                code=code,
                redirect_uri=redirect_uri,
                code_verifier=code_verifier,
            )
        elif grant_type == "refresh_token":
            result = oauth.refresh_access_token(
                session, keyring, settings, partner, refresh_token=refresh_token, scope=scope
            )
        elif not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        else:
            raise OAuthError("unsupported_grant_type", "The grant type is not supported")
    except OAuthError as err:
        # Returned, not raised: a refused replay must still commit the revocations it caused.
        return _oauth_error(err)
    return JSONResponse(result.body(), headers=NO_STORE)


@router.post("/oauth2/revoke", operation_id="oauth2Revoke", tags=["OAuth2"])
def revoke(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: OptionalForm = None,
    token_type_hint: OptionalForm = None,
    client_id: OptionalForm = None,
    client_secret: OptionalForm = None,
) -> Response:
    """Revoke an access or refresh token at once (RFC 7009)."""
    try:
        partner = _authenticate(request, session, client_id, client_secret)
        oauth.revoke_token(
            session,
            _keyring(request),
            settings,
            partner,
            token=token,
            token_type_hint=token_type_hint,
        )
    except OAuthError as err:
        return _oauth_error(err)
    return Response(status_code=200, headers=NO_STORE)


@router.get("/oauth2/userinfo", operation_id="getUserInfo", tags=["OAuth2"])
def userinfo(access: Access, settings: SettingsDep) -> UserInfo:
    """Return whom the bearer token speaks for: the customer's pairwise subject, or the client."""
    subject = access.client_id
    if access.customer_id is not None:
        subject = pairwise_subject(settings, access.partner_id, access.customer_id)
    return UserInfo(
        sub=subject,
        client_id=access.client_id,
        scope=" ".join(sorted(access.scope)),
        consent_id=access.consent_id,
    )


@router.post(
    "/register",
    operation_id="registerClient",
    tags=["OAuth2"],
    status_code=201,
    response_model=ClientRegistrationResponse,
)
def register(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    payload: Annotated[Any, Body()] = None,
) -> Response:
    """Register a partner app; open in sandbox, needs the initial access token in production."""
    try:
        check_registration_access(settings, request.headers.get("authorization"))
        created = register_client(session, settings, payload)
    except OAuthError as err:
        return _oauth_error(err)
    return JSONResponse(created.model_dump(mode="json"), status_code=201, headers=NO_STORE)


@router.get(
    "/admin/v1/partners",
    operation_id="listPartners",
    tags=["Admin"],
    response_model=PartnerList,
)
def partners(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """List registered partners (secrets are never shown)."""
    try:
        check_registration_access(settings, request.headers.get("authorization"))
    except OAuthError as err:
        return _oauth_error(err)
    body = PartnerList(
        partners=[
            PartnerSummary(
                partner_id=p.id,
                client_id=p.client_id,
                name=p.name,
                redirect_uris=list(p.redirect_uris or []),
                roles=list(p.roles or []),
                status=p.status,
                kid=p.signing_kid,
                created_at=p.created_at,
            )
            for p in list_partners(session)
        ]
    )
    return JSONResponse(body.model_dump(mode="json"))


def current_customer(request: Request, settings: SettingsDep) -> str:
    """Return the customer logged in through the bank's web session, or refuse with 401."""
    customer_id = customer_id_from(request, settings)
    if customer_id is None:
        raise unauthorized("Log in to the bank's website first")
    return customer_id


CurrentCustomer = Annotated[str, Depends(current_customer)]


@router.get("/customer/v1/connected-apps", operation_id="listConnectedApps", tags=["Customer"])
def connected_apps(
    request: Request, session: SessionDep, customer_id: CurrentCustomer
) -> ConnectedAppList:
    """List the apps with lasting access to the customer's accounts."""
    lang = pick_language(request)
    return ConnectedAppList(
        apps=[
            ConnectedAppOut(
                consent_id=app.consent_id,
                kind=app.kind,
                partner_name=app.partner_name,
                client_id=app.client_id,
                permissions=app.permissions,
                permission_descriptions=[permission_text(p, lang) for p in app.permissions],
                account_ids=app.account_ids,
                authorised_at=app.authorised_at,
                expires_at=app.expires_at,
            )
            for app in list_connected_apps(session, customer_id)
        ]
    )


@router.delete(
    "/customer/v1/connected-apps/{consent_id}",
    operation_id="revokeConnectedApp",
    tags=["Customer"],
    status_code=204,
)
def revoke_app(
    consent_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    customer_id: CurrentCustomer,
) -> Response:
    """Revoke an app's access: the consent is cancelled and its tokens die at once."""
    # SameSite=Lax already keeps the cookie off cross-site DELETEs; refuse foreign origins too.
    if not same_origin(request, settings):
        raise forbidden("Cross-site requests are not allowed")
    revoke_connected_app(session, customer_id, consent_id)
    return Response(status_code=204)
