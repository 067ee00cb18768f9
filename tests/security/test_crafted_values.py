"""Crafted values sent to every route the app serves: never a 5xx.

The route list is the app's own routing table (``security.routes.walk``). Each route is
called with the credential its caller kind needs and real object ids where it names one,
and gets, one at a time: every declared query parameter set to each crafted value, the
crafted values as ``Last-Event-ID``, and (for body methods) a JSON body built from the
route's documented schema with every string, date-time and number replaced by a crafted one,
plus a body holding a lone UTF-16 surrogate. Every answer must be below 500, and a 4xx
under ``/open-banking/`` must be an OB error body.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from security.conftest import Builder, World, bearer, build_world
from security.routes import ROUTES, walk
from wendu.config import Settings
from wendu.db import Database
from wendu.helpdesk.deps import issue_token
from wendu.identity.staff import create_staff

EDGE_DATES = ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00")
BIG_NUMBERS = ("99999999999999999999999", str(2**63), "-" + str(2**64))
OTHER_DIGITS = ("١٢", "１２", "𝟗𝟗")
CRAFTED = (*EDGE_DATES, *BIG_NUMBERS, *OTHER_DIGITS, "9999-12-31", "0001-01-01", "nan", "1e309")
LONE_SURROGATE = '"\\ud800"'  # a JSON string literal, as a client sends it
OB_ERROR_KEYS = {"Code", "Id", "Message", "Errors"}
PASSWORD = "crafted values 1"


def _staff(db: Database, settings: Settings) -> tuple[str, str]:
    username = f"crafted-{secrets.token_hex(4)}"
    with db.session() as s:
        user = create_staff(s, username=username, password=PASSWORD, role="admin")
        return username, issue_token(settings, user)


def _console_cookies(app: FastAPI, username: str) -> dict[str, str]:
    browser = TestClient(app)
    page = browser.get("/console/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    signed_in = browser.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": match.group(1)},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    return dict(browser.cookies)


def _headers(kind: str, path: str, world: World, staff: str) -> dict[str, str]:
    if kind in ("client", "partner"):
        return world.p.cc
    if kind == "customer":
        if "/pisp/" in path:
            return bearer(world.p_open_token)
        if "/cbpii/" in path:
            return bearer(world.p_cof_token)
        return bearer(world.p_ais["token"])
    if kind == "staff":
        return bearer(staff)
    return {}


def _path(path: str, world: World) -> str:
    real = {
        "ConsentId": world.p_open_consent,
        "DomesticPaymentId": world.payment_id,
        "EventSubscriptionId": world.subscription_id,
        "chat_id": world.chat_id,
        "card_id": world.a.card_id,
        "consent_id": world.p_ais["consent_id"],
        "customer_id": world.a.customer_id,
        "AccountId": world.a.account_id,
        "slug": "card-lost-or-stolen",
    }
    return re.sub(r"\{([^}/:]+)(:path)?\}", lambda m: real.get(m.group(1), "x-unknown-1"), path)


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _instance(schema: dict[str, Any], spec: dict[str, Any], value: str, depth: int = 0) -> Any:
    """Return an instance of ``schema`` whose every leaf is ``value`` (in its type's form)."""
    schema = _resolve(schema, spec)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(o, spec).get("type") != "null"]
            if options:
                return _instance(options[0], spec, value, depth)
    kind = schema.get("type")
    if depth > 6:
        return value
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: _instance(sub, spec, value, depth + 1) for name, sub in props.items()}
    if kind == "array":
        return [_instance(schema.get("items", {}), spec, value, depth + 1)]
    if kind in ("integer", "number"):
        return json.loads(value) if re.fullmatch(r"-?[0-9]+(e[0-9]+)?", value) else value
    if kind == "boolean":
        return value
    return value


def _body_schema(spec: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    op = spec["paths"].get(path, {}).get(method.lower(), {})
    content = op.get("requestBody", {}).get("content", {})
    for media in ("application/json", "application/x-www-form-urlencoded"):
        if media in content:
            schema: dict[str, Any] = content[media].get("schema", {})
            return schema
    return None


# The console and customer pages are not in the OpenAPI document: the query parameters
# their handlers read.
PAGE_QUERY_NAMES = ("days", "start", "end", "by", "q", "view", "status", "next", "lang")


def _query_names(spec: dict[str, Any], method: str, path: str) -> list[str]:
    if path not in spec["paths"]:
        return list(PAGE_QUERY_NAMES) if method == "GET" else []
    op = spec["paths"][path].get(method.lower(), {})
    return [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]


def _order(route: tuple[str, str]) -> tuple[int, str, str]:
    # Revocations and sign-outs last, so earlier routes still find live objects and sessions.
    method, path = route
    late = method == "DELETE" or path.endswith(("/logout", "/revoke")) or "revoke" in path
    return (1 if late else 0, path, method)


def test_crafted_values_never_cause_a_server_error(
    own_app: FastAPI, client: TestClient, builder: Builder, db: Database, settings: Settings
) -> None:
    world = build_world(builder, client)
    username, staff = _staff(db, settings)
    spec = own_app.openapi()
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    with TestClient(own_app, follow_redirects=False, raise_server_exceptions=False) as fuzz:
        fuzz.cookies.update(_console_cookies(own_app, username))

        def send(method: str, url: str, **kwargs: Any) -> None:
            response = fuzz.request(method, url, **kwargs)
            statuses[response.status_code] += 1
            where = f"{method} {url} {str(kwargs)[:120]}"
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code} {response.text[:200]}")
            elif 400 <= response.status_code < 500 and url.startswith("/open-banking/"):
                try:
                    body = response.json()
                except ValueError:
                    body = None
                if not isinstance(body, dict) or not body.keys() >= OB_ERROR_KEYS:
                    failures.append(f"{where}: {response.status_code} is not an OB error body")

        for method, path in sorted(walk(own_app), key=_order):
            kind = ROUTES.get((method, path), "public")
            headers = _headers(kind, path, world, staff)
            url = _path(path, world)
            extra = {"wait": "0"} if path.endswith("/events") else {}
            for name in _query_names(spec, method, path):
                for value in CRAFTED:
                    send(method, url, params={**extra, name: value}, headers=headers)
            if method == "GET":
                for value in (*BIG_NUMBERS, *OTHER_DIGITS):
                    send(
                        method,
                        url,
                        params=extra,
                        headers={**headers, "Last-Event-ID": value.encode()},
                    )
            if method not in ("POST", "PUT", "PATCH"):
                continue
            json_headers = {**headers, "Content-Type": "application/json"}
            send(method, url, content=LONE_SURROGATE.encode(), headers=json_headers)
            send(
                method,
                url,
                content=b'{"a": "\\ud800", "text": "\\udfff", "Data": {"x": "\\ud800"}}',
                headers=json_headers,
            )
            schema = _body_schema(spec, method, path)
            if schema is None:
                continue
            for value in (*CRAFTED, "\ud800"):
                body = _instance(schema, spec, value)
                raw = json.dumps(body).encode()  # ensure_ascii: "\ud800" goes as an escape
                send(method, url, content=raw, headers=json_headers)
    assert not failures, "\n".join(failures[:30])
    assert sum(statuses.values()) > 500, statuses
