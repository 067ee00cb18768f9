"""One walk over every route the app serves: who may call it, and whose objects it shows.

The route list is the app's own routing table (``security.routes.walk``), so a new route
fails ``test_every_route_is_classified`` until it is given a caller kind, and fails
``test_every_route_with_an_id_is_walked`` until its ids are proven isolated (or the test
that proves it elsewhere is named).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from security.conftest import (
    AISP,
    CBPII,
    OB,
    PISP,
    Builder,
    World,
    bearer,
    payment_body,
    payment_consent_body,
)
from security.routes import PARTNER_TOKEN_KINDS, ROUTES, walk, with_placeholders
from wendu.config import Settings
from wendu.db import Database
from wendu.identity.keys import KeyRing

UNKNOWN = "x-unknown-1"


def _url(method: str, path: str) -> str:
    url = with_placeholders(path, UNKNOWN)
    return url + "?wait=0" if path.endswith("/events") and method == "GET" else url


def _body(method: str, path: str) -> dict[str, Any] | None:
    """A syntactically valid body, so refusals come from authentication, not validation."""
    if method not in ("POST", "PUT", "PATCH"):
        return None
    if "/channel/conversations/" in path:
        return {"body": "hello"}
    if "/surveys/" in path:
        return {"score": 5}
    return {}


def test_every_route_is_classified(app: FastAPI) -> None:
    served = set(walk(app))
    assert served, "the route walk found nothing"
    unclassified = served - ROUTES.keys()
    gone = ROUTES.keys() - served
    assert not unclassified, f"classify these routes in tests/security/routes.py: {unclassified}"
    assert not gone, f"these classified routes no longer exist: {gone}"


NON_PUBLIC = sorted(
    route for route, kind in ROUTES.items() if kind not in ("public", "admin", "client-auth")
)


@pytest.mark.parametrize(("method", "path"), NON_PUBLIC, ids=[f"{m} {p}" for m, p in NON_PUBLIC])
def test_unlisted_route_is_not_reachable_without_credentials(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(
        method, _url(method, path), json=_body(method, path), follow_redirects=False
    )
    if response.status_code in (302, 303, 307):
        assert "/login" in response.headers["location"], (method, path)
        return
    refusals = (400, 401, 403) if ROUTES[(method, path)] == "flow" else (401, 403)
    assert response.status_code in refusals, (method, path, response.status_code, response.text)
    if path.startswith("/open-banking/"):
        assert {"Code", "Id", "Message", "Errors"} <= response.json().keys()


def test_client_auth_and_admin_routes_refuse_without_credentials(
    client: TestClient, db: Database, settings: Settings
) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for url, data in (
        ("/oauth2/token", "grant_type=client_credentials&scope=accounts"),
        ("/oauth2/revoke", "token=abc"),
    ):
        response = client.post(url, content=data, headers=form)
        assert response.status_code == 401, (url, response.text)
        assert response.json()["error"] == "invalid_client"
    # Registration and the partner list are open in the sandbox only: production refuses.
    from wendu.app import create_app

    production = settings.model_copy(
        update={"env": "production", "secret_key": secrets.token_hex(32)}
    )
    with TestClient(create_app(production, database=db)) as prod:
        assert prod.get("/admin/v1/partners").status_code in (401, 403)
        assert prod.post("/register", json={"client_name": "x"}).status_code in (401, 403)


@pytest.mark.parametrize(
    ("method", "path"),
    sorted(r for r, k in ROUTES.items() if k == "public"),
    ids=[f"{m} {p}" for m, p in sorted(r for r, k in ROUTES.items() if k == "public")],
)
def test_public_routes_answer_without_credentials(
    client: TestClient, method: str, path: str
) -> None:
    """The allow-list is honest: each listed route works for anyone (no 401/403, no 5xx)."""
    response = client.request(
        method, _url(method, path), json=_body(method, path), follow_redirects=False
    )
    assert response.status_code < 500, (method, path)
    if method == "GET":  # login form POSTs need the CSRF cookie their GET sets
        assert response.status_code not in (401, 403), (method, path)


# --- token kinds -----------------------------------------------------------------------


def _forge_none(token: str) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=")
    return header.decode() + "." + token.split(".")[1] + "."


def _expired(token: str, keyring: KeyRing, db: Database) -> str:
    """Re-sign ``token``'s claims with the server's own key, but already expired."""
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["iat"], claims["exp"] = int(time.time()) - 600, int(time.time()) - 300
    with db.session(write=False) as s:
        key = keyring.active(s)
    return jwt.encode(claims, key.private_key, algorithm="ES256", headers={"kid": key.kid})


PARTNER_ROUTES = sorted(r for r, k in ROUTES.items() if k in PARTNER_TOKEN_KINDS)


@dataclass
class Tokens:
    """Every kind of token a caller might present, all belonging to partner P."""

    cc: str
    ais: str  # customer token, account-access consent
    pay: str  # customer token, payment consent
    cof: str  # customer token, funds-confirmation consent
    revoked: str
    expired: str


@pytest.fixture(scope="module")
def tokens(
    world: World, builder: Builder, client: TestClient, db: Database, app: FastAPI
) -> Tokens:
    victim = builder.ais(world.p, world.a).access_token
    revoked = client.post(
        "/oauth2/revoke",
        data={"token": victim, "token_type_hint": "access_token"},
        auth=(world.p.client_id, world.p.secret),
    )
    assert revoked.status_code == 200, revoked.text
    return Tokens(
        cc=world.p.cc_token,
        ais=world.p_ais["token"],
        pay=world.p_pay_token,
        cof=world.p_cof_token,
        revoked=victim,
        expired=_expired(world.p_ais["token"], app.state.keyring, db),
    )


def _send(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Response:
    return client.request(method, _url(method, path), json=_body(method, path), headers=headers)


@pytest.mark.parametrize(
    ("method", "path"), PARTNER_ROUTES, ids=[f"{m} {p}" for m, p in PARTNER_ROUTES]
)
def test_bad_tokens_are_refused_on_every_partner_route(
    client: TestClient, tokens: Tokens, method: str, path: str
) -> None:
    valid = tokens.ais if ROUTES[(method, path)] == "customer" else tokens.cc
    cases = {
        "none": {},
        "alg=none": bearer(_forge_none(valid)),
        "garbage": bearer("not.a.jwt"),
        "expired": bearer(tokens.expired),
        "revoked": bearer(tokens.revoked),
        "basic scheme": {"Authorization": f"Basic {valid}"},
    }
    for name, headers in cases.items():
        response = _send(client, method, path, headers)
        assert response.status_code == 401, (name, response.status_code, response.text)
        assert response.json()["Errors"][0]["ErrorCode"] == "U014", name
    # Tokens belong in the Authorization header, never in the URL.
    url = _url(method, path)
    url += ("&" if "?" in url else "?") + f"access_token={valid}"
    in_query = client.request(method, url, json=_body(method, path))
    assert in_query.status_code in (400, 401), in_query.text


# Which token kinds each route accepts; every other kind must be refused with 403.
ACCEPTS: dict[tuple[str, str], frozenset[str]] = {}
for (_m, _p), _k in ROUTES.items():
    if _k == "client":
        ACCEPTS[(_m, _p)] = frozenset({"cc"})
    elif _k == "partner":
        ACCEPTS[(_m, _p)] = frozenset({"cc", "ais", "pay", "cof"})
    elif _k == "customer":
        if _p.startswith(f"{AISP}/") or _p.startswith("/customer-api/v1/cards"):
            ACCEPTS[(_m, _p)] = frozenset({"ais"})
        elif _p.startswith(f"{PISP}/"):
            ACCEPTS[(_m, _p)] = frozenset({"pay"})
        elif _p.startswith(f"{CBPII}/"):
            ACCEPTS[(_m, _p)] = frozenset({"cof"})
        else:  # chat and the customer's own connected apps: any customer-authorised token
            ACCEPTS[(_m, _p)] = frozenset({"ais", "pay", "cof"})
# The AIS read routes already prove the wrong-kind refusals in
# tests/openbanking/test_security.py; here only the routes beyond them are walked.
WRONG_KIND = sorted(
    r for r in ACCEPTS if not (r[1].startswith(f"{AISP}/") and ROUTES[r] == "customer")
)


@pytest.mark.parametrize(("method", "path"), WRONG_KIND, ids=[f"{m} {p}" for m, p in WRONG_KIND])
def test_wrong_token_kind_is_refused(
    client: TestClient, tokens: Tokens, method: str, path: str
) -> None:
    for kind in {"cc", "ais", "pay", "cof"} - ACCEPTS[(method, path)]:
        response = _send(client, method, path, bearer(getattr(tokens, kind)))
        assert response.status_code == 403, (kind, response.status_code, response.text)
        assert response.json()["Errors"][0]["ErrorCode"] in ("U007", "U014", "U015"), kind


# --- another partner's or customer's objects read as unknown --------------------------


@dataclass
class Probe:
    """One request as a stranger to an object that exists, and the same for an unknown id."""

    method: str
    owned: str
    unknown: str
    headers: dict[str, str]
    body: Any = None
    owner_headers: dict[str, str] | None = None  # GETs: the owner really can read it


def _pisp(world: World) -> dict[tuple[str, str], Probe]:
    consent, payment = world.p_pay_consent, world.payment_id
    q = world.q.cc
    base = f"{PISP}/domestic-payment-consents"
    pays = f"{PISP}/domestic-payments"
    return {
        ("GET", f"{base}/{{ConsentId}}"): Probe(
            "GET", f"{base}/{consent}", f"{base}/pdc-{'0' * 32}", q, owner_headers=world.p.cc
        ),
        ("GET", f"{base}/{{ConsentId}}/funds-confirmation"): Probe(
            "GET",
            f"{base}/{world.p_open_consent}/funds-confirmation",
            f"{base}/pdc-{'0' * 32}/funds-confirmation",
            bearer(world.q_pay_token),
            owner_headers=bearer(world.p_open_token),
        ),
        ("GET", f"{pays}/{{DomesticPaymentId}}"): Probe(
            "GET", f"{pays}/{payment}", f"{pays}/pay_{'0' * 32}", q, owner_headers=world.p.cc
        ),
        ("GET", f"{pays}/{{DomesticPaymentId}}/payment-details"): Probe(
            "GET",
            f"{pays}/{payment}/payment-details",
            f"{pays}/pay_{'0' * 32}/payment-details",
            q,
            owner_headers=world.p.cc,
        ),
    }


def _probes(world: World) -> dict[tuple[str, str], Probe]:
    q = world.q.cc
    aac = f"{AISP}/account-access-consents"
    fcc = f"{CBPII}/funds-confirmation-consents"
    subs = f"{OB}/event-subscriptions"
    sub = world.subscription_id
    chat = "/chat/v1/sessions"
    b_token = bearer(world.q_ais["token"])  # customer B through partner Q
    probes = {
        ("GET", f"{aac}/{{ConsentId}}"): Probe(
            "GET",
            f"{aac}/{world.p_ais['consent_id']}",
            f"{aac}/aac-{'0' * 32}",
            q,
            owner_headers=world.p.cc,
        ),
        ("DELETE", f"{aac}/{{ConsentId}}"): Probe(
            "DELETE", f"{aac}/{world.p_ais['consent_id']}", f"{aac}/aac-{'0' * 32}", q
        ),
        ("GET", f"{fcc}/{{ConsentId}}"): Probe(
            "GET",
            f"{fcc}/{world.p_cof_consent}",
            f"{fcc}/fcc-{'0' * 32}",
            q,
            owner_headers=world.p.cc,
        ),
        ("DELETE", f"{fcc}/{{ConsentId}}"): Probe(
            "DELETE", f"{fcc}/{world.p_cof_consent}", f"{fcc}/fcc-{'0' * 32}", q
        ),
        ("PUT", f"{subs}/{{EventSubscriptionId}}"): Probe(
            "PUT",
            f"{subs}/{sub}",
            f"{subs}/esub_{'0' * 24}",
            q,
            body={
                "Data": {
                    "EventSubscriptionId": sub,
                    "Version": "4.0",
                    "CallbackUrl": "http://127.0.0.1:9/q",
                }
            },
        ),
        ("DELETE", f"{subs}/{{EventSubscriptionId}}"): Probe(
            "DELETE", f"{subs}/{sub}", f"{subs}/esub_{'0' * 24}", q
        ),
        ("POST", "/customer-api/v1/cards/{card_id}/freeze"): Probe(
            "POST",
            f"/customer-api/v1/cards/{world.a.card_id}/freeze",
            f"/customer-api/v1/cards/card_{'0' * 24}/freeze",
            b_token,
            body={"reason": "stranger"},
        ),
        ("DELETE", "/customer-api/v1/connected-apps/{consent_id}"): Probe(
            "DELETE",
            f"/customer-api/v1/connected-apps/{world.p_ais['consent_id']}",
            f"/customer-api/v1/connected-apps/aac-{'0' * 32}",
            b_token,
        ),
        ("GET", f"{chat}/{{chat_id}}"): Probe(
            "GET",
            f"{chat}/{world.chat_id}",
            f"{chat}/chs_{'0' * 24}",
            b_token,
            owner_headers=bearer(world.p_ais["token"]),
        ),
        ("GET", f"{chat}/{{chat_id}}/events"): Probe(
            "GET",
            f"{chat}/{world.chat_id}/events?wait=0",
            f"{chat}/chs_{'0' * 24}/events?wait=0",
            b_token,
        ),
        ("POST", f"{chat}/{{chat_id}}/messages"): Probe(
            "POST",
            f"{chat}/{world.chat_id}/messages",
            f"{chat}/chs_{'0' * 24}/messages",
            b_token,
            body={"text": "余额多少"},
        ),
        ("GET", f"{chat}/{{chat_id}}/messages"): Probe(
            "GET",
            f"{chat}/{world.chat_id}/messages",
            f"{chat}/chs_{'0' * 24}/messages",
            b_token,
            owner_headers=bearer(world.p_ais["token"]),
        ),
    }
    probes.update(_pisp(world))
    return probes


# Routes with ids whose isolation is proven by another test (named here), or that name
# no one's object (public articles, static files).
ELSEWHERE = {
    f"{AISP}/accounts/": "tests/openbanking/test_security.py (every AIS account route)",
    "/customer/v1/connected-apps/": "tests/identity/test_connected_apps.py",
    "/customer/apps/": "tests/identity/test_connected_apps.py",
    "/helpdesk/v1/channel/": "test_channel_token_of_another_conversation_is_refused (below)",
    "/helpdesk/v1/surveys/": "capability URL: the signed token is the id (401 when forged)",
    "/helpdesk/v1/knowledge/": "tests/assistant/test_knowledge_staff_api.py (shared, roles)",
    "/helpdesk/v1/": "tests/helpdesk/test_permissions.py (role and team scope, every route)",
    "/console/": "test_console_and_customer_scope.py (team scope of every console object page)",
    f"{PISP}/domestic-scheduled-": "tests/payments/test_pisp_scheduled.py (another partner's)",
    f"{PISP}/domestic-standing-order": "tests/payments/test_pisp_standing_orders.py (same)",
    "/chat/static/": "public asset",
    "/api/v1/knowledge/articles/": "public article",
    "/help/articles/": "public article",
}
ID_ROUTES = sorted(r for r in ROUTES if "{" in r[1])


def test_every_route_with_an_id_is_walked(world: World) -> None:
    probes = _probes(world)
    missing = [
        r
        for r in ID_ROUTES
        if r not in probes and not any(r[1].startswith(prefix) for prefix in ELSEWHERE)
    ]
    assert not missing, f"add a cross-owner probe for: {missing}"


def _answer(response: Response) -> tuple[int, Any]:
    body = response.json()
    if isinstance(body, dict) and "Errors" in body:
        return response.status_code, (body["Code"], body["Message"], body["Errors"])
    return response.status_code, body


_AAC = f"{AISP}/account-access-consents"
_FCC = f"{CBPII}/funds-confirmation-consents"
_SUBS = f"{OB}/event-subscriptions"
_PAY = f"{PISP}/domestic-payments"
_PAYC = f"{PISP}/domestic-payment-consents"
PROBED = sorted(
    [
        ("GET", f"{_AAC}/{{ConsentId}}"),
        ("DELETE", f"{_AAC}/{{ConsentId}}"),
        ("GET", f"{_FCC}/{{ConsentId}}"),
        ("DELETE", f"{_FCC}/{{ConsentId}}"),
        ("PUT", f"{_SUBS}/{{EventSubscriptionId}}"),
        ("DELETE", f"{_SUBS}/{{EventSubscriptionId}}"),
        ("POST", "/customer-api/v1/cards/{card_id}/freeze"),
        ("DELETE", "/customer-api/v1/connected-apps/{consent_id}"),
        ("GET", "/chat/v1/sessions/{chat_id}"),
        ("GET", "/chat/v1/sessions/{chat_id}/events"),
        ("POST", "/chat/v1/sessions/{chat_id}/messages"),
        ("GET", "/chat/v1/sessions/{chat_id}/messages"),
        ("GET", f"{_PAYC}/{{ConsentId}}"),
        ("GET", f"{_PAYC}/{{ConsentId}}/funds-confirmation"),
        ("GET", f"{_PAY}/{{DomesticPaymentId}}"),
        ("GET", f"{_PAY}/{{DomesticPaymentId}}/payment-details"),
    ]
)


def test_probe_list_matches_the_probes(world: World) -> None:
    assert sorted(_probes(world)) == PROBED


@pytest.mark.parametrize(("method", "path"), PROBED, ids=[f"{m} {p}" for m, p in PROBED])
def test_another_owners_object_reads_as_unknown(
    client: TestClient, world: World, method: str, path: str
) -> None:
    probe = _probes(world)[(method, path)]
    foreign = client.request(method, probe.owned, headers=probe.headers, json=probe.body)
    unknown = client.request(method, probe.unknown, headers=probe.headers, json=probe.body)
    assert foreign.status_code == 400, (foreign.status_code, foreign.text)
    assert _answer(foreign) == _answer(unknown)
    if path.startswith("/open-banking/"):
        assert foreign.json()["Errors"][0]["ErrorCode"] == "U004"
    if probe.owner_headers is not None:
        owner = client.request(method, probe.owned, headers=probe.owner_headers)
        assert owner.status_code == 200, owner.text


def test_stranger_requests_changed_nothing(client: TestClient, world: World) -> None:
    """After every cross-owner probe, P's objects are intact (state checked by the owner)."""
    for probe in _probes(world).values():
        client.request(probe.method, probe.owned, headers=probe.headers, json=probe.body)
    p = world.p.cc
    consent = client.get(f"{AISP}/account-access-consents/{world.p_ais['consent_id']}", headers=p)
    assert consent.json()["Data"]["Status"] == "AUTH"
    cof = client.get(f"{CBPII}/funds-confirmation-consents/{world.p_cof_consent}", headers=p)
    assert cof.json()["Data"]["Status"] == "AUTH"
    subs = client.get(f"{OB}/event-subscriptions", headers=p).json()["Data"]["EventSubscription"]
    assert [s["CallbackUrl"] for s in subs] == ["http://127.0.0.1:8123/p"]
    cards = client.get("/customer-api/v1/cards", headers=bearer(world.p_ais["token"]))
    assert [c["status"] for c in cards.json()["cards"]] == ["active"]


