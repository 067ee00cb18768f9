"""What customers rely on, through the real chat API: card data masked in everything stored,
yes/no in every variety, off-topic declined, every message answered, resuming and follow-ups,
tickets and hand-offs routed to the topic's team."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.chatkit import make_bank_customer, open_chat
from wendu.assistant.dialogue.models import ChatSession
from wendu.db import Database
from wendu.helpdesk.models import Conversation, Message, Ticket


def _stored_texts(db: Database, chat_id: str, conversation_id: str) -> str:
    """Everything stored about the chat: transcript, tickets, hand-off context, state."""
    with db.session(write=False) as s:
        parts = [
            m.body
            for m in s.execute(
                select(Message).where(Message.conversation_id == conversation_id)
            ).scalars()
        ]
        for ticket in s.execute(
            select(Ticket).where(Ticket.conversation_id == conversation_id)
        ).scalars():
            parts += [ticket.subject, ticket.description or ""]
        conversation = s.get(Conversation, conversation_id)
        assert conversation is not None
        parts.append(json.dumps(conversation.handoff_context or {}, ensure_ascii=False))
        chat = s.get(ChatSession, chat_id)
        assert chat is not None
        parts.append(json.dumps(chat.state, ensure_ascii=False))
    return "\n".join(parts)


def test_security_codes_and_expiry_dates_are_masked_in_everything_stored(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    # A dispute ticket quotes the customer; a complaint hands off with a summary.
    chat = open_chat(client, db, app, settings, customer, language="en")
    asked = chat.text("I don't recognise a card payment, card 4111111111111111 exp 12/28 cvv 123")
    assert "ticket" in asked
    assert "opened ticket" in chat.text("yes")
    chat.say("my CVV: 456, the three digits on the back")
    stored = _stored_texts(db, chat.session_id, chat.conversation_id)
    assert "4111111111111111" not in stored and "************1111" in stored
    for secret in ("12/28", "cvv 123", "456"):
        assert secret not in stored, secret
    assert "exp **/** cvv ***" in stored
    chat = open_chat(client, db, app, settings, customer)
    first = chat.say("我要投诉你们的客服，态度太差了，有效期12/28 安全码321")
    if first["status"] == "bot":  # asked to confirm the complaint (or angry: handed off)
        assert chat.say("是")["status"] in ("queued", "assigned")
    chat.say("背面三位数是789")
    stored = _stored_texts(db, chat.session_id, chat.conversation_id)
    for secret in ("12/28", "321", "789"):
        assert secret not in stored, secret
    assert "有效期**/** 安全码***" in stored
