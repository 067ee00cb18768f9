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


def _status(client: TestClient, chat: Any) -> dict[str, Any]:
    response = client.get(f"/chat/v1/sessions/{chat.session_id}", headers=chat.headers)
    body: dict[str, Any] = response.json()
    return body


def _card_status(db: Database, card_id: str) -> str:
    from wendu.ledger.models import Card

    with db.session(write=False) as s:
        card = s.get(Card, card_id)
        assert card is not None
        return card.status


def test_yes_and_no_in_cantonese_taiwanese_and_with_typos(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    for no in ("唔係", "不用了", "唔使", "nah", "nope"):
        chat.text("我的卡丢了")
        reply = chat.text(no)
        assert any(w in reply for w in ("已取消", "cancelled")), (no, reply)
        assert _card_status(db, customer.card_ids[0]) == "active"
    for yes in ("係", "好呀", "得", "冇問題", "對", "OK", "可以", "yse", "yess", "ye", "ok pls"):
        chat.text("我的卡丢了")
        reply = chat.text(yes)
        assert any(w in reply for w in ("已冻结", "已凍結", "is now frozen")), (yes, reply)
        with db.session() as s:
            from wendu.ledger.models import Card

            card = s.get(Card, customer.card_ids[0])
            assert card is not None
            card.status = "active"


def test_cantonese_yes_files_the_complaint(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    chat = open_chat(client, db, app, settings, make_bank_customer(db))
    assert "确认要登记正式投诉" in chat.text("我要投诉你们的网点服务")
    done = chat.say("係")
    assert "已登記投訴" in done["replies"][0]["text"]  # to a Cantonese writer, in Traditional
    assert done["status"] in ("queued", "assigned")


def test_english_typos_in_requests_are_understood(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    chat = open_chat(client, db, app, settings, make_bank_customer(db), language="en")
    assert "available" in chat.text("whats my balanse")
    assert "Shall I freeze" in chat.text("fraze my card")
    assert "cancelled" in chat.text("nah")
    assert "transactions" in chat.text("recnt transactions")


def test_an_interrupted_task_is_resumed_and_still_confirmed(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db, cards=2)
    chat = open_chat(client, db, app, settings, customer)
    last4 = customer.card_last4[1]
    assert "确认要立即冻结" in chat.text(f"尾号{last4}的卡丢了")
    assert "可用余额" in chat.text("先帮我查一下余额")
    back = chat.text("好，那张卡还是冻结吧")
    assert "回到刚才的“冻结卡片”" in back and f"确认要立即冻结尾号 {last4}" in back
    assert _card_status(db, customer.card_ids[1]) == "active"
    assert "已冻结" in chat.text("是")
    assert _card_status(db, customer.card_ids[1]) == "frozen"
    # English, from the "which card?" question, naming the card when coming back.
    customer = make_bank_customer(db, cards=2)
    chat = open_chat(client, db, app, settings, customer, language="en")
    other = customer.card_last4[0]
    assert "Which one" in chat.text("I lost my card")
    assert "transactions" in chat.text("show my recent transactions")
    back = chat.text(f"ok go ahead and freeze it then, the one ending {other}")
    assert 'back to "freezing a card"' in back and f"freeze the card ending {other}" in back
    assert _status(client, chat)["pending"] is not None


def test_follow_ups_reuse_the_previous_task(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db, cards=2)
    with db.session() as s:
        from datetime import UTC, datetime, timedelta

        from factories import add_transaction
        from wendu.ledger.models import Account, Merchant

        taobao = Merchant(name="Taobao", name_zh="淘宝", mcc="5311", category="shopping")
        s.add(taobao)
        s.flush()
        account = s.get(Account, customer.account_ids[0])
        assert account is not None
        add_transaction(s, account, -8_800, booked_at=datetime.now(UTC) - timedelta(days=4),
                        description="Taobao order", merchant_id=taobao.id)  # fmt: skip
    chat = open_chat(client, db, app, settings, customer)
    assert "Starbucks" in chat.text("最近在星巴克花了多少钱")
    reply = chat.text("那Taobao呢")
    assert "88.00" in reply and "Starbucks" not in reply and "Salary" not in reply
    reply = chat.text("那Supermarket呢")  # no such merchant: said so, not everything listed
    assert "Supermarket" in reply and "Salary" not in reply
    chat = open_chat(client, db, app, settings, customer, language="en")
    first = customer.card_last4[0]
    assert f"ending {first}" in chat.text(f"my card ending {first} was stolen")
    assert "is now frozen" in chat.text("yes")
    other = chat.text("and the other card?")
    assert f"freeze the card ending {customer.card_last4[1]}" in other


def test_a_card_not_among_the_customers_is_said_so(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    wrong = "0000" if customer.card_last4[0] != "0000" else "9999"
    reply = chat.text(f"尾号{wrong}的卡丢了")
    assert "没有找到" in reply and wrong in reply and customer.card_last4[0] in reply
    assert _status(client, chat)["pending"] is None
    picked = chat.text(customer.card_last4[0])
    assert f"确认要立即冻结尾号 {customer.card_last4[0]}" in picked or (
        f"Shall I freeze the card ending {customer.card_last4[0]}" in picked
    )


def _ensure_teams(db: Database) -> None:
    """The demo bank's four teams (routing picks among every team in the database)."""
    from wendu.demo.helpdesk_script import TEAMS
    from wendu.helpdesk.models import Team

    with db.session() as s:
        for spec in TEAMS:
            if s.get(Team, spec.id) is None:
                s.add(
                    Team(
                        id=spec.id,
                        name=spec.name,
                        name_zh=spec.name_zh,
                        languages=list(spec.languages),
                        product_areas=list(spec.product_areas),
                    )
                )


def _team_areas(db: Database, team_id: str | None) -> list[str]:
    from wendu.helpdesk.models import Team

    assert team_id is not None
    with db.session(write=False) as s:
        team = s.get(Team, team_id)
        assert team is not None
        return list(team.product_areas)


def test_tickets_and_hand_offs_go_to_the_team_of_the_topic(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    _ensure_teams(db)
    customer = make_bank_customer(db)
    # A lost card, then a person: the cards team.
    chat = open_chat(client, db, app, settings, customer)
    chat.text("我的卡丢了")
    chat.text("不用了")
    assert chat.say("我要转人工")["status"] in ("queued", "assigned")
    with db.session(write=False) as s:
        conversation = s.get(Conversation, chat.conversation_id)
        assert conversation is not None
        team = conversation.team_id
    assert "debit_card" in _team_areas(db, team)
    # A complaint: the ticket has the classifier's category, it and the chat go to complaints.
    chat = open_chat(client, db, app, settings, customer)
    chat.text("我要投诉你们的网点服务")
    chat.text("是")
    with db.session(write=False) as s:
        conversation = s.get(Conversation, chat.conversation_id)
        assert conversation is not None
        ticket = s.execute(
            select(Ticket).where(Ticket.conversation_id == chat.conversation_id)
        ).scalar_one()
        assert ticket.kind == "complaint" and ticket.category
        assert ticket.category == (ticket.suggestion or {}).get("category")
        team, ticket_team = conversation.team_id, ticket.team_id
    assert "complaint" in _team_areas(db, team) and ticket_team == team
    # A transfer trace ticket: payments.
    chat = open_chat(client, db, app, settings, customer, language="en")
    assert "trace ticket" in chat.text("my transfer to Li Hua has not arrived")
    assert "opened ticket" in chat.text("yes")
    with db.session(write=False) as s:
        ticket = s.execute(
            select(Ticket).where(Ticket.conversation_id == chat.conversation_id)
        ).scalar_one()
        assert ticket.category and ticket.category.startswith(ticket.suggestion["product"])  # type: ignore[index]
        team = ticket.team_id
        product = ticket.category.split(".")[0]
    assert product in _team_areas(db, team)


def test_a_hand_off_goes_to_the_team_the_message_names(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    _ensure_teams(db)
    chat = open_chat(client, db, app, settings, make_bank_customer(db), language="en")
    handed = chat.say("I need to speak to someone about my mortgage")
    assert handed["status"] in ("queued", "assigned")
    with db.session(write=False) as s:
        conversation = s.get(Conversation, chat.conversation_id)
        assert conversation is not None
        team = conversation.team_id
    assert "wealth" in _team_areas(db, team)


def test_naming_an_app_or_agreeing_to_freeze_starts_the_task_still_confirmed(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    from assistant.chatkit import consent_token, make_partner
    from wendu.identity.models import Consent

    customer = make_bank_customer(db)
    consents = []
    for name in ("薪资宝", "記帳達人"):
        _, client_id = make_partner(db, name=name)
        consents.append(consent_token(db, app, settings, customer, client_id)[1])
    chat = open_chat(client, db, app, settings, customer, first_party=True)
    assert "确认要解除“薪资宝”的授权吗" in chat.text("我不想让薪资宝再看我的账户了")
    assert "已解除" in chat.text("对，解除吧")
    asked = chat.text("我想取消記帳達人的授權")
    assert "記帳達人" in asked and ("確認" in asked or "确认" in asked)
    assert "解除" in chat.text("是的")
    with db.session(write=False) as s:
        assert {s.get(Consent, c).status for c in consents} == {"CANC"}  # type: ignore[union-attr]
    # A yes with a freeze in it, with nothing pending, starts the freeze (to be confirmed).
    assert f"冻结尾号 {customer.card_last4[0]}" in chat.text("对，先冻结")


def test_warm_start_loads_the_models_while_the_app_starts(db: Database, settings: Any) -> None:
    from wendu.app import create_app
    from wendu.assistant.nlu.spelling import default_corrector

    lazy = create_app(settings.model_copy(update={"warm_start": False}), database=db)
    warm = create_app(settings.model_copy(update={"warm_start": True}), database=db)
    assert len(warm.state.on_startup) == len(lazy.state.on_startup) + 1
    with TestClient(warm) as started:
        assert started.get("/health").status_code == 200
        assert default_corrector.cache_info().currsize == 1  # loaded before any chat
