"""Channels: the partner chat API with server-sent events, masking, the widget and `wendu chat`."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from assistant.chatkit import PASSWORD, make_bank_customer, open_chat
from wendu.db import Database
from wendu.helpdesk.models import Message


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
