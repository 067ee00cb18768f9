"""What partners' OAuth/OIDC client libraries rely on: one subject per partner and customer,
refresh retries inside the FAPI 2.0 grace window, a documented default scope, RFC 8414."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from identity.flow import Flow, World, new_browser
from wendu.db import utcnow
from wendu.identity.models import OAuthToken
from wendu.identity.tokens import hash_secret


def _verified_id_token(flow: Flow, world: World, id_token: str) -> dict[str, Any]:
    """Verify an ID token the way a partner does with PyJWT: discovery, JWKS, iss, aud."""
    meta = flow.browser.get("/.well-known/openid-configuration").json()
    jwks = jwt.PyJWKSet.from_dict(flow.browser.get(meta["jwks_uri"]).json())
    kid = jwt.get_unverified_header(id_token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    claims: dict[str, Any] = jwt.decode(
        id_token,
        key.key,
        algorithms=meta["id_token_signing_alg_values_supported"],
        audience=world.client_id,
        issuer=meta["issuer"],
        options={"require": ["sub", "iat", "exp", "aud", "iss"]},
    )
    return claims


def _userinfo(flow: Flow, access_token: str) -> dict[str, Any]:
    response = flow.browser.get(
        "/oauth2/userinfo", headers={"Authorization": f"Bearer {access_token}"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _refresh(flow: Flow, world: World, refresh_token: str) -> Any:
    return flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(world.client_id, world.secret),
    )


# --- pairwise subject ---------------------------------------------------------------------


def test_id_token_and_userinfo_name_the_same_pairwise_subject(
    app: FastAPI, flow: Flow, world: World
) -> None:
    first = flow.exchange(world, flow.approve(world)).json()
    claims = _verified_id_token(flow, world, first["id_token"])
    me = _userinfo(flow, first["access_token"])
    # OIDC Core §5.3.2: the userinfo sub must equal the ID token's.
    assert claims["sub"] == me["sub"]
    assert world.customer_id not in (claims["sub"], me["sub"])
    assert claims["openbanking_intent_id"] == first["consent_id"]
    # The access token (a JWT a partner can read) carries the same subject.
    access = jwt.decode(first["access_token"], options={"verify_signature": False})
    assert access["sub"] == me["sub"]

    # A second consent of the same customer with the same partner, on another device.
    device = Flow(flow.db, new_browser(app))
    second = device.exchange(world, device.approve(world)).json()
    assert second["consent_id"] != first["consent_id"]
    assert _verified_id_token(flow, world, second["id_token"])["sub"] == claims["sub"]
    assert _userinfo(flow, second["access_token"])["sub"] == claims["sub"]


def test_two_partners_see_different_subjects_for_one_customer(
    app: FastAPI, flow: Flow, world: World
) -> None:
    other = flow.make_world()
    # The same customer, signing in at another partner.
    other.customer_id, other.username, other.account_ids = (
        world.customer_id,
        world.username,
        world.account_ids,
    )
    mine = flow.exchange(world, flow.approve(world)).json()
    device = Flow(flow.db, new_browser(app))
    theirs = device.exchange(other, device.approve(other)).json()
    my_sub = _verified_id_token(flow, world, mine["id_token"])["sub"]
    their_sub = _verified_id_token(flow, other, theirs["id_token"])["sub"]
    assert my_sub != their_sub
    assert _userinfo(flow, theirs["access_token"])["sub"] == their_sub
    assert world.customer_id not in (my_sub, their_sub)


def test_discovery_advertises_pairwise_subjects(flow: Flow) -> None:
    meta = flow.browser.get("/.well-known/openid-configuration").json()
    assert meta["subject_types_supported"] == ["pairwise"]


# --- refresh grace (FAPI 2.0) ----------------------------------------------------------------


def test_a_retried_refresh_within_the_grace_window_keeps_the_grant(
    flow: Flow, world: World
) -> None:
    first = flow.exchange(world, flow.approve(world)).json()
    lost = _refresh(flow, world, first["refresh_token"])
    assert lost.status_code == 200  # ... but the partner never received this response
    retried = _refresh(flow, world, first["refresh_token"])
    assert retried.status_code == 200, retried.text
    pair = retried.json()
    assert pair["consent_id"] == first["consent_id"]
    assert pair["refresh_token"] not in (first["refresh_token"], lost.json()["refresh_token"])
    _userinfo(flow, pair["access_token"])  # the grant is alive
    # The pair from the retry rotates as usual.
    rotated = _refresh(flow, world, pair["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    _userinfo(flow, rotated.json()["access_token"])


def test_the_lost_successor_dies_when_the_retry_is_accepted(flow: Flow, world: World) -> None:
    first = flow.exchange(world, flow.approve(world)).json()
    lost = _refresh(flow, world, first["refresh_token"]).json()
    retried = _refresh(flow, world, first["refresh_token"]).json()
    # Someone presenting the lost token later is a replay: the whole grant dies.
    late = _refresh(flow, world, lost["refresh_token"])
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    bearer = {"Authorization": f"Bearer {retried['access_token']}"}
    assert flow.browser.get("/oauth2/userinfo", headers=bearer).status_code == 401


def test_the_grace_is_granted_only_once(flow: Flow, world: World) -> None:
    first = flow.exchange(world, flow.approve(world)).json()
    _refresh(flow, world, first["refresh_token"])
    retried = _refresh(flow, world, first["refresh_token"])
    assert retried.status_code == 200
    third = _refresh(flow, world, first["refresh_token"])
    assert third.status_code == 400 and third.json()["error"] == "invalid_grant"
    bearer = {"Authorization": f"Bearer {retried.json()['access_token']}"}
    assert flow.browser.get("/oauth2/userinfo", headers=bearer).status_code == 401


def test_reuse_after_the_grace_window_revokes_the_grant(flow: Flow, world: World) -> None:
    first = flow.exchange(world, flow.approve(world)).json()
    second = _refresh(flow, world, first["refresh_token"]).json()
    with flow.db.session() as s:
        # Age the rotation past the 60 s window, as if the partner retried 61 s later.
        s.execute(
            update(OAuthToken)
            .where(OAuthToken.id == hash_secret(first["refresh_token"]))
            .values(revoked_at=utcnow() - timedelta(seconds=61))
        )
    replay = _refresh(flow, world, first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    assert flow.browser.get("/oauth2/userinfo", headers=bearer).status_code == 401
    assert _refresh(flow, world, second["refresh_token"]).status_code == 400


def test_reuse_of_an_older_token_revokes_the_grant(flow: Flow, world: World) -> None:
    first = flow.exchange(world, flow.approve(world)).json()
    second = _refresh(flow, world, first["refresh_token"]).json()
    third = _refresh(flow, world, second["refresh_token"]).json()
    # ``first`` is two rotations old, well inside 60 s: still a replay.
    replay = _refresh(flow, world, first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    bearer = {"Authorization": f"Bearer {third['access_token']}"}
    assert flow.browser.get("/oauth2/userinfo", headers=bearer).status_code == 401


def test_a_revoked_refresh_token_gets_no_grace(flow: Flow, world: World) -> None:
    first = flow.exchange(world, flow.approve(world)).json()
    revoked = flow.browser.post(
        "/oauth2/revoke",
        data={"token": first["refresh_token"]},
        auth=(world.client_id, world.secret),
    )
    assert revoked.status_code == 200
    assert _refresh(flow, world, first["refresh_token"]).json()["error"] == "invalid_grant"


# --- default scope ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "scope"), [("AISP", "accounts"), ("PISP", "payments"), ("CBPII", "fundsconfirmations")]
)
def test_without_scope_a_single_role_partner_gets_its_role_scope(
    flow: Flow, role: str, scope: str
) -> None:
    world = flow.make_world(roles=(role,))
    response = flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(world.client_id, world.secret),
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == scope


def test_without_scope_a_partner_with_several_roles_must_ask(flow: Flow, world: World) -> None:
    response = flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(world.client_id, world.secret),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_scope"
    assert "accounts fundsconfirmations payments" in body["error_description"]
    asked = flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "payments"},
        auth=(world.client_id, world.secret),
    )
    assert asked.status_code == 200 and asked.json()["scope"] == "payments"


# --- RFC 8414 --------------------------------------------------------------------------------


def test_oauth_authorization_server_metadata_is_served(flow: Flow) -> None:
    response = flow.browser.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    meta = response.json()
    # RFC 8414 §3.3: the issuer is the one the metadata was requested for.
    assert meta["issuer"] == "http://testserver"
    for required in ("token_endpoint", "authorization_endpoint", "jwks_uri"):
        assert meta[required].startswith("http://testserver/")
    assert meta["response_types_supported"] == ["code"]
    assert meta == flow.browser.get("/.well-known/openid-configuration").json()