def test_payment_with_another_partners_consent_reads_as_unknown(
    client: TestClient, world: World, builder: Builder
) -> None:
    """Q's customer token cannot spend P's consent: the same answer as an unknown consent."""
    from security.conftest import signed_post

    request = payment_consent_body("1.00")
    p_consent = builder.payment_consent(world.p, request)
    answers = []
    for consent_id in (p_consent, f"pdc-{'0' * 32}"):
        response = signed_post(
            client,
            f"{PISP}/domestic-payments",
            payment_body(consent_id, request),
            world.q_pay_token,
            world.q,
        )
        answers.append(_answer(response))
    assert answers[0][0] in (400, 403)
    assert answers[0] == answers[1]
    check = {
        "Data": {
            "ConsentId": world.p_cof_consent,
            "Reference": "x",
            "InstructedAmount": {"Amount": "1.00", "Currency": "CNY"},
        }
    }
    cof_q = builder.cof_consent(world.q, world.b)
    q_cof_token = builder.authorise(world.q, world.b, cof_q).access_token
    foreign = client.post(f"{CBPII}/funds-confirmations", json=check, headers=bearer(q_cof_token))
    check["Data"]["ConsentId"] = f"fcc-{'0' * 32}"
    unknown = client.post(f"{CBPII}/funds-confirmations", json=check, headers=bearer(q_cof_token))
    assert foreign.status_code == 400
    assert _answer(foreign) == _answer(unknown)


def test_channel_token_of_another_conversation_is_refused(client: TestClient) -> None:
    base = "/helpdesk/v1/channel/conversations"
    mine = client.post(base, json={"body": "你好"}).json()
    theirs = client.post(base, json={"body": "hello"}).json()
    headers = {"X-Conversation-Token": mine["token"]}
    for method, suffix, body in (
        ("GET", "/messages", None),
        ("POST", "/messages", {"body": "peek"}),
        ("POST", "/human", None),
    ):
        foreign = client.request(
            method, f"{base}/{theirs['conversation_id']}{suffix}", headers=headers, json=body
        )
        unknown = client.request(
            method, f"{base}/cnv_{'0' * 24}{suffix}", headers=headers, json=body
        )
        assert foreign.status_code == 401, foreign.text
        assert _answer(foreign) == _answer(unknown)
    own = client.get(f"{base}/{mine['conversation_id']}/messages", headers=headers)
    assert own.status_code == 200
