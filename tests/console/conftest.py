"""Console fixtures: real staff of every role, two teams, a customer with a handed-off chat."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from tests.factories import add_transaction, make_account, make_customer

from factories import park_teamless_queue
from wendu.assistant.knowledge.service import list_articles, load_shipped
from wendu.db import Database
from wendu.helpdesk import conversations, routing, tickets
from wendu.helpdesk.models import AgentState, Team, TeamMember
from wendu.identity.staff import create_staff

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _park_other_modules_queue(db: Database) -> None:
    """Agents who come online here pull the oldest team-less chat: park other modules'."""
    park_teamless_queue(db)


ROLES = ("admin", "supervisor", "agent", "auditor")


def csrf_of(html: str) -> str:
    """Return the first CSRF token of a page (every console form carries the same one)."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


def login(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    """Sign in through the real login form and return the browser-like client."""
    browser = TestClient(app)
    page = browser.get("/console/login")
    response = browser.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return browser


def new_team(db: Database, label: str) -> str:
    """Create a team speaking both languages."""
    team_id = f"t_{secrets.token_hex(5)}"
    with db.session() as s:
        s.add(
            Team(
                id=team_id,
                name=f"{label} team",
                name_zh=f"{label}组",
                languages=["zh", "en"],
                product_areas=[],
            )
        )
    return team_id


def new_staff(
    db: Database, role: str, *, team_id: str | None = None, presence: str = "away"
) -> tuple[str, str]:
    """Create a staff user (an agent of ``team_id`` if given); return (id, username)."""
    username = f"{role}_{secrets.token_hex(4)}"
    with db.session() as s:
        user = create_staff(
            s,
            username=username,
            password=PASSWORD,
            role=role,
            display_name=f"{role} {username[-4:]}",
        )
        if team_id is not None:
            s.add(TeamMember(team_id=team_id, staff_id=user.id))
            s.add(
                AgentState(staff_id=user.id, presence=presence, capacity=5, languages=["zh", "en"])
            )
        return user.id, username


def handed_off_chat(
    db: Database, team_id: str, customer_id: str | None, text: str, subject: str
) -> str:
    """Open a partner chat for ``customer_id``, let the customer write, hand it to a person."""
    with db.session() as s:
        conv = conversations.start_conversation(
            s, channel="partner_chat", customer_id=customer_id, subject=subject
        )
        conversations.add_message(s, conv, author_type="customer", body=text, sentiment=-0.4)
        conversations.add_message(
            s, conv, author_type="assistant", body="我帮您转人工客服。", intent="handoff"
        )
        conv.team_id = team_id
        conversations.hand_off(
            s,
            conv,
            reason="customer_asked",
            context={
                "intents": [{"name": "card_lost", "confidence": 0.93}],
                "slots": {"card_last4": "4821"},
                "sentiment": -0.4,
                "summary": "Customer lost a card",
            },
        )
        routing.route(s, conv)
        return conv.id


@dataclass
class World:
    """Everything the page tests look at, created through the real services."""

    team_a: str
    team_b: str
    users: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (id, username)
    customer_id: str = ""
    conv_a: str = ""
    conv_b: str = ""
    ticket_a: str = ""
    ticket_b: str = ""
    kb_slug: str = ""


@pytest.fixture(scope="module")
def world(db: Database) -> World:
    """Two teams, staff of every role, a customer with an account, chats and tickets."""
    w = World(team_a=new_team(db, "A"), team_b=new_team(db, "B"))
    for role in ("admin", "supervisor", "auditor"):
        w.users[role] = new_staff(db, role)
    w.users["agent"] = new_staff(db, "agent", team_id=w.team_a)
    w.users["agent_b"] = new_staff(db, "agent", team_id=w.team_b)
    with db.session() as s:
        load_shipped(s)
        w.kb_slug = list_articles(s, include_drafts=True)[0].slug
        customer = make_customer(s, full_name="林静怡")
        account = make_account(s, customer)
        add_transaction(s, account, 12_345, description="Salary")
        w.customer_id = customer.id
    w.conv_a = handed_off_chat(db, w.team_a, w.customer_id, "我的卡丢了，怎么挂失？", "卡丢了")
    w.conv_b = handed_off_chat(db, w.team_b, None, "Other team's chat", "team B subject")
    with db.session() as s:
        conv_a = conversations.get_conversation(s, w.conv_a)
        ticket = tickets.create_ticket(
            s,
            subject="挂失后仍被扣款",
            description="card charged after it was reported lost",
            kind="complaint",
            customer_id=w.customer_id,
            conversation=conv_a,
            team_id=w.team_a,
            priority="high",
            suggest=False,
        )
        ticket.suggestion = {"category": None, "priority": "high", "confidence": 0.7}
        w.ticket_a = ticket.id
        other = tickets.create_ticket(
            s, subject="team B ticket", channel="email", team_id=w.team_b, suggest=False
        )
        w.ticket_b = other.id
    return w
