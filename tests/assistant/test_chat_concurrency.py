"""Messages sent at the same moment in one chat are handled one after another.

Each turn reads the chat's dialogue state, runs NLU and flows (HTTP calls to the API) and
stores the new state; two turns that overlap would both start from the same state and the
later write would win. Here 8 messages hit one chat at once over HTTP and every one of them
must be in the transcript once, followed by its own replies, in the order of its number.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.chatkit import make_bank_customer, open_chat
from wendu.assistant.channels import service
from wendu.assistant.dialogue.models import ChatSession
from wendu.db import Database, utcnow
from wendu.helpdesk.models import Message

TEXTS = [
    "what's my balance",
    "how much money do I have",
    "hello",
    "show my recent transactions",
    "查一下余额",
    "我的余额是多少",
    "你好",
    "最近的交易记录",
]


@pytest.mark.parametrize("processes", ["one", "many"])
def test_concurrent_messages_in_one_chat_are_serialised(
    app: FastAPI,
    client: TestClient,
    db: Database,
    settings: Any,
    processes: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if processes == "many":
        # As if every message reached a different server process: no in-process lock
        # serialises them, only the lease in the database does.
        monkeypatch.setattr(service, "_local_lock", lambda chat_id: asyncio.Lock())
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer, language="en")
    url = f"/chat/v1/sessions/{chat.session_id}/messages"

    async def fire() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            calls = [
                http.post(url, json={"text": text}, headers=chat.headers, timeout=120)
                for text in TEXTS
            ]
            return await asyncio.wait_for(asyncio.gather(*calls), timeout=300)

    responses = asyncio.run(fire())
    assert [r.status_code for r in responses] == [200] * len(TEXTS), [r.text for r in responses]
    bodies = [r.json() for r in responses]

    # Every message got its own number: unique and contiguous from 1.
    by_seq = sorted(bodies, key=lambda b: b["seq"])
    assert [b["seq"] for b in by_seq] == list(range(1, len(TEXTS) + 1))
    assert sorted(b["message"]["text"] for b in bodies) == sorted(TEXTS)
    assert all(b["replies"] for b in bodies), "every message is answered"

    with db.session(write=False) as s:
        transcript = list(
            s.execute(
                select(Message)
                .where(Message.conversation_id == chat.conversation_id)
                .order_by(Message.id)
            ).scalars()
        )
        stored = s.get(ChatSession, chat.session_id)
        assert stored is not None
        state, turns, seq = stored.state, stored.turns, stored.seq
        lease_owner = stored.lease_owner

    # The transcript is the turns one after another: each customer message exactly once,
    # then its replies, never interleaved with another turn, in the order of the numbers.
    expected_ids = [
        i for b in by_seq for i in [b["message"]["id"], *(r["id"] for r in b["replies"])]
    ]
    assert [m.id for m in transcript] == expected_ids
    customer_lines = [m.body for m in transcript if m.author_type == "customer"]
    assert customer_lines == [b["message"]["text"] for b in by_seq]
    assert sorted(customer_lines) == sorted(TEXTS)
    for b in by_seq:
        assert all(r["author"] == "assistant" for r in b["replies"])

    # The dialogue state saw all 8 turns, in order: no update was lost.
    assert turns == len(TEXTS) and seq == len(TEXTS)
    assert state["intents"] == [b["intent"] for b in by_seq]
    assert len(state["sentiments"]) == len(TEXTS)
    assert lease_owner is None, "the last turn handed the chat back"

    # The chat keeps working normally afterwards.
    follow_up = chat.say("what's my balance")
    assert follow_up["seq"] == len(TEXTS) + 1 and "available" in follow_up["replies"][0]["text"]


def _hold_lease(db: Database, chat_id: str, owner: str, until: timedelta) -> None:
    with db.session() as s:
        chat = s.get(ChatSession, chat_id)
        assert chat is not None
        chat.lease_owner = owner
        chat.lease_until = utcnow() + until


def test_a_message_waits_for_a_turn_held_elsewhere_and_is_refused_when_it_never_ends(
    app: FastAPI, client: TestClient, db: Database, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer, language="en")
    assert chat.say("hello")["seq"] == 1
    # Another process is in the middle of a turn: this message may not start its own.
    _hold_lease(db, chat.session_id, "another-process", timedelta(minutes=1))
    monkeypatch.setattr(service, "WAIT_FOR_TURN", 0.0)
    refused = client.post(
        f"/chat/v1/sessions/{chat.session_id}/messages",
        json={"text": "what's my balance"},
        headers=chat.headers,
    )
    assert refused.status_code == 409, refused.text
    with db.session(write=False) as s:
        stored = s.get(ChatSession, chat.session_id)
        assert stored is not None
        assert (stored.seq, stored.turns, stored.lease_owner) == (1, 1, "another-process")
        customer_lines = s.execute(
            select(Message.body).where(
                Message.conversation_id == chat.conversation_id, Message.author_type == "customer"
            )
        ).scalars()
        assert list(customer_lines) == ["hello"], "a refused message is not stored"


def test_a_turn_that_died_does_not_block_the_chat_for_ever(
    app: FastAPI, client: TestClient, db: Database, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer, language="en")
    # A process died mid-turn: its lease has expired, so the next message goes ahead.
    _hold_lease(db, chat.session_id, "dead-process", -timedelta(seconds=1))
    answered = chat.say("what's my balance")
    assert answered["seq"] == 1 and "available" in answered["replies"][0]["text"]
    with db.session(write=False) as s:
        stored = s.get(ChatSession, chat.session_id)
        assert stored is not None and stored.lease_owner is None and stored.turns == 1


def test_a_failed_turn_gives_the_chat_back(
    app: FastAPI, client: TestClient, db: Database, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer, language="en")

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the flows failed")

    with monkeypatch.context() as patched:
        patched.setattr(service, "_run_turn", broken)
        failed = TestClient(app, raise_server_exceptions=False).post(
            f"/chat/v1/sessions/{chat.session_id}/messages",
            json={"text": "hello"},
            headers=chat.headers,
        )
        assert failed.status_code == 500
    with db.session(write=False) as s:
        stored = s.get(ChatSession, chat.session_id)
        assert stored is not None and stored.lease_owner is None
    assert chat.say("what's my balance")["seq"] == 2
