"""Dialogue behaviour over HTTP: small talk, topic changes, fallbacks, hand-off and hand-back."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from assistant.chatkit import make_bank_customer, open_chat
from wendu.assistant.dialogue.texts import say
from wendu.db import Database
from wendu.helpdesk import conversations
from wendu.helpdesk.models import Conversation


def _conversation(db: Database, conversation_id: str) -> dict[str, Any]:
    with db.session() as s:
        row = s.get(Conversation, conversation_id)
        assert row is not None
        return {
            "status": row.status,
            "reason": row.handoff_reason,
            "context": row.handoff_context or {},
        }


def test_small_talk_in_both_languages(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    chat = open_chat(client, db, app, settings, make_bank_customer(db))
    assert "您好" in chat.text("你好")
    assert "Hello" in chat.text("hi there")
    assert "You're welcome" in chat.text("thanks a lot")
    assert "再见" in chat.text("再见")


def test_topic_change_mid_task_abandons_the_pending_action(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db, cards=2)
    chat = open_chat(client, db, app, settings, customer)
    assert "哪一张" in chat.text("我的卡被偷了")
    state = client.get(f"/chat/v1/sessions/{chat.session_id}", headers=chat.headers).json()
    assert state["flow"] == "freeze_card"
    switched = chat.text("先帮我查一下余额")
    assert "先放下刚才的“冻结卡片”" in switched and "可用余额" in switched
    state = client.get(f"/chat/v1/sessions/{chat.session_id}", headers=chat.headers).json()
    assert state["flow"] is None and state["pending"] is None
    # In English, with a confirmation pending.
    assert "Shall I freeze" in chat.text(f"my card ending {customer.card_last4[0]} is lost")
    switched = chat.text("show my recent transactions")
    assert 'leaving "freezing a card" aside' in switched and "transactions" in switched


def test_a_refusal_that_asks_for_something_else_goes_on_with_it(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    last4 = customer.card_last4[0]
    assert "确认要立即冻结" in chat.text("我的卡丢了")
    reply = chat.text("算了，先帮我查一下余额")
    assert "已取消" in reply and "可用余额" in reply
    state = client.get(f"/chat/v1/sessions/{chat.session_id}", headers=chat.headers).json()
    assert state["pending"] is None and state["flow"] is None
    assert _card_status(db, customer.card_ids[0]) == "active"
    # English, and a refusal that says nothing new ends at "cancelled".
    assert "Shall I freeze" in chat.text(f"my card ending {last4} is lost")
    reply = chat.text("no, show my recent transactions")
    assert "cancelled" in reply and "transactions" in reply.split("cancelled", 1)[1]
    assert "Shall I freeze" in chat.text(f"my card ending {last4} is lost")
    assert chat.text("no thanks") == "OK, cancelled. Nothing was changed."
    assert _card_status(db, customer.card_ids[0]) == "active"


def test_a_card_can_be_picked_by_its_place_in_the_list(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db, cards=2)
    chat = open_chat(client, db, app, settings, customer)
    for lost, which, place in (
        ("我的卡丢了", "第二张", 1),
        ("I lost my card", "the first one", 0),
        ("my card was stolen", "yes", None),  # no answer: asked again, still in the task
        ("my card was stolen", "the last one", 1),
    ):
        listed = chat.text(lost)
        order = re.findall(r"\d{4}", listed)
        assert sorted(order) == sorted(customer.card_last4), listed
        reply = chat.text(which)
        if place is None:
            assert "Which one should I freeze" in reply, reply
            state = client.get(f"/chat/v1/sessions/{chat.session_id}", headers=chat.headers)
            assert state.json()["flow"] == "freeze_card"
            chat.text("no")
            continue
        assert order[place] in reply and ("Shall I freeze" in reply or "确认要立即冻结" in reply)
        chat.text("no")
    assert {_card_status(db, card) for card in customer.card_ids} == {"active"}


def _card_status(db: Database, card_id: str) -> str:
    from wendu.ledger.models import Card

    with db.session(write=False) as s:
        card = s.get(Card, card_id)
        assert card is not None
        return card.status


def test_off_topic_is_declined_and_only_repeated_misunderstandings_offer_a_person(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    chat = open_chat(client, db, app, settings, make_bank_customer(db), language="en")
    for text in ("what's the weather tomorrow", "tell me a joke", "推荐个好吃的餐厅", "讲个笑话"):
        declined = chat.say(text)
        assert declined["status"] == "bot", text
        assert (
            "can't help with that" in declined["replies"][0]["text"]
            or "帮不上忙" in (declined["replies"][0]["text"])
        )
    first = chat.say("something about my money")
    assert first["status"] == "bot" and "rephrase" in first["replies"][0]["text"]
    second = chat.say("card thing")
    assert second["status"] == "bot" and "Shall I?" in second["replies"][0]["text"]
    # The customer decides: no, and nothing is handed off; asked again and yes, it is.
    assert "Feel free to ask again" in chat.text("no")
    chat.say("something about my money")
    chat.say("card thing")
    handed = chat.say("yes please")
    assert handed["status"] in ("queued", "assigned")
    assert "colleague" in handed["replies"][0]["text"]
    assert _conversation(db, chat.conversation_id)["reason"] == "fallbacks"


def test_customer_asks_for_a_person_then_the_agent_hands_back(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    chat = open_chat(client, db, app, settings, make_bank_customer(db))
    chat.say("查一下余额")
    asked = chat.say("我要转人工")
    assert asked["status"] in ("queued", "assigned") and "人工" in asked["replies"][0]["text"]
    handed = _conversation(db, chat.conversation_id)
    assert handed["reason"] == "customer_asked"
    assert handed["context"]["intents"] == ["check_balance", "talk_to_human"]
    assert set(handed["context"]) >= {"intents", "slots", "sentiment", "summary"}
    # While queued for a person, the assistant says so once and relays the messages.
    queued = _conversation(db, chat.conversation_id)["status"] == "queued"
    first = chat.say("你好？")["replies"]
    assert [r["text"] for r in first] == ([say("queued_ack", "zh")] if queued else [])
    assert chat.say("还在吗？")["replies"] == []
    with db.session() as s:
        row = s.get(Conversation, chat.conversation_id)
        assert row is not None
        conversations.add_message(s, row, author_type="agent", body="您好，我是客服小李。")
    stream = client.get(
        f"/chat/v1/sessions/{chat.session_id}/events", params={"wait": 0}, headers=chat.headers
    ).text
    assert "客服小李" in stream
    with db.session() as s:
        row = s.get(Conversation, chat.conversation_id)
        assert row is not None
        conversations.hand_back_to_assistant(s, row)
    resumed = chat.text("帮我查一下余额")
    assert "我回来了" in resumed and "可用余额" in resumed


def test_rising_anger_hands_off(client: TestClient, db: Database, app: Any, settings: Any) -> None:
    chat = open_chat(client, db, app, settings, make_bank_customer(db))
    chat.say("查一下余额")
    angry = chat.say("你们这什么破银行！！！我的余额怎么又少了")
    assert angry["sentiment"]["emotion"] == "angry"
    assert angry["status"] in ("queued", "assigned")
    assert "马上为您转接人工" in angry["replies"][0]["text"]
    handed = _conversation(db, chat.conversation_id)
    assert handed["reason"] == "anger"
    assert handed["context"]["sentiment"]["last"]["emotion"] == "angry"
    assert handed["context"]["sentiment"]["trend"][-1] <= -0.8


def test_an_angry_complaint_goes_to_a_person_at_once(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    chat = open_chat(client, db, app, settings, make_bank_customer(db), language="en")
    angry = chat.say("This is UNACCEPTABLE!!! I want to make a complaint")
    assert angry["status"] in ("queued", "assigned")
    handed = _conversation(db, chat.conversation_id)
    assert handed["reason"] == "complaint"
    assert handed["context"]["intents"] == ["make_complaint"]


def test_faq_answers_quote_and_link_the_article(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    from wendu.assistant.knowledge import answer
    from wendu.assistant.knowledge.service import load_shipped

    with db.session() as s:
        load_shipped(s)
    chat = open_chat(client, db, app, settings, make_bank_customer(db), language="en")
    for question, language in (
        ("How long does it take for my new card to arrive?", "en"),
        ("我的新卡多久能寄到？", "zh"),
    ):
        with db.session() as s:
            expected = answer(s, question, language)
        assert expected is not None
        reply = chat.say(question)
        assert reply["intent"] in ("card_arrival", "card_delivery_estimate")
        text = reply["replies"][0]["text"]
        assert expected.quote in text and expected.url in text


def test_another_api_process_continues_the_chat(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    from wendu.app import create_app
    from wendu.ledger.models import Card

    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer, language="en")
    assert "Shall I freeze" in chat.text("my card was stolen")
    # A second app instance (another process behind the load balancer) gets the answer.
    with TestClient(create_app(settings, database=db)) as other:
        response = other.post(
            f"/chat/v1/sessions/{chat.session_id}/messages",
            json={"text": "yes"},
            headers=chat.headers,
        )
    assert "is now frozen" in response.json()["replies"][0]["text"]
    with db.session() as s:
        assert s.get(Card, customer.card_ids[0]).status == "frozen"  # type: ignore[union-attr]
