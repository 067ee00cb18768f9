"""Forged, expired, foreign and misplaced bearer tokens are refused on token-protected routes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from fastapi.testclient import TestClient

from identity.flow import Flow, World
from wendu.db import utcnow
from wendu.identity.keys import KeyRing

ROUTES = ["/oauth2/userinfo", "/open-banking/v4.0/aisp/accounts"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


@pytest.fixture()
def customer_token(flow: Flow, world: World) -> str:
    token: str = flow.exchange(world, flow.approve(world)).json()["access_token"]
    return token


def _get(browser: TestClient, route: str, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    return browser.get(route, headers=headers).status_code


@pytest.mark.parametrize("route", ROUTES)
def test_a_genuine_token_is_accepted(browser: TestClient, customer_token: str, route: str) -> None:
    assert _get(browser, route, customer_token) == 200


@pytest.mark.parametrize("route", ROUTES)
def test_alg_none_is_refused(browser: TestClient, customer_token: str, route: str) -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(_claims(customer_token)).encode())
    assert _get(browser, route, f"{header}.{payload}.") == 401


@pytest.mark.parametrize("route", ROUTES)
def test_hs256_signed_with_the_public_key_is_refused(
    app: FastAPI, browser: TestClient, customer_token: str, route: str
) -> None:
    keyring: KeyRing = app.state.keyring
    kid = jwt.get_unverified_header(customer_token)["kid"]
    with app.state.db.session() as s:
        key = keyring.by_kid(s, kid)
    assert key is not None
    public_pem = key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = _b64(json.dumps(_claims(customer_token)).encode())
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert _get(browser, route, f"{header}.{payload}.{_b64(signature)}") == 401


@pytest.mark.parametrize("route", ROUTES)
def test_expired_token_is_refused(
    app: FastAPI, browser: TestClient, customer_token: str, route: str
) -> None:
    keyring: KeyRing = app.state.keyring
    claims = _claims(customer_token)
    past = utcnow() - timedelta(minutes=10)
    claims.update(iat=int(past.timestamp()), exp=int((past + timedelta(minutes=5)).timestamp()))
    with app.state.db.session() as s:
        key = keyring.active(s)
    # Signed with the server's real key: only the expiry is wrong.
    expired = jwt.encode(claims, key.private_key, algorithm="ES256", headers={"kid": key.kid})
    assert _get(browser, route, expired) == 401


@pytest.mark.parametrize("route", ROUTES)
def test_unknown_kid_is_refused(browser: TestClient, customer_token: str, route: str) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    forged = jwt.encode(
        _claims(customer_token), stranger, algorithm="ES256", headers={"kid": "not-ours"}
    )
    assert _get(browser, route, forged) == 401


@pytest.mark.parametrize("route", ROUTES)
def test_revoked_token_is_refused(
    flow: Flow, world: World, customer_token: str, route: str
) -> None:
    flow.browser.post(
        "/oauth2/revoke", data={"token": customer_token}, auth=(world.client_id, world.secret)
    )
    assert _get(flow.browser, route, customer_token) == 401


@pytest.mark.parametrize("route", ROUTES)
def test_token_in_the_query_string_is_refused(
    browser: TestClient, customer_token: str, route: str
) -> None:
    response = browser.get(
        route, params={"access_token": customer_token}, headers={"Accept": "application/json"}
    )
    assert response.status_code in (400, 401)
    both = browser.get(
        route,
        params={"access_token": customer_token},
        headers={"Authorization": f"Bearer {customer_token}", "Accept": "application/json"},
    )
    assert both.status_code in (400, 401)


def test_id_token_cannot_be_used_as_an_access_token(flow: Flow, world: World) -> None:
    id_token = flow.exchange(world, flow.approve(world)).json()["id_token"]
    assert _get(flow.browser, "/oauth2/userinfo", id_token) == 401


def test_client_credentials_token_cannot_read_accounts(browser: TestClient, world: World) -> None:
    token = browser.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "accounts"},
        auth=(world.client_id, world.secret),
    ).json()["access_token"]
    assert _get(browser, "/open-banking/v4.0/aisp/accounts", token) in (401, 403)
