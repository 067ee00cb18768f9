"""Customers log in, see the apps connected to their accounts and revoke them at once."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from identity.flow import Flow, World, hidden, new_browser


def _log_in(browser: TestClient, world: World) -> None:
    page = browser.get("/customer/login", params={"lang": "en"})
    assert page.status_code == 200
    response = browser.post(
        "/customer/login",
        data={
            "username": world.username,
            "password": world.password,
            "csrf_token": hidden(page.text, "csrf_token"),
            "next": "/customer/apps",
            "lang": "en",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/customer/apps")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def test_api_lists_and_revokes_an_app_and_its_tokens_die(
    flow: Flow, world: World, app: FastAPI
) -> None:
    auth = flow.approve(world)
    tokens = flow.exchange(world, auth).json()
    partner_client = new_browser(app)
    accounts = "/open-banking/v4.0/aisp/accounts"
    assert partner_client.get(accounts, headers=_bearer(tokens["access_token"])).status_code == 200

    listed = flow.browser.get("/customer/v1/connected-apps")
    assert listed.status_code == 200, listed.text
    apps = listed.json()["apps"]
    assert [a["consent_id"] for a in apps] == [auth.consent_id]
    assert apps[0]["partner_name"] == world.partner.partner.name
    assert apps[0]["account_ids"] == world.account_ids
    assert "ReadBalances" in apps[0]["permissions"]

    revoked = flow.browser.delete(f"/customer/v1/connected-apps/{auth.consent_id}")
    assert revoked.status_code == 204
    assert partner_client.get(accounts, headers=_bearer(tokens["access_token"])).status_code == 401
    refresh = partner_client.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(world.client_id, world.secret),
    )
    assert refresh.json()["error"] == "invalid_grant"
    assert flow.browser.get("/customer/v1/connected-apps").json()["apps"] == []
    consent = partner_client.get(
        f"/open-banking/v4.0/aisp/account-access-consents/{auth.consent_id}",
        headers=_bearer(
            partner_client.post(
                "/oauth2/token",
                data={"grant_type": "client_credentials", "scope": "accounts"},
                auth=(world.client_id, world.secret),
            ).json()["access_token"]
        ),
    )
    assert consent.json()["Data"]["Status"] == "CANC"


def test_customers_cannot_see_or_revoke_other_customers_apps(flow: Flow, world: World) -> None:
    auth = flow.approve(world)
    other = flow.make_world()
    stranger = new_browser(flow.browser.app)
    _log_in(stranger, other)
    assert stranger.get("/customer/v1/connected-apps").json()["apps"] == []
    refused = stranger.delete(f"/customer/v1/connected-apps/{auth.consent_id}")
    assert refused.status_code == 400 and refused.json()["Errors"][0]["ErrorCode"] == "U004"
    assert flow.browser.get("/customer/v1/connected-apps").json()["apps"][0]["consent_id"] == (
        auth.consent_id
    )


def test_api_requires_a_customer_session(browser: TestClient) -> None:
    assert browser.get("/customer/v1/connected-apps").status_code == 401
    assert browser.delete("/customer/v1/connected-apps/aac-x").status_code == 401


def test_cross_site_delete_is_refused(flow: Flow, world: World) -> None:
    auth = flow.approve(world)
    response = flow.browser.delete(
        f"/customer/v1/connected-apps/{auth.consent_id}",
        headers={"Origin": "https://evil.example.com"},
    )
    assert response.status_code == 403
    assert len(flow.browser.get("/customer/v1/connected-apps").json()["apps"]) == 1


def test_page_lists_apps_and_the_revoke_button_works(flow: Flow, world: World) -> None:
    auth = flow.approve(world)
    tokens = flow.exchange(world, auth).json()
    page = flow.browser.get("/customer/apps", params={"lang": "en"})
    assert page.status_code == 200
    assert world.partner.partner.name in page.text and "Revoke access" in page.text
    assert "Account balances" in page.text
    chinese = flow.browser.get("/customer/apps", params={"lang": "zh"})
    assert "已连接的应用" in chinese.text and "撤销授权" in chinese.text

    no_csrf = flow.browser.post(f"/customer/apps/{auth.consent_id}/revoke", data={})
    assert no_csrf.status_code == 403
    assert (
        flow.browser.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"])).status_code
        == 200
    )

    done = flow.browser.post(
        f"/customer/apps/{auth.consent_id}/revoke",
        data={"csrf_token": hidden(page.text, "csrf_token"), "lang": "en"},
    )
    assert done.status_code == 303
    after = flow.browser.get(done.headers["location"])
    assert "revoked" in after.text and world.partner.partner.name not in after.text
    assert (
        flow.browser.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"])).status_code
        == 401
    )


def test_login_page_logs_in_and_out(flow: Flow, world: World) -> None:
    anonymous = flow.browser.get("/customer/apps")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith(
        "/customer/login"
    )
    _log_in(flow.browser, world)
    page = flow.browser.get("/customer/apps", params={"lang": "en"})
    assert page.status_code == 200 and "No apps are connected." in page.text
    out = flow.browser.post(
        "/customer/logout", data={"csrf_token": hidden(page.text, "csrf_token")}
    )
    assert out.status_code == 303
    assert flow.browser.get("/customer/apps").status_code == 303


def test_login_refuses_open_redirects_and_missing_csrf(flow: Flow, world: World) -> None:
    page = flow.browser.get("/customer/login", params={"next": "https://evil.example.com"})
    assert hidden(page.text, "next") == "/customer/apps"
    no_csrf = flow.browser.post(
        "/customer/login", data={"username": world.username, "password": world.password}
    )
    assert no_csrf.status_code == 403
    sneaky = flow.browser.post(
        "/customer/login",
        data={
            "username": world.username,
            "password": world.password,
            "csrf_token": hidden(page.text, "csrf_token"),
            "next": "//evil.example.com/x",
        },
    )
    assert sneaky.status_code == 303 and sneaky.headers["location"].startswith("/customer/apps")


def test_login_next_is_checked_after_browsers_strip_tabs_and_newlines(
    flow: Flow, world: World
) -> None:
    # Browsers drop tab, CR and LF from URLs and read "\" as "/": "/\t/evil.example/" is
    # "//evil.example/", a link to another site.
    for sneaky in (
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\r/evil.example/",
        "/\\evil.example/",
        "\\/evil.example/",
        " //evil.example/",
        "/ /evil.example/",
        "https:evil.example",
        "/\x00/evil.example",
    ):
        browser = new_browser(flow.browser.app)
        page = browser.get("/customer/login", params={"next": sneaky})
        assert hidden(page.text, "next") == "/customer/apps", repr(sneaky)
        response = browser.post(
            "/customer/login",
            data={
                "username": world.username,
                "password": world.password,
                "csrf_token": hidden(page.text, "csrf_token"),
                "next": sneaky,
                "lang": "en",
            },
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/customer/apps?lang=en", repr(sneaky)
    kept = new_browser(flow.browser.app)
    page = kept.get("/customer/login", params={"next": "/customer/apps?x=1"})
    assert hidden(page.text, "next") == "/customer/apps?x=1"


def test_console_login_next_is_checked_after_normalisation(app: FastAPI) -> None:
    for sneaky in ("/console\t//evil.example/", "/console/\\/evil.example", "/console\n/x"):
        page = new_browser(app).get("/console/login", params={"next": sneaky})
        assert hidden(page.text, "next") == "/console", repr(sneaky)


def test_logout_ends_the_customer_session_on_the_server(flow: Flow, world: World) -> None:
    _log_in(flow.browser, world)
    kept = flow.browser.cookies.get("wendu_customer")
    assert kept
    page = flow.browser.get("/customer/apps", params={"lang": "en"})
    out = flow.browser.post(
        "/customer/logout", data={"csrf_token": hidden(page.text, "csrf_token")}
    )
    assert out.status_code == 303
    replay = new_browser(flow.browser.app)
    replay.cookies.set("wendu_customer", kept)
    assert replay.get("/customer/apps").status_code == 303
    assert replay.get("/customer/v1/connected-apps").status_code == 401
