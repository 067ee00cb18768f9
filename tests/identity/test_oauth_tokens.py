"""Discovery, JWKS, client credentials, refresh rotation and RFC 7009 revocation over HTTP."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from identity.flow import Flow, World


def test_discovery_describes_the_server(browser: TestClient) -> None:
    meta = browser.get("/.well-known/openid-configuration").json()
    assert meta["issuer"] == "http://testserver"
    assert meta["token_endpoint"] == "http://testserver/oauth2/token"
    assert meta["authorization_endpoint"] == "http://testserver/oauth2/authorize"
    assert meta["jwks_uri"] == "http://testserver/oauth2/jwks"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert set(meta["grant_types_supported"]) == {
        "authorization_code",
        "client_credentials",
        "refresh_token",
    }
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }


def test_jwks_publishes_the_key_that_signs_tokens(browser: TestClient, world: World) -> None:
    keys = browser.get("/oauth2/jwks").json()["keys"]
    assert keys and all("d" not in k and "p" not in k for k in keys)  # public halves only
    # ES256 keys sign tokens; an RSA key (PS256) signs the bank's OB responses.
    kinds = {(k["kty"], k["alg"]) for k in keys}
    assert ("EC", "ES256") in kinds and kinds <= {("EC", "ES256"), ("RSA", "PS256")}
    token = browser.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "accounts"},
        auth=(world.client_id, world.secret),
    ).json()["access_token"]
    header = token.split(".")[0]
    kid = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)).decode()
    assert any(k["kid"] in kid for k in keys)


def test_client_credentials_with_basic_and_post(browser: TestClient, world: World) -> None:
    basic = browser.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "accounts payments"},
        auth=(world.client_id, world.secret),
    )
    assert basic.status_code == 200, basic.text
    body = basic.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "accounts payments"
    assert "refresh_token" not in body
    assert basic.headers["cache-control"] == "no-store"
    posted = browser.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "scope": "accounts payments fundsconfirmations",
            "client_id": world.client_id,
            "client_secret": world.secret,
        },
    )
    assert posted.status_code == 200, posted.text
    assert set(posted.json()["scope"].split()) == {"accounts", "payments", "fundsconfirmations"}
    me = browser.get(
        "/oauth2/userinfo", headers={"Authorization": f"Bearer {posted.json()['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["client_id"] == world.client_id


def test_bad_client_credentials_are_refused_in_oauth_format(
    browser: TestClient, world: World
) -> None:
    wrong = browser.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(world.client_id, world.secret + "x"),
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"].startswith("Basic")
    unknown = browser.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "cli_nope", "client_secret": "x"},
    )
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"
    none = browser.post("/oauth2/token", data={"grant_type": "client_credentials"})
    assert none.status_code == 401
    both = browser.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "client_secret": world.secret},
        auth=(world.client_id, world.secret),
    )
    assert both.status_code == 400 and both.json()["error"] == "invalid_request"
    as_json = browser.post(
        "/oauth2/token",
        json={"grant_type": "client_credentials"},
        auth=(world.client_id, world.secret),
    )
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"


def test_scope_and_grant_type_are_checked(flow: Flow) -> None:
    aisp_only = flow.make_world(roles=("AISP",))
    auth = (aisp_only.client_id, aisp_only.secret)
    payments = flow.browser.post(
        "/oauth2/token", data={"grant_type": "client_credentials", "scope": "payments"}, auth=auth
    )
    assert payments.status_code == 400 and payments.json()["error"] == "invalid_scope"
    password = flow.browser.post(
        "/oauth2/token", data={"grant_type": "password", "username": "a"}, auth=auth
    )
    assert password.json()["error"] == "unsupported_grant_type"


def test_refresh_rotates_and_a_reused_refresh_token_kills_the_grant(
    flow: Flow, world: World
) -> None:
    auth = flow.approve(world)
    first = flow.exchange(world, auth).json()
    creds = (world.client_id, world.secret)
    rotated = flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=creds,
    )
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["consent_id"] == auth.consent_id
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    assert flow.browser.get("/oauth2/userinfo", headers=bearer).status_code == 200
    # The partner uses its new token, so a retry of the old one can no longer be a lost
    # response (the grace of test_partner_interop): it is a replay.
    third = flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
        auth=creds,
    ).json()
    bearer = {"Authorization": f"Bearer {third['access_token']}"}

    reused = flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=creds,
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    # Reuse means the old token leaked: everything issued for the consent is dead.
    assert flow.browser.get("/oauth2/userinfo", headers=bearer).status_code == 401
    again = flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": third["refresh_token"]},
        auth=creds,
    )
    assert again.json()["error"] == "invalid_grant"


def test_refresh_token_of_another_client_is_refused(flow: Flow, world: World) -> None:
    tokens = flow.exchange(world, flow.approve(world)).json()
    other = flow.make_world()
    stolen = flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(other.client_id, other.secret),
    )
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"


def test_revoking_an_access_token_kills_it_at_once(flow: Flow, world: World) -> None:
    tokens = flow.exchange(world, flow.approve(world)).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert flow.browser.get("/oauth2/userinfo", headers=bearer).status_code == 200
    revoked = flow.browser.post(
        "/oauth2/revoke",
        data={"token": tokens["access_token"], "token_type_hint": "access_token"},
        auth=(world.client_id, world.secret),
    )
    assert revoked.status_code == 200
    assert flow.browser.get("/oauth2/userinfo", headers=bearer).status_code == 401
    # The refresh token is a separate credential and still works.
    refreshed = flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(world.client_id, world.secret),
    )
    assert refreshed.status_code == 200


def test_revoking_a_refresh_token_kills_the_grant(flow: Flow, world: World) -> None:
    tokens = flow.exchange(world, flow.approve(world)).json()
    creds = {"client_id": world.client_id, "client_secret": world.secret}
    revoked = flow.browser.post("/oauth2/revoke", data={"token": tokens["refresh_token"], **creds})
    assert revoked.status_code == 200
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert flow.browser.get("/oauth2/userinfo", headers=bearer).status_code == 401
    refresh = flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], **creds},
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_revocation_ignores_unknown_and_foreign_tokens(flow: Flow, world: World) -> None:
    tokens = flow.exchange(world, flow.approve(world)).json()
    other = flow.make_world()
    foreign = flow.browser.post(
        "/oauth2/revoke",
        data={"token": tokens["access_token"]},
        auth=(other.client_id, other.secret),
    )
    assert foreign.status_code == 200
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert flow.browser.get("/oauth2/userinfo", headers=bearer).status_code == 200
    unknown = flow.browser.post(
        "/oauth2/revoke", data={"token": "nonsense"}, auth=(world.client_id, world.secret)
    )
    assert unknown.status_code == 200
    unauthenticated = flow.browser.post("/oauth2/revoke", data={"token": tokens["access_token"]})
    assert unauthenticated.status_code == 401
