"""Conversations over HTTP as real staff: intake, inbox, timeline, replies, routing, CSAT."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import add_transaction, make_account, make_customer
from tests.helpdesk.conftest import API, Desk, MakeDesk

from wendu.audit.models import AuditEntry
from wendu.db import Database
from wendu.events.models import OutboxEvent
from wendu.helpdesk.models import Conversation, Survey


def _phone(desk: Desk, who: str, **extra: object) -> dict:  # type: ignore[type-arg]
    body = {"channel": "phone", "body": "客户来电：信用卡账单有疑问", "team_id": desk.team_id}
    body.update(extra)
    return desk.ok(who, "POST", "/conversations", 201, json=body)  # type: ignore[no-any-return]


def test_token_login_refuses_a_wrong_password_and_a_forged_token(desk: Desk) -> None:
    member = desk.staff("a1")
    bad = desk.client.post(
        f"{API}/auth/token", json={"username": member.username, "password": "wrong password"}
    )
    assert bad.status_code == 401
    forged = desk.client.get(f"{API}/me", headers={"Authorization": "Bearer abc.123.def"})
    assert forged.status_code == 401
    assert desk.client.get(f"{API}/me").status_code == 401
    me = desk.ok("a1", "GET", "/me")
    assert me["role"] == "agent" and me["team_ids"] == [desk.team_id]


def test_intake_routes_to_an_online_agent_and_the_inbox_is_scoped_to_teams(
    desk: Desk, make_desk: MakeDesk
) -> None:
    desk.staff("a1")
    other = make_desk()
    outsider = other.staff("x1")
    conversation = _phone(desk, "sup", body="Email: my transfer is missing", channel="email")
    assert conversation["status"] == "assigned"
    assert conversation["assignee_id"] == desk.members["a1"].id
    mine = desk.ok("a1", "GET", "/conversations", params={"view": "mine"})
    assert [c["id"] for c in mine] == [conversation["id"]]
    # Another team's agent neither lists nor opens it (400 U004, not 403: no existence leak).
    theirs = other.ok("x1", "GET", "/conversations", params={"view": "all"})
    assert conversation["id"] not in {c["id"] for c in theirs}
    r = other.client.get(f"{API}/conversations/{conversation['id']}", headers=outsider.headers)
    assert r.status_code == 400 and r.json()["Errors"][0]["ErrorCode"] == "U004"
    # The auditor reads everything but cannot write.
    assert desk.ok("aud", "GET", f"/conversations/{conversation['id']}")["conversation"]["id"]
    r = desk.call(
        "aud", "POST", f"/conversations/{conversation['id']}/messages", json={"body": "hi"}
    )
    assert r.status_code == 403


def test_timeline_replies_notes_mentions_canned_and_audit(desk: Desk, db: Database) -> None:
    with db.session() as s:
        customer = make_customer(s, full_name="李雷")
        account = make_account(s, customer)
        add_transaction(s, account, -12_345, description="Coffee")
        customer_id = customer.id
    a1 = desk.staff("a1")
    desk.staff("a2")
    # Opened by the supervisor and handed to a1 (what a1 opened herself would not show her
    # the customer's accounts: test_agent_scope.py).
    earlier = _phone(desk, "sup", customer_id=customer_id)
    to_a1 = {"to_agent_id": a1.id}
    desk.ok("sup", "POST", f"/conversations/{earlier['id']}/transfer", json=to_a1)
    desk.ok("a1", "POST", f"/conversations/{earlier['id']}/resolve")
    current = _phone(desk, "sup", customer_id=customer_id, channel="app")
    desk.ok("sup", "POST", f"/conversations/{current['id']}/transfer", json=to_a1)
    ticket = desk.ok(
        "a1",
        "POST",
        "/tickets",
        201,
        json={"subject": "Card fee question", "conversation_id": current["id"]},
    )
    detail = desk.ok("a1", "GET", f"/conversations/{current['id']}")
    kinds = {(i["kind"], i["ref"]) for i in detail["customer"]["timeline"]}
    assert ("conversation", earlier["id"]) in kinds
    assert ("ticket", ticket["ticket"]["id"]) in kinds
    assert any(
        i["kind"] == "transaction" and "Coffee" in i["summary"]
        for i in detail["customer"]["timeline"]
    )
    assert detail["customer"]["name"] == "李雷"
    assert detail["ticket_ids"] == [ticket["ticket"]["id"]]

    canned = desk.ok(
        "sup",
        "POST",
        "/canned",
        201,
        json={
            "shortcut": "greet",
            "body": "{{customer.name}}您好，我是{{agent.name}}，账单问题已处理。",
            "language": "zh",
            "team_id": desk.team_id,
        },
    )
    rendered = desk.ok(
        "a1", "GET", f"/canned/{canned['id']}/render", params={"conversation_id": current["id"]}
    )
    assert rendered["body"] == "李雷您好，我是a1，账单问题已处理。"
    reply = desk.ok(
        "a1",
        "POST",
        f"/conversations/{current['id']}/messages",
        201,
        json={"canned_id": canned["id"]},
    )
    assert reply["body"] == rendered["body"] and reply["private"] is False
    note = desk.ok(
        "a1",
        "POST",
        f"/conversations/{current['id']}/messages",
        201,
        json={
            "body": "@a2 please check the card 6222020200112233445",
            "private": True,
            "mentions": [desk.members["a2"].id],
        },
    )
    assert note["private"] is True and note["mentions"] == [desk.members["a2"].id]
    assert "6222020200112233445" not in note["body"]  # masked before storage
    # The customer-facing transcript never shows the note.
    detail = desk.ok("a1", "GET", f"/conversations/{current['id']}")
    assert [m["private"] for m in detail["messages"]].count(True) == 1
    # The agent's reply answered the linked ticket: first response recorded, status open.
    t = desk.ok("a1", "GET", f"/tickets/{ticket['ticket']['id']}")
    assert t["ticket"]["status"] == "open" and t["ticket"]["first_response_at"]
    with db.session() as s:
        actions = set(
            s.execute(select(AuditEntry.action).where(AuditEntry.actor_id == a1.username)).scalars()
        )
    assert {
        "helpdesk.conversation.reply",
        "helpdesk.conversation.note",
        "helpdesk.ticket.create",
    } <= actions


def test_routing_through_the_api_capacity_away_and_fair_spread(desk: Desk) -> None:
    desk.staff("a1", capacity=2)
    desk.staff("a2", capacity=2)
    ids = [_phone(desk, "sup")["id"] for _ in range(5)]
    convs = {
        c["id"]: c
        for c in desk.ok("sup", "GET", "/conversations", params={"team_id": desk.team_id})
    }
    owners = [convs[i]["assignee_id"] for i in ids]
    a1, a2 = desk.members["a1"].id, desk.members["a2"].id
    # Fair spread: alternating, then capacity 2 each leaves the fifth queued.
    assert owners[:4].count(a1) == 2 and owners[:4].count(a2) == 2
    assert owners[0] != owners[1]
    assert convs[ids[4]]["status"] == "queued" and owners[4] is None
    agents = {a["staff_id"]: a for a in desk.ok("sup", "GET", "/agents")}
    assert agents[a1]["load"] == 2 and agents[a2]["load"] == 2
    # a1 goes away: their chats move; a2 is full, so they wait in the queue.
    moved = desk.ok("a1", "PUT", "/agents/me/presence", json={"presence": "away"})
    assert len(moved["moved"]) == 2
    queued = desk.ok(
        "sup", "GET", "/conversations", params={"view": "queued", "team_id": desk.team_id}
    )
    assert len(queued) == 3 and all(c["assignee_id"] is None for c in queued)
    # Nobody gets a chat while away; a2 resolving one pulls the oldest waiting chat.
    first_of_a2 = next(i for i, o in zip(ids, owners, strict=True) if o == a2)
    desk.ok("a2", "POST", f"/conversations/{first_of_a2}/resolve")
    mine = desk.ok("a2", "GET", "/conversations", params={"view": "mine"})
    assert len(mine) == 2
    assert all(
        c["assignee_id"] != a1
        for c in desk.ok("sup", "GET", "/conversations", params={"team_id": desk.team_id})
    )
    # Back online, a1 pulls waiting work up to capacity.
    back = desk.ok("a1", "PUT", "/agents/me/presence", json={"presence": "online"})
    assert len(back["moved"]) == 2
    # A supervisor cannot assign beyond capacity.
    extra = _phone(desk, "sup")
    r = desk.call("sup", "POST", f"/conversations/{extra['id']}/assign", json={"agent_id": a1})
    assert r.status_code == 409


def test_transfer_hand_back_and_handoff(desk: Desk, make_desk: MakeDesk) -> None:
    desk.staff("a1")
    desk.staff("a2")
    other = make_desk()
    other.staff("b1")
    conv = _phone(desk, "sup")
    owner = conv["assignee_id"]
    who = "a1" if owner == desk.members["a1"].id else "a2"
    peer = "a2" if who == "a1" else "a1"
    moved = desk.ok(
        who,
        "POST",
        f"/conversations/{conv['id']}/transfer",
        json={"to_agent_id": desk.members[peer].id},
    )
    assert moved["assignee_id"] == desk.members[peer].id
    moved = desk.ok(
        peer, "POST", f"/conversations/{conv['id']}/transfer", json={"to_team_id": other.team_id}
    )
    assert moved["team_id"] == other.team_id and moved["assignee_id"] == other.members["b1"].id
    back = other.ok("b1", "POST", f"/conversations/{conv['id']}/hand-back")
    assert back["status"] == "bot" and back["assignee_id"] is None
    again = other.ok(
        "b1",
        "POST",
        f"/conversations/{conv['id']}/handoff",
        json={"reason": "complaint", "context": {"intents": ["card_fee"], "summary": "fee"}},
    )
    assert again["status"] == "assigned" and again["priority"] == "high"
    assert again["handoff_context"]["intents"] == ["card_fee"]


def test_customer_chat_resolution_sends_csat_once_and_the_answer_emits_csat_received(
    desk: Desk, client: TestClient, db: Database
) -> None:
    start = client.post(
        f"{API}/channel/conversations",
        json={"channel": "web_widget", "language": "en", "body": "My card was declined"},
    )
    assert start.status_code == 201
    cid, token = start.json()["conversation_id"], start.json()["token"]
    headers = {"X-Conversation-Token": token}
    assert (
        client.get(
            f"{API}/channel/conversations/{cid}/messages", headers={"X-Conversation-Token": "x"}
        ).status_code
        == 401
    )
    assert (
        client.post(f"{API}/channel/conversations/{cid}/human", headers=headers).status_code == 200
    )
    # Put it in this desk's queue (the default team is whichever speaks English first).
    desk.staff("a1")
    moved = desk.ok(
        "sup", "POST", f"/conversations/{cid}/transfer", json={"to_team_id": desk.team_id}
    )
    assert moved["assignee_id"] == desk.members["a1"].id
    desk.ok(
        "a1", "POST", f"/conversations/{cid}/messages", 201, json={"body": "Let me check that."}
    )
    desk.ok(
        "a1",
        "POST",
        f"/conversations/{cid}/messages",
        201,
        json={"body": "internal", "private": True},
    )
    seen = client.get(f"{API}/channel/conversations/{cid}/messages", headers=headers).json()
    bodies = [m["body"] for m in seen["messages"]]
    assert "Let me check that." in bodies and "internal" not in bodies
    desk.ok("a1", "POST", f"/conversations/{cid}/resolve")
    seen = client.get(f"{API}/channel/conversations/{cid}/messages", headers=headers).json()
    invite = seen["messages"][-1]
    assert invite["author_type"] == "system" and "/helpdesk/v1/surveys/" in invite["body"]
    survey_path = urlparse(invite["body"].split()[-1]).path
    survey = client.get(survey_path).json()
    assert survey["kind"] == "csat" and survey["scale"] == 5 and len(survey["questions"]) == 2
    assert client.post(survey_path, json={"score": 9}).status_code == 400
    answered = client.post(
        survey_path, json={"score": 4, "answers": {"solved": "yes"}, "comment": "quick"}
    )
    assert answered.status_code == 200
    assert client.post(survey_path, json={"score": 5}).status_code == 409
    with db.session() as s:
        row = s.execute(select(Survey).where(Survey.conversation_id == cid)).scalar_one()
        assert (row.score, row.answers) == (4, {"solved": "yes"})
        events = (
            s.execute(
                select(OutboxEvent.event_type).where(OutboxEvent.event_type == "csat.received")
            )
            .scalars()
            .all()
        )
        assert events
        conv = s.get(Conversation, cid)
        assert conv is not None and conv.status == "resolved"


def test_suggested_answers_quote_the_knowledge_base_then_canned_responses(
    desk: Desk, db: Database
) -> None:
    from wendu.assistant.knowledge.service import load_shipped

    with db.session() as s:
        load_shipped(s)
        customer_id = make_customer(s, full_name="韩梅梅").id
    desk.staff("a1")
    desk.ok(
        "sup",
        "POST",
        "/canned",
        201,
        json={
            "shortcut": "lost_card",
            "body": "{{customer.name}}您好，银行卡丢失请立即挂失。",
            "team_id": desk.team_id,
        },
    )
    conv = desk.ok(
        "a1",
        "POST",
        "/conversations",
        201,
        json={
            "channel": "app",
            "customer_id": customer_id,
            "body": "我的银行卡丢失了怎么办？",
            "team_id": desk.team_id,
            "assign_to_me": True,
        },
    )
    found = desk.ok("a1", "GET", f"/conversations/{conv['id']}/suggestions")
    sources = [s["source"] for s in found]
    assert sources[0] == "knowledge" and "/" in found[0]["body"]
    canned = [s for s in found if s["source"] == "canned"]
    assert canned and canned[0]["body"].startswith("韩梅梅您好")
