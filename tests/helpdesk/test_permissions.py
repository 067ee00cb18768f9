"""Every helpdesk route × every role: who is refused, and how.

- no token: 401 on every staff route;
- auditor: 403 on every write, reads succeed;
- an agent of another team: 400 U004 for this team's objects, 403 on manager routes and
  reports, and lists never show this team's work;
- this team's agent: 403 only on manager routes and reports;
- supervisor and admin: never refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from tests.factories import make_customer
from tests.helpdesk.conftest import API, Desk, new_team

from wendu.db import Database
from wendu.deps import READ_METHODS
from wendu.helpdesk.router import router
from wendu.helpdesk.taxonomy import taxonomy

PUBLIC = ("/auth/token", "/channel/", "/surveys/")
MANAGER_ONLY = {("POST", "/teams"), ("POST", "/teams/{team_id}/members")}
ROUTES = sorted(
    (method, route.path.removeprefix(API))
    for route in router.routes
    for method in getattr(route, "methods", ())
    if not route.path.removeprefix(API).startswith(PUBLIC)
)
ROLES = ("anonymous", "auditor", "outsider", "agent", "supervisor", "admin")


@dataclass
class World:
    desk: Desk
    outsider: Desk
    ids: dict[str, str]


@pytest.fixture(scope="module")
def world(client: TestClient, db: Database) -> Iterator[World]:
    desk = Desk(client=client, db=db, team_id=new_team(db))
    for role in ("supervisor", "auditor", "admin"):
        desk.staff(role, role, team_id=None)
    desk.staff("agent", capacity=50)
    outsider = Desk(client=client, db=db, team_id=new_team(db))
    outsider.staff("outsider", capacity=50)
    with db.session() as s:
        customer_id = make_customer(s).id
    # A supervisor takes the call and hands it to the agent: what the agent opens herself
    # would not show her the customer (test_agent_scope.py).
    conv = desk.ok(
        "supervisor",
        "POST",
        "/conversations",
        201,
        json={
            "channel": "phone",
            "customer_id": customer_id,
            "body": "customer called",
            "team_id": desk.team_id,
        },
    )
    agent_id = desk.members["agent"].id
    desk.ok(
        "supervisor",
        "POST",
        f"/conversations/{conv['id']}/transfer",
        json={"to_agent_id": agent_id},
    )
    ticket = desk.ok(
        "agent",
        "POST",
        "/tickets",
        201,
        json={
            "subject": "fee question",
            "conversation_id": conv["id"],
            "category": next(iter(taxonomy())).code,
        },
    )
    canned = desk.ok(
        "agent",
        "POST",
        "/canned",
        201,
        json={"shortcut": "hello", "body": "hi {{customer.name}}", "team_id": desk.team_id},
    )
    yield World(
        desk,
        outsider,
        {
            "conversation_id": conv["id"],
            "ticket_id": ticket["ticket"]["id"],
            "canned_id": canned["id"],
            "team_id": desk.team_id,
            "customer_id": customer_id,
        },
    )


def _request(world: World, method: str, template: str) -> tuple[str, dict[str, object]]:
    ids = world.ids
    path = template.format(**ids)
    kwargs: dict[str, object] = {}
    bodies: dict[tuple[str, str], object] = {
        ("POST", "/teams"): {"id": f"t_{secrets.token_hex(4)}", "name": "X", "name_zh": "X"},
        ("POST", "/teams/{team_id}/members"): {"staff_id": world.desk.members["agent"].id},
        ("PUT", "/agents/me/presence"): {"presence": "online"},
        ("POST", "/conversations"): {
            "channel": "email",
            "body": "mail in",
            "team_id": ids["team_id"],
        },
        ("POST", "/conversations/{conversation_id}/messages"): {"body": "reply"},
        ("POST", "/conversations/{conversation_id}/handoff"): {"reason": "customer_asked"},
        ("POST", "/conversations/{conversation_id}/assign"): {},
        ("POST", "/conversations/{conversation_id}/transfer"): {"to_team_id": ids["team_id"]},
        ("POST", "/canned"): {"shortcut": "x", "body": "x", "team_id": ids["team_id"]},
        ("POST", "/tickets"): {"subject": "s", "conversation_id": ids["conversation_id"]},
        ("PATCH", "/tickets/{ticket_id}"): {"priority": "high"},
        ("POST", "/tickets/{ticket_id}/status"): {"status": "pending_customer"},
        ("POST", "/tickets/{ticket_id}/replies"): {"body": "answer"},
        ("POST", "/tickets/{ticket_id}/links"): {"conversation_id": ids["conversation_id"]},
    }
    if (method, template) in bodies:
        kwargs["json"] = bodies[(method, template)]
    elif method not in READ_METHODS:
        kwargs["json"] = {}
    if template == "/canned/{canned_id}/render":
        kwargs["params"] = {"conversation_id": ids["conversation_id"]}
    return path, kwargs


def _code(response: object) -> str | None:
    try:
        errors = response.json().get("Errors") or [{}]  # type: ignore[attr-defined]
    except (ValueError, AttributeError):
        return None
    return errors[0].get("ErrorCode") if isinstance(errors, list) else None


def _objects(template: str) -> bool:
    return ("{" in template and "{team_id}" not in template) or template in (
        "/conversations",
        "/canned",
        "/tickets",
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_route_refuses_what_the_role_may_not_do(
    world: World, client: TestClient, role: str, method: str, template: str
) -> None:
    path, kwargs = _request(world, method, template)
    url = f"{API}{path}"
    write = method not in READ_METHODS
    report = template.startswith("/reports/")
    if role == "anonymous":
        assert client.request(method, url, **kwargs).status_code == 401  # type: ignore[arg-type]
        return
    desk = world.outsider if role == "outsider" else world.desk
    r = client.request(method, url, headers=desk.members[role].headers, **kwargs)  # type: ignore[arg-type]
    if role == "auditor":
        assert r.status_code == (403 if write else 200), r.text
    elif role == "outsider":
        if (method, template) in MANAGER_ONLY or report:
            assert r.status_code == 403, r.text
        elif method == "GET" and template in ("/conversations", "/tickets", "/canned"):
            assert r.status_code == 200
            seen = {item["id"] for item in r.json()}
            assert not seen & set(world.ids.values())
        elif _objects(template) and template != "/agents/me/presence":
            assert r.status_code == 400 and _code(r) == "U004", r.text
        else:
            assert r.status_code < 400, r.text
            if template == "/agents":
                assert world.desk.members["agent"].id not in {a["staff_id"] for a in r.json()}
            if template == "/teams" and method == "GET":
                assert world.ids["team_id"] not in {t["id"] for t in r.json()}
    elif role == "agent" and ((method, template) in MANAGER_ONLY or report):
        assert r.status_code == 403, r.text
    else:
        assert r.status_code not in (401, 403), r.text
        assert _code(r) != "U004", r.text


def test_public_routes_need_their_own_tokens(world: World, client: TestClient) -> None:
    cid = world.ids["conversation_id"]
    assert client.get(f"{API}/channel/conversations/{cid}/messages").status_code == 401
    forged = {"X-Conversation-Token": "a.b.c"}
    assert (
        client.post(f"{API}/channel/conversations/{cid}/human", headers=forged).status_code == 401
    )
    assert (
        client.post(
            f"{API}/channel/conversations/{cid}/messages", headers=forged, json={"body": "x"}
        ).status_code
        == 401
    )
    assert client.get(f"{API}/surveys/forged.token.value").status_code == 401
    # A staff bearer token is no survey or channel token.
    staff = world.desk.members["agent"].headers["Authorization"].split()[1]
    assert client.get(f"{API}/surveys/{staff}").status_code == 401
    assert (
        client.get(
            f"{API}/channel/conversations/{cid}/messages", headers={"X-Conversation-Token": staff}
        ).status_code
        == 401
    )


def test_console_cookie_reads_but_writes_need_the_csrf_header(
    world: World, client: TestClient
) -> None:
    from wendu.identity.sessions import open_session
    from wendu.kit.signing import derive, sign

    secret = client.app.state.settings.secret_key  # type: ignore[attr-defined]
    with client.app.state.db.session() as s:  # type: ignore[attr-defined]
        payload = open_session(s, "staff", world.desk.members["agent"].id, 3600)
    cookie = sign(secret, "staff-session", payload)
    fresh = TestClient(client.app)  # type: ignore[arg-type]
    fresh.cookies.set("wendu_staff", cookie)
    assert fresh.get(f"{API}/me").status_code == 200
    presence = {"presence": "online"}
    assert fresh.put(f"{API}/agents/me/presence", json=presence).status_code == 403
    csrf = derive(secret, "csrf", cookie)
    ok = fresh.put(f"{API}/agents/me/presence", json=presence, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
