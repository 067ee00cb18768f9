"""Channels: the partner chat API with server-sent events, masking, the widget and `wendu chat`."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from assistant.chatkit import PASSWORD, Customer, make_bank_customer, open_chat
from wendu.assistant.channels.widget import RESUME_WITHIN, first_party_partner
from wendu.assistant.dialogue.models import ChatSession
from wendu.db import Database, utcnow
from wendu.helpdesk import conversations
from wendu.helpdesk.models import Message
from wendu.identity.connected_apps import revoke_connected_app
from wendu.identity.models import Consent, Partner


def _events(body: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        out.append((fields.get("event", "message"), json.loads(fields.get("data", "{}"))))
    return out


def test_replies_stream_as_server_sent_events(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer, language="en")
    posted = chat.say("hello")
    chat.say("what's my balance")
    url = f"/chat/v1/sessions/{chat.session_id}/events"
    response = client.get(url, params={"wait": 0}, headers=chat.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response.text)
    assert events[0] == ("status", {"status": "bot"})
    messages = [data for kind, data in events if kind == "message"]
    assert [m["author"] for m in messages] == ["assistant", "assistant"]
    assert messages[0]["text"] == posted["replies"][0]["text"]
    assert "available" in messages[1]["text"]
    assert events[-1][0] == "end"
    # Reconnecting with Last-Event-ID resumes after what was seen.
    again = client.get(
        url,
        params={"wait": 0},
        headers={**chat.headers, "Last-Event-ID": str(messages[0]["id"])},
    )
    resumed = [data for kind, data in _events(again.text) if kind == "message"]
    assert [m["id"] for m in resumed] == [messages[1]["id"]]


def test_a_chat_is_reachable_only_with_its_own_consent(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    intruder = open_chat(client, db, app, settings, make_bank_customer(db))
    for method, path in (
        ("POST", f"/chat/v1/sessions/{chat.session_id}/messages"),
        ("GET", f"/chat/v1/sessions/{chat.session_id}/events?wait=0"),
        ("GET", f"/chat/v1/sessions/{chat.session_id}"),
        ("GET", f"/chat/v1/sessions/{chat.session_id}/messages"),
    ):
        response = client.request(method, path, json={"text": "hi"}, headers=intruder.headers)
        assert response.status_code == 400, response.text
        assert response.json()["Errors"][0]["ErrorCode"] == "U004"
    assert client.post("/chat/v1/sessions", json={}).status_code == 401


def test_card_and_id_numbers_are_masked_in_the_stored_transcript(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    pan = "6222021234567890123"
    id_number = "11010519491231002X"
    posted = chat.say(f"我的卡号 {pan} 身份证 {id_number} 被盗刷了")
    # The response gives back the message as stored, so a page can show the masked text.
    shown = posted["message"]
    assert shown["author"] == "customer" and pan not in shown["text"]
    assert id_number not in shown["text"] and shown["text"].startswith("我的卡号 ")
    with db.session() as s:
        bodies = [
            m.body
            for m in s.execute(
                select(Message).where(Message.conversation_id == chat.conversation_id)
            ).scalars()
        ]
    stored = "\n".join(bodies)
    assert pan not in stored and id_number not in stored
    assert re.search(r"0123", stored)  # the last digits stay for reference


def _sign_in(browser: TestClient, customer: Customer) -> None:
    """Sign ``customer`` in on the bank's login page, as the widget sends them to do."""
    login = browser.get("/customer/login", params={"next": "/chat/widget"})
    csrf = re.search(r'name="csrf_token" value="([^"]*)"', login.text)
    assert csrf
    signed = browser.post(
        "/customer/login",
        data={
            "username": customer.username,
            "password": PASSWORD,
            "csrf_token": csrf.group(1).replace("&amp;", "&"),
            "next": "/chat/widget",
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


def test_the_widget_signs_in_and_chats_with_a_first_party_token(
    app: Any, client: TestClient, db: Database
) -> None:
    customer = make_bank_customer(db)
    browser = TestClient(app, base_url="http://testserver")
    page = browser.get("/chat/widget")
    assert page.status_code == 200 and "/chat/static/widget.js" in page.text
    assert '"signedIn": false' in html.unescape(page.text)
    assert "text/event-stream" in browser.get("/chat/static/widget.js").text
    assert browser.get("/chat/static/widget.css").status_code == 200
    assert browser.post("/chat/widget/token").status_code == 401
    _sign_in(browser, customer)
    assert (
        browser.post(
            "/chat/widget/token", headers={"Origin": "https://evil.example.com"}
        ).status_code
        == 403
    )
    issued = browser.post("/chat/widget/token")
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    opened = browser.post(
        "/chat/v1/sessions", json={"channel": "web_widget", "language": "en"}, headers=headers
    )
    assert opened.status_code == 201
    reply = browser.post(
        f"/chat/v1/sessions/{opened.json()['session_id']}/messages",
        json={"text": "how much money do I have"},
        headers=headers,
    )
    assert "available 9333.00 CNY" in reply.json()["replies"][0]["text"]


def test_wendu_chat_against_the_embedded_app(
    db: Database, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wendu.cli import app as cli
    from wendu.config import get_settings

    customer = make_bank_customer(db)
    monkeypatch.setenv("WENDU_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("WENDU_RUN_WORKER_IN_PROCESS", "false")
    monkeypatch.setenv("WENDU_PUBLIC_URL", "http://localhost")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli,
            ["chat", "--customer", customer.customer_id],
            input="你好\n查一下余额\n/quit\n",
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert f"sandbox customer {customer.customer_id}" in result.output
    assert "bot> 您好" in result.output
    assert "可用余额 9333.00 CNY" in result.output
    # The consent the terminal chat obtained ends with it: no stale connected app is left.
    with db.session(write=False) as s:
        statuses = s.execute(
            select(Consent.status)
            .join(Partner, Partner.id == Consent.partner_id)
            .where(Consent.customer_id == customer.customer_id, Partner.name == "wendu chat CLI")
        ).scalars()
        assert list(statuses) == ["CANC"]


def test_wendu_chat_takes_the_sign_in_name_and_refuses_an_unknown_customer(
    db: Database, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`wendu demo` prints a sign-in name (demo00001), so `wendu chat --customer` takes it;
    an unknown customer is a clear usage error, not a traceback (found using the CLI)."""
    from wendu.cli import app as cli
    from wendu.config import get_settings

    customer = make_bank_customer(db)
    monkeypatch.setenv("WENDU_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("WENDU_RUN_WORKER_IN_PROCESS", "false")
    monkeypatch.setenv("WENDU_PUBLIC_URL", "http://localhost")
    get_settings.cache_clear()
    try:
        named = CliRunner().invoke(
            cli, ["chat", "--customer", customer.username], input="查一下余额\n/quit\n"
        )
        unknown = CliRunner().invoke(cli, ["chat", "--customer", "nobody-here"], input="")
    finally:
        get_settings.cache_clear()
    assert named.exit_code == 0, named.output
    assert f"sandbox customer {customer.customer_id}" in named.output
    assert "可用余额 9333.00 CNY" in named.output
    assert unknown.exit_code == 2
    # (rich may wrap the message inside its error box)
    assert "no customer with id" in unknown.output and "nobody-here" in unknown.output
    assert "Traceback" not in unknown.output


def _widget_consents(db: Database, customer_id: str) -> dict[str, str]:
    with db.session(write=False) as s:
        partner = first_party_partner(s)
        assert partner is not None
        return dict(
            s.execute(
                select(Consent.id, Consent.status).where(
                    Consent.partner_id == partner.id, Consent.customer_id == customer_id
                )
            ).all()
        )


def test_a_reload_continues_the_open_widget_chat(app: Any, db: Database) -> None:
    customer = make_bank_customer(db)
    browser = TestClient(app, base_url="http://testserver")
    _sign_in(browser, customer)

    first = browser.post("/chat/widget/token").json()
    assert first["session_id"] is None  # nothing to continue: the page opens a chat
    tab = {"Authorization": f"Bearer {first['access_token']}"}
    chat_id = browser.post(
        "/chat/v1/sessions", json={"channel": "web_widget", "language": "en"}, headers=tab
    ).json()["session_id"]
    said = browser.post(
        f"/chat/v1/sessions/{chat_id}/messages", json={"text": "what's my balance"}, headers=tab
    ).json()

    # The page reloads: the new token continues the same chat on the same consent.
    again = browser.post("/chat/widget/token").json()
    assert again["session_id"] == chat_id
    assert again["access_token"] != first["access_token"]
    assert list(_widget_consents(db, customer.customer_id).values()) == ["AUTH"]
    reloaded = {"Authorization": f"Bearer {again['access_token']}"}
    transcript = browser.get(f"/chat/v1/sessions/{chat_id}/messages", headers=reloaded)
    assert transcript.status_code == 200, transcript.text
    body = transcript.json()
    assert body["status"] == "bot" and body["more"] is False
    assert [(m["author"], m["text"]) for m in body["messages"]] == [
        ("customer", "what's my balance"),
        *[("assistant", r["text"]) for r in said["replies"]],
    ]
    assert "available 9333.00 CNY" in body["messages"][1]["text"]
    # Paging: one at a time, 'more' until the end.
    one = browser.get(
        f"/chat/v1/sessions/{chat_id}/messages", params={"limit": 1}, headers=reloaded
    ).json()
    assert one["more"] is True and [m["id"] for m in one["messages"]] == [body["messages"][0]["id"]]
    rest = browser.get(
        f"/chat/v1/sessions/{chat_id}/messages",
        params={"after": one["messages"][0]["id"]},
        headers=reloaded,
    ).json()
    assert rest["messages"] == body["messages"][1:]
    bad = browser.get(
        f"/chat/v1/sessions/{chat_id}/messages", params={"limit": 0}, headers=reloaded
    )
    assert bad.status_code == 400 and bad.json()["Errors"]

    # The chat goes on with the new token, its state intact; the old tab keeps working.
    browser.post(f"/chat/v1/sessions/{chat_id}/messages", json={"text": "thanks"}, headers=reloaded)
    state = browser.get(f"/chat/v1/sessions/{chat_id}", headers=tab).json()
    assert state["intents"][:1] == ["check_balance"] and len(state["intents"]) == 2

    # Someone else signing in on another browser gets a chat of their own.
    other = TestClient(app, base_url="http://testserver")
    _sign_in(other, make_bank_customer(db))
    assert other.post("/chat/widget/token").json()["session_id"] is None

    # A resolved chat is not continued: the next load starts afresh and the old consent ends.
    with db.session() as s:
        chat = s.get(ChatSession, chat_id)
        assert chat is not None
        conversations.resolve(s, conversations.get_conversation(s, chat.conversation_id))
    fresh = browser.post("/chat/widget/token").json()
    assert fresh["session_id"] is None
    statuses = _widget_consents(db, customer.customer_id)
    assert sorted(statuses.values()) == ["AUTH", "CANC"]
    refused = browser.get(f"/chat/v1/sessions/{chat_id}/messages", headers=reloaded)
    assert refused.status_code in (401, 403), refused.text


def test_a_quiet_or_revoked_widget_chat_is_not_continued(app: Any, db: Database) -> None:
    customer = make_bank_customer(db)
    browser = TestClient(app, base_url="http://testserver")
    _sign_in(browser, customer)

    def open_widget_chat() -> str:
        token = browser.post("/chat/widget/token").json()
        assert token["session_id"] is None
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        opened = browser.post("/chat/v1/sessions", json={"channel": "web_widget"}, headers=headers)
        return str(opened.json()["session_id"])

    # Quiet for longer than RESUME_WITHIN: a new chat.
    quiet = open_widget_chat()
    with db.session() as s:
        chat = s.get(ChatSession, quiet)
        assert chat is not None
        conversation = conversations.get_conversation(s, chat.conversation_id)
        conversation.updated_at = utcnow() - RESUME_WITHIN - timedelta(minutes=1)
    revoked = open_widget_chat()  # (asserts session_id is None)
    assert revoked != quiet

    # Its access revoked from the connected-apps page: never continued.
    with db.session() as s:
        chat = s.get(ChatSession, revoked)
        assert chat is not None
        revoke_connected_app(s, customer.customer_id, chat.consent_id)
    assert open_widget_chat() not in (quiet, revoked)
    assert sorted(_widget_consents(db, customer.customer_id).values()) == ["AUTH", "CANC", "CANC"]
