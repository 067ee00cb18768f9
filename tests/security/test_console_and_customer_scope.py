"""Object scope of the console (staff cookie) and of the customer-token extension routes."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from factories import make_customer
from helpdesk.conftest import PASSWORD, Desk, new_team
from security.conftest import Builder, World, bearer
from security.routes import ROUTES
from wendu.db import Database


def _login(app: FastAPI, username: str) -> TestClient:
    browser = TestClient(app, follow_redirects=False)
    page = browser.get("/console/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    done = browser.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": match.group(1)},
    )
    assert done.status_code == 303, done.text
    return browser


def _text(response: Any) -> str:
    # Answers carry per-request nonces (CSRF tokens, error Ids, the error page's reference);
    # compare what they say.
    text = re.sub(r'value="[^"]{20,}"', "", response.text)
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "", text)
    return re.sub(r'"Id":"[^"]*"', "", text)


CONSOLE_OBJECT_READS = sorted(
    p
    for (m, p), kind in ROUTES.items()
    if kind == "console" and m == "GET" and "{" in p and "{slug}" not in p
)


@pytest.mark.parametrize("path", CONSOLE_OBJECT_READS)
def test_console_agent_cannot_open_another_teams_objects(
    app: FastAPI, client: TestClient, db: Database, path: str
) -> None:
    desk = Desk(client=client, db=db, team_id=new_team(db))
    agent = desk.staff("agent", capacity=50)
    desk.staff("sup", "supervisor", team_id=None)
    outsider = Desk(client=client, db=db, team_id=new_team(db))
    stranger = outsider.staff("stranger", capacity=50)
    with db.session() as s:
        customer_id = make_customer(s).id
    # A supervisor takes the call and hands it to the agent (a conversation the agent opens
    # herself would not open the customer's page to her: helpdesk/test_agent_scope.py).
    conv = desk.ok(
        "sup",
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
    desk.ok("sup", "POST", f"/conversations/{conv['id']}/transfer", json={"to_agent_id": agent.id})
    ticket = desk.ok(
        "agent", "POST", "/tickets", 201, json={"subject": "fee", "conversation_id": conv["id"]}
    )
    ids = {
        "conversation_id": conv["id"],
        "ticket_id": ticket["ticket"]["id"],
        "customer_id": customer_id,
    }
    name = path[path.index("{") + 1 : path.index("}")]
    owner = _login(app, desk.members["agent"].username)
    assert owner.get(path.replace(f"{{{name}}}", ids[name])).status_code == 200
    browser = _login(app, stranger.username)
    foreign = browser.get(path.replace(f"{{{name}}}", ids[name]))
    unknown = browser.get(path.replace(f"{{{name}}}", f"x_{secrets.token_hex(12)}"))
    if name == "customer_id":
        # Customer 360 is open to every agent by role (the helpdesk API does the same);
        # it must still not reveal the other team's conversation.
        assert conv["id"] not in foreign.text or foreign.status_code != 200
        return
    assert foreign.status_code == unknown.status_code != 200
    assert _text(foreign) == _text(unknown)


def test_a_partner_cannot_see_or_revoke_another_partners_consent_for_the_same_customer(
    client: TestClient, world: World, builder: Builder
) -> None:
    p_grant = builder.ais(world.p, world.a)
    q_token = builder.ais(world.q, world.a).access_token  # Q, same customer A
    listed = client.get("/customer-api/v1/connected-apps", headers=bearer(q_token)).text
    unknown = client.delete(
        f"/customer-api/v1/connected-apps/aac-{'0' * 32}", headers=bearer(q_token)
    )
    revoked = client.delete(
        f"/customer-api/v1/connected-apps/{p_grant.consent_id}", headers=bearer(q_token)
    )
    still = client.get("/open-banking/v4.0/aisp/accounts", headers=bearer(p_grant.access_token))
    assert p_grant.consent_id not in listed
    assert revoked.status_code == unknown.status_code == 400
    assert still.status_code == 200
