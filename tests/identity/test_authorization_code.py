"""The authorization-code flow with PKCE, driven through the login and consent pages over HTTP."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import update

from identity.flow import Flow, World, hidden, new_browser, query_of
from wendu.db import utcnow
from wendu.identity.models import AuthorizationCode, Consent
from wendu.identity.oauth import new_pkce_pair
from wendu.identity.tokens import hash_secret


def _consent(flow: Flow, consent_id: str) -> Consent:
    with flow.db.session() as s:
        consent = s.get(Consent, consent_id)
        assert consent is not None
        return consent


def test_full_flow_authorises_the_consent_and_issues_tokens(flow: Flow, world: World) -> None:
    auth = flow.approve(world, accounts=world.account_ids[:1])
    assert auth.location.startswith(world.redirect_uri + "?")
    query = query_of(auth.location)
    assert query["state"] == auth.state and query["iss"] == "http://testserver"
    consent = _consent(flow, auth.consent_id)
    assert consent.status == "AUTH"
    assert consent.customer_id == world.customer_id
    assert consent.account_ids == world.account_ids[:1]
    assert consent.authorised_at is not None

    response = flow.exchange(world, auth)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "Bearer" and tokens["scope"] == "openid accounts"
    assert tokens["refresh_token"] and tokens["consent_id"] == auth.consent_id
    # A partner verifies the ID token with the published JWKS.
    kid = jwt.get_unverified_header(tokens["id_token"])["kid"]
    jwk = next(k for k in flow.browser.get("/oauth2/jwks").json()["keys"] if k["kid"] == kid)
    id_token = jwt.decode(
        tokens["id_token"],
        jwt.PyJWK(jwk).key,
        algorithms=["ES256"],
        audience=world.client_id,
        issuer="http://testserver",
    )
    assert id_token["openbanking_intent_id"] == auth.consent_id
    assert id_token["aud"] == world.client_id and id_token["nonce"] == "n-" + auth.state
    me = flow.browser.get(
        "/oauth2/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json() == {
        "sub": id_token["sub"],
        "client_id": world.client_id,
        "scope": "accounts openid",
        "consent_id": auth.consent_id,
    }


def test_customer_token_reads_only_the_chosen_accounts(flow: Flow, world: World) -> None:
    auth = flow.approve(world, accounts=world.account_ids[1:])
    token = flow.exchange(world, auth).json()["access_token"]
    accounts = flow.browser.get(
        "/open-banking/v4.0/aisp/accounts",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    assert accounts.status_code == 200, accounts.text
    assert [a["AccountId"] for a in accounts.json()["Data"]["Account"]] == world.account_ids[1:]


def test_denying_rejects_the_consent_and_redirects_with_access_denied(
    flow: Flow, world: World
) -> None:
    auth = flow.approve(world, decision="deny")
    query = query_of(auth.location)
    assert query["error"] == "access_denied" and query["state"] == auth.state
    assert "code" not in query
    assert _consent(flow, auth.consent_id).status == "RJCT"


def test_wrong_verifier_is_refused_and_burns_the_code(flow: Flow, world: World) -> None:
    auth = flow.approve(world)
    wrong = flow.exchange(world, auth, code_verifier=new_pkce_pair().verifier)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    right = flow.exchange(world, auth)
    assert right.status_code == 400 and right.json()["error"] == "invalid_grant"


def test_missing_verifier_is_refused(flow: Flow, world: World) -> None:
    auth = flow.approve(world)
    response = flow.exchange(world, auth, code_verifier="")
    assert response.json()["error"] == "invalid_grant"


def test_code_replay_is_refused_and_revokes_the_tokens(flow: Flow, world: World) -> None:
    auth = flow.approve(world)
    tokens = flow.exchange(world, auth).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert flow.browser.get("/oauth2/userinfo", headers=bearer).status_code == 200
    replay = flow.exchange(world, auth)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert flow.browser.get("/oauth2/userinfo", headers=bearer).status_code == 401
    refresh = flow.browser.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(world.client_id, world.secret),
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_codes_live_at_most_60_seconds(flow: Flow, world: World) -> None:
    auth = flow.approve(world)
    with flow.db.session() as s:
        code = s.get(AuthorizationCode, hash_secret(auth.code))
        assert code is not None
        assert code.expires_at <= utcnow() + timedelta(seconds=60)
        # Age the code past its lifetime, as if the partner waited 61 s.
        s.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.code_hash == code.code_hash)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    response = flow.exchange(world, auth)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert "expired" in response.json()["error_description"]


def test_redirect_uri_must_match_the_authorize_one(flow: Flow, world: World) -> None:
    auth = flow.approve(world)
    response = flow.exchange(world, auth, redirect_uri=world.redirect_uri + "/other")
    assert response.json()["error"] == "invalid_grant"


def test_code_of_another_client_is_refused(flow: Flow, world: World) -> None:
    auth = flow.approve(world)
    other = flow.make_world()
    response = flow.browser.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": auth.code,
            "redirect_uri": world.redirect_uri,
            "code_verifier": auth.pkce.verifier,
        },
        auth=(other.client_id, other.secret),
    )
    assert response.json()["error"] == "invalid_grant"
    assert flow.exchange(world, auth).status_code == 200


def _authorize(flow: Flow, world: World, **changes: str | None) -> dict[str, str]:
    params = flow.authorize_params(world, flow.new_consent(world), new_pkce_pair(), "st-1")
    for key, value in changes.items():
        if value is None:
            params.pop(key)
        else:
            params[key] = value
    return params


def test_plain_pkce_and_missing_challenge_are_refused(flow: Flow, world: World) -> None:
    for changes in (
        {"code_challenge_method": "plain"},
        {"code_challenge_method": None},
        {"code_challenge": None},
        {"code_challenge": "too-short"},
    ):
        response = flow.browser.get("/oauth2/authorize", params=_authorize(flow, world, **changes))
        assert response.status_code == 303, changes
        query = query_of(response.headers["location"])
        assert query["error"] == "invalid_request" and query["state"] == "st-1", changes


def test_unknown_client_and_unregistered_redirect_are_never_redirected(
    flow: Flow, world: World
) -> None:
    unknown = flow.browser.get("/oauth2/authorize", params=_authorize(flow, world, client_id="x"))
    assert unknown.status_code == 400 and "location" not in unknown.headers
    evil = flow.browser.get(
        "/oauth2/authorize",
        params=_authorize(flow, world, redirect_uri="https://evil.example.com/cb"),
    )
    assert evil.status_code == 400 and "location" not in evil.headers


def test_consent_must_belong_to_the_client_and_await_authorisation(
    flow: Flow, world: World
) -> None:
    other = flow.make_world()
    foreign = flow.new_consent(other)
    response = flow.browser.get(
        "/oauth2/authorize", params=_authorize(flow, world, consent_id=foreign)
    )
    assert query_of(response.headers["location"])["error"] == "invalid_request"
    used = flow.approve(world)
    again = flow.browser.get(
        "/oauth2/authorize", params=_authorize(flow, world, consent_id=used.consent_id)
    )
    assert query_of(again.headers["location"])["error"] == "invalid_request"
    scope = flow.browser.get("/oauth2/authorize", params=_authorize(flow, world, scope="payments"))
    assert query_of(scope.headers["location"])["error"] == "invalid_scope"


def test_wrong_password_shows_the_login_page_again(flow: Flow, world: World) -> None:
    params = _authorize(flow, world)
    page = flow.browser.get("/oauth2/authorize", params=params)
    world.password = "not-the-password"
    failed = flow.login(world, page)
    assert failed.status_code == 401
    assert "username or password" in failed.text or "用户名或密码" in failed.text
    assert (
        "set-cookie" not in failed.headers or "wendu_customer" not in failed.headers["set-cookie"]
    )


def test_forms_without_a_valid_csrf_token_are_refused(flow: Flow, world: World) -> None:
    page = flow.browser.get("/oauth2/authorize", params=_authorize(flow, world))
    form = {
        "username": world.username,
        "password": world.password,
        "req": hidden(page.text, "req"),
    }
    missing = flow.browser.post("/oauth2/authorize/login", data=form)
    assert missing.status_code == 403
    forged = flow.browser.post(
        "/oauth2/authorize/login", data={**form, "csrf_token": secrets.token_urlsafe(24)}
    )
    assert forged.status_code == 403
    # A token from another browser does not match this browser's cookie either.
    other_browser_token = hidden(page.text, "csrf_token")
    flow.browser.cookies.clear()
    stranger = flow.browser.post(
        "/oauth2/authorize/login", data={**form, "csrf_token": other_browser_token}
    )
    assert stranger.status_code == 403


def test_consent_decision_without_csrf_is_refused(flow: Flow, world: World) -> None:
    page = flow.browser.get("/oauth2/authorize", params=_authorize(flow, world))
    consent_page = flow.browser.get(flow.login(world, page).headers["location"])
    decided = flow.browser.post(
        "/oauth2/authorize/consent",
        data={
            "req": hidden(consent_page.text, "req"),
            "decision": "approve",
            "account_id": world.account_ids,
        },
    )
    assert decided.status_code == 403


def test_tampered_authorization_request_is_refused(flow: Flow, world: World) -> None:
    page = flow.browser.get("/oauth2/authorize", params=_authorize(flow, world))
    tampered = hidden(page.text, "req")[:-2] + "xx"
    response = flow.browser.post(
        "/oauth2/authorize/login",
        data={
            "username": world.username,
            "password": world.password,
            "req": tampered,
            "csrf_token": hidden(page.text, "csrf_token"),
        },
    )
    assert response.status_code == 400


def test_consent_page_speaks_plain_words_in_both_languages(flow: Flow, world: World) -> None:
    params = _authorize(flow, world)
    page = flow.browser.get("/oauth2/authorize", params={**params, "lang": "zh"})
    assert "登录网上银行" in page.text and world.partner.partner.name in page.text
    consent_page = flow.browser.get(flow.login(world, page).headers["location"])
    assert "账户余额" in consent_page.text and "同意授权" in consent_page.text
    english = flow.browser.get(
        "/oauth2/authorize/consent",
        params={"req": hidden(consent_page.text, "req"), "lang": "en"},
    )
    assert "Account balances" in english.text and "Allow" in english.text
    for account_id in world.account_ids:
        assert account_id in english.text
    assert english.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in english.headers["content-security-policy"]


def test_session_cookie_is_httponly_and_samesite_lax(flow: Flow, world: World) -> None:
    page = flow.browser.get("/oauth2/authorize", params=_authorize(flow, world))
    response = flow.login(world, page)
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("wendu_customer=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")


def test_signed_request_object_carries_the_intent_id(flow: Flow) -> None:
    world = flow.make_world()
    with flow.db.session() as s:
        from wendu.identity.partners import register_partner

        signer = register_partner(
            s, name="Signed App", redirect_uris=[world.redirect_uri], signing=True
        )
    world.partner = signer
    consent_id = flow.new_consent(world)
    pkce = new_pkce_pair()
    claims = {
        "iss": signer.partner.client_id,
        "aud": "http://testserver",
        "client_id": signer.partner.client_id,
        "response_type": "code",
        "redirect_uri": world.redirect_uri,
        "scope": "openid accounts",
        "state": "signed-state",
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        "claims": {"id_token": {"openbanking_intent_id": {"value": consent_id, "essential": True}}},
    }
    assert signer.private_key_pem is not None
    request_jwt = jwt.encode(
        claims, signer.private_key_pem, algorithm="PS256", headers={"kid": signer.kid}
    )
    page = flow.browser.get(
        "/oauth2/authorize",
        params={"client_id": signer.partner.client_id, "request": request_jwt},
    )
    assert page.status_code == 200, page.text
    forged = jwt.encode(claims, new_key_pem(), algorithm="PS256")
    refused = flow.browser.get(
        "/oauth2/authorize", params={"client_id": signer.partner.client_id, "request": forged}
    )
    assert refused.status_code == 400


def new_key_pem() -> str:
    """Return a private key the server has never seen."""
    from wendu.identity.partners import generate_signing_key

    return generate_signing_key()[2]


def test_a_logged_in_customer_goes_straight_to_the_consent_page(flow: Flow, world: World) -> None:
    flow.approve(world)
    params = _authorize(flow, world)
    response = flow.browser.get("/oauth2/authorize", params=params)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/oauth2/authorize/consent?req=")
    consent_page = flow.browser.get(response.headers["location"])
    assert consent_page.status_code == 200 and 'name="account_id"' in consent_page.text


def test_approving_without_an_account_keeps_the_consent_waiting(flow: Flow, world: World) -> None:
    params = _authorize(flow, world, lang="en")
    page = flow.browser.get("/oauth2/authorize", params=params)
    consent_page = flow.browser.get(flow.login(world, page).headers["location"])
    response = flow.browser.post(
        "/oauth2/authorize/consent",
        data={
            "csrf_token": hidden(consent_page.text, "csrf_token"),
            "req": hidden(consent_page.text, "req"),
            "decision": "approve",
            "lang": "en",
        },
    )
    assert response.status_code == 400 and "Choose at least one account." in response.text
    assert _consent(flow, params["consent_id"]).status == "AWAU"


def test_concurrent_redemptions_of_one_code_yield_one_token(flow: Flow, world: World) -> None:
    auth = flow.approve(world)
    clients = [new_browser(flow.browser.app) for _ in range(6)]
    barrier = threading.Barrier(len(clients))

    def redeem(client: TestClient) -> int:
        barrier.wait()
        return client.post(
            "/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": auth.code,
                "redirect_uri": world.redirect_uri,
                "code_verifier": auth.pkce.verifier,
            },
            auth=(world.client_id, world.secret),
        ).status_code

    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = sorted(pool.map(redeem, clients))
    assert statuses == [200] + [400] * (len(clients) - 1)
