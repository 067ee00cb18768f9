"""The assistant hands a chat to a person on calibrated anger, and only then; the helpdesk
scores the customer's own messages with the same model."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from assistant.chatkit import make_bank_customer, open_chat
from wendu.db import Database
from wendu.helpdesk.models import Conversation, Message


def _conversation(db: Database, conversation_id: str) -> Conversation:
    with db.session() as s:
        row = s.get(Conversation, conversation_id)
        assert row is not None
        s.expunge(row)
        return row


def test_two_neutral_fee_questions_stay_with_the_assistant(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    # Both used to score about -0.5 and the second handed the chat off with reason "anger".
    chat = open_chat(client, db, app, settings, make_bank_customer(db))
    for text in ("跨行转账要收手续费吗", "在别的银行ATM取钱收不收费", "那境外取现呢，收多少钱"):
        body = chat.say(text)
        assert body["status"] == "bot", (text, body)
        assert body["sentiment"]["emotion"] != "angry", (text, body["sentiment"])
    row = _conversation(db, chat.conversation_id)
    assert row.status == "bot" and row.handoff_reason is None


def test_calm_complaints_in_english_stay_with_the_assistant(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    chat = open_chat(client, db, app, settings, make_bank_customer(db), language="en")
    for text in ("Is there a fee for using another bank's ATM?", "That fee seems a bit high to me"):
        body = chat.say(text)
        assert body["status"] == "bot", (text, body)
    assert _conversation(db, chat.conversation_id).handoff_reason is None


def test_an_angry_outburst_goes_to_a_person(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    chat = open_chat(client, db, app, settings, make_bank_customer(db))
    chat.say("跨行转账要收手续费吗")
    angry = chat.say("你们这帮骗子！！又乱扣我的钱，气死我了")
    assert angry["sentiment"]["emotion"] == "angry"
    assert angry["sentiment"]["anger"] >= 0.85
    assert angry["status"] in ("queued", "assigned")
    row = _conversation(db, chat.conversation_id)
    # "anger", or "complaint" when the NLU also read a complaint (the agent files it)
    assert row.handoff_reason in ("anger", "complaint")
    assert row.priority == "high"
    assert (row.handoff_context or {})["sentiment"]["last"]["emotion"] == "angry"


def test_helpdesk_channel_messages_carry_sentiment(client: TestClient, db: Database) -> None:
    started = client.post(
        "/helpdesk/v1/channel/conversations",
        json={"channel": "web_widget", "language": "zh", "body": "在别的银行ATM取钱收不收费"},
    )
    assert started.status_code == 201, started.text
    conversation_id, token = started.json()["conversation_id"], started.json()["token"]
    angry = client.post(
        f"/helpdesk/v1/channel/conversations/{conversation_id}/messages",
        json={"body": "垃圾银行，再乱扣钱我就去监管投诉你们！！"},
        headers={"X-Conversation-Token": token},
    )
    assert angry.status_code == 201, angry.text
    with db.session() as s:
        messages = list(
            s.query(Message).filter_by(conversation_id=conversation_id).order_by(Message.id)
        )
        conversation = s.get(Conversation, conversation_id)
        assert conversation is not None
        assert [m.emotion for m in messages] == ["neutral", "angry"]
        question, outburst = (m.sentiment for m in messages)
        assert question is not None and outburst is not None
        assert question > -0.5 and outburst < -0.5
        assert conversation.sentiment is not None and conversation.sentiment < question
