"""Task flows end to end over HTTP, in Chinese and English, through the customer's consent."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.chatkit import consent_token, make_bank_customer, make_partner, open_chat
from wendu.assistant.dialogue.texts import say
from wendu.assistant.flows.clock import BankClock
from wendu.db import Database
from wendu.helpdesk.models import Conversation, Ticket
from wendu.identity.models import Consent
from wendu.ledger.models import Card

AISP = "/open-banking/v4.0/aisp"


def test_balance_in_both_languages(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    zh = chat.say("查一下我的余额")
    assert zh["intent"] == "check_balance" and zh["language"] == "zh"
    assert "可用余额 9333.00 CNY" in zh["replies"][0]["text"]  # 10000 - 38 - 129 - 500
    en = chat.text("what's my balance?")
    assert "available 9333.00 CNY" in en
    assert "available 2000.00 CNY" in en


def test_transactions_filtered_by_merchant_and_date(
    client: TestClient, db: Database, app: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pinned at 16:30 UTC, already tomorrow in Shanghai: "昨天" is the bank's local
    # yesterday whatever the hour the suite runs (see test_spending for every hour).
    now = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)
    clock = BankClock(ZoneInfo(settings.timezone), lambda: now)
    monkeypatch.setattr(app.state, "assistant_clock", clock, raising=False)
    customer = make_bank_customer(db, now=now)
    chat = open_chat(client, db, app, settings, customer)
    zh = chat.text("昨天在星巴克花了多少")
    assert "找到 1 笔交易" in zh and "38.00" in zh and "129.00" not in zh
    en = chat.text("show my transactions at Starbucks")
    assert "I found 1 transactions at Starbucks" in en and "-38.00 CNY" in en
    # "How much did I spend": a filtered list carries its sums.
    assert "合计：支出 38.00 CNY，收入 0.00 CNY" in zh
    assert "In total: out 38.00 CNY, in 0.00 CNY" in en
    everything = chat.text("show my recent transactions")
    assert "129.00" in everything and "500.00" in everything
    assert "In total" not in everything


def test_totals_are_per_currency_and_exact() -> None:
    from wendu.assistant.flows.tasks import totals

    def txn(amount: str, currency: str, side: str) -> dict[str, Any]:
        return {"Amount": {"Amount": amount, "Currency": currency}, "CreditDebitIndicator": side}

    rows = [
        txn("0.10", "CNY", "Debit"),
        txn("0.20", "CNY", "Debit"),
        txn("12.00", "USD", "Credit"),
        txn("100.00", "CNY", "Credit"),
    ]
    assert totals(rows, "en") == "out 0.30 CNY, in 100.00 CNY; out 0.00 USD, in 12.00 USD"
    assert totals(rows, "zh") == "支出 0.30 CNY，收入 100.00 CNY；支出 0.00 USD，收入 12.00 USD"


def test_freeze_card_needs_confirmation(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    last4 = customer.card_last4[0]
    ask = chat.text("我的卡丢了")
    assert f"尾号 {last4}" in ask and "是" in ask
    with db.session() as s:
        assert s.get(Card, customer.card_ids[0]).status == "active"  # type: ignore[union-attr]
    assert "已冻结" in chat.text("是的")
    with db.session() as s:
        assert s.get(Card, customer.card_ids[0]).status == "frozen"  # type: ignore[union-attr]


def test_freeze_card_in_english_asks_which_card_and_can_be_declined(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db, cards=2)
    chat = open_chat(client, db, app, settings, customer, language="en")
    ask = chat.text("I lost my card")
    assert "Which one" in ask and all(d in ask for d in customer.card_last4)
    confirm = chat.text(f"the one ending {customer.card_last4[1]}")
    assert f"ending {customer.card_last4[1]}" in confirm
    assert "cancelled" in chat.text("no")
    with db.session() as s:
        cards = s.execute(select(Card).where(Card.id.in_(customer.card_ids))).scalars()
        assert {c.status for c in cards} == {"active"}


def test_revoke_a_connected_app(client: TestClient, db: Database, app: Any, settings: Any) -> None:
    customer = make_bank_customer(db)
    _, other_client = make_partner(db, name="PennyWise Budgeting")
    other_token, other_consent = consent_token(db, app, settings, customer, other_client)
    other = {"Authorization": f"Bearer {other_token}"}
    assert client.get(f"{AISP}/accounts", headers=other).status_code == 200
    # A partner's chat never sees (nor revokes) another partner's access.
    partner_chat = open_chat(client, db, app, settings, customer, language="en")
    assert "no connected apps" in partner_chat.text("revoke access for PennyWise Budgeting")
    chat = open_chat(client, db, app, settings, customer, language="en", first_party=True)
    ask = chat.text("revoke access for PennyWise Budgeting")
    assert 'revoke "PennyWise Budgeting"' in ask
    assert "no longer has access" in chat.text("yes")
    assert client.get(f"{AISP}/accounts", headers=other).status_code == 401
    with db.session() as s:
        assert s.get(Consent, other_consent).status == "CANC"  # type: ignore[union-attr]
    # The chat's own consent is untouched: the assistant still works.
    assert "available" in chat.text("what is my balance")


def test_revoke_in_chinese_lists_apps_then_takes_a_number(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    _, first = make_partner(db, name="记账本")
    _, second = make_partner(db, name="理财通")
    consent_token(db, app, settings, customer, first)
    _, second_consent = consent_token(db, app, settings, customer, second)
    chat = open_chat(client, db, app, settings, customer, first_party=True)
    listing = chat.text("我授权了哪些应用")
    assert "记账本" in listing and "理财通" in listing
    assert "理财通" in chat.text("解除理财通")
    assert "已解除" in chat.text("确认")
    with db.session() as s:
        assert s.get(Consent, second_consent).status == "CANC"  # type: ignore[union-attr]


def test_cancel_the_first_one_picks_the_app_and_a_bare_yes_changes_nothing(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    consents = []
    for name in ("记账本", "理财通"):
        _, client_id = make_partner(db, name=name)
        consents.append(consent_token(db, app, settings, customer, client_id)[1])
    chat = open_chat(client, db, app, settings, customer, first_party=True)
    listing = chat.text("我授权了哪些应用")
    first = re.search(r"1\. ([^;；。]+)", listing)
    assert first, listing
    # "取消" here means revoke, not "never mind": the first app is picked, to be confirmed.
    assert f"确认要解除“{first.group(1).strip()}”的授权吗" in chat.text("取消第一个")
    assert "已取消" in chat.text("不")
    # Nothing waits for an answer now: a bare yes is acknowledged and changes nothing. A
    # bare "yes" says nothing about the writer's language: the chat stays in Chinese.
    assert chat.text("好的") == "好的。还有什么可以帮您？"
    assert chat.text("yes") == "好的。还有什么可以帮您？"
    with db.session() as s:
        assert {s.get(Consent, c).status for c in consents} == {"AUTH"}  # type: ignore[union-attr]


def test_refused_politely_when_the_consent_lacks_the_permission(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer, permissions=["ReadAccountsBasic"])
    zh = chat.say("查一下余额")
    assert zh["intent"] == "check_balance"
    assert "权限不包含这项操作（查询余额）" in zh["replies"][0]["text"]
    en = chat.text("show me my last transactions")
    assert "does not cover this (reading transactions)" in en
    # The API itself refused: the same token gets 403 on balances.
    assert client.get(f"{AISP}/balances", headers=chat.headers).status_code == 403


def test_trace_a_transfer_and_open_a_ticket(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    found = chat.text("我转账给朋友，对方没收到")
    assert "500.00 CNY" in found and "已完成入账" in found
    created = chat.text("好的")
    assert "已为您创建工单" in created
    with db.session() as s:
        ticket = s.execute(select(Ticket).where(Ticket.conversation_id == chat.conversation_id))
        row = ticket.scalar_one()
        assert row.kind == "request" and "Transfer trace" in row.subject
        assert row.customer_id == customer.customer_id


def test_refund_request_creates_a_ticket_in_english(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer, language="en")
    found = chat.text("I want a refund for the 129 yuan charge")
    assert "129.00 CNY" in found and "Supermarket" in found
    assert "I've opened ticket" in chat.text("yes please do")
    with db.session() as s:
        rows = s.execute(select(Ticket).where(Ticket.conversation_id == chat.conversation_id))
        ticket = rows.scalar_one()
        assert ticket.kind == "request" and "129.00" in ticket.subject


def test_product_inquiry_reads_the_catalogue(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    from factories import make_product

    with db.session() as s:
        make_product(s)
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    assert "稳盈理财" in chat.text("你们有什么理财产品")
    assert "Steady Income Fund" in chat.text("what products do you offer?")


def test_product_inquiry_lists_what_was_asked_for(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    from factories import make_product

    with db.session() as s:
        for kind, risk in (("wealth", "R1"), ("wealth", "R5"), ("card", None), ("deposit", None)):
            make_product(s, kind=kind, risk_level=risk)
    chat = open_chat(client, db, app, settings, make_bank_customer(db))

    def kinds(reply: str) -> list[str]:
        return re.findall(r"[（(]([a-z]+(?:, R\d)?)", reply)

    low = kinds(chat.text("我想买点低风险的理财产品"))
    assert low and all(k in ("wealth, R1", "wealth, R2") for k in low), low
    high = kinds(chat.text("any high risk investment funds?"))
    assert high and all(k in ("wealth, R4", "wealth, R5") for k in high), high
    cards = kinds(chat.text("what credit cards do you have"))
    assert cards and set(cards) == {"card"}, cards


def test_wanted_products_reads_kinds_and_risk_from_the_message() -> None:
    from wendu.assistant.flows.tasks import wanted_products

    catalogue = [
        {"kind": "card", "risk_level": None, "id": "c"},
        {"kind": "wealth", "risk_level": "R5", "id": "w5"},
        {"kind": "deposit", "risk_level": None, "id": "d"},
        {"kind": "wealth", "risk_level": "R2", "id": "w2"},
        {"kind": "savings", "risk_level": None, "id": "s"},
    ]

    def ids(text: str) -> list[str]:
        return [p["id"] for p in wanted_products(catalogue, text)]

    assert ids("what savings products with low risk") == ["d", "s"]
    assert ids("低风险理财") == ["w2"]
    assert ids("高收益的投资") == ["w5"]
    assert ids("what do you offer") == ["w2", "w5", "d", "s", "c"]  # all, wealth first
    assert ids("low risk credit card") == ["c"]  # no risk level counts as low
    assert ids("high risk mortgage") == ids("what do you offer")  # nothing left: all


def test_complaint_hands_off_with_context(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    chat.say("查一下余额")
    ask = chat.say("我想投诉一下你们的手续费")
    assert "投诉" in ask["replies"][0]["text"] and ask["status"] == "bot"
    done = chat.say("是")
    assert done["status"] in ("queued", "assigned")
    assert "已登记投诉" in done["replies"][-1]["text"]
    with db.session() as s:
        conversation = s.get(Conversation, chat.conversation_id)
        assert conversation is not None and conversation.handoff_reason == "complaint"
        context = conversation.handoff_context or {}
        assert context["intents"][:2] == ["check_balance", "make_complaint"]
        assert context["slots"]["ticket"].startswith("")
        assert context["sentiment"]["trend"] and "summary" in context
        ticket = s.execute(
            select(Ticket).where(Ticket.conversation_id == chat.conversation_id)
        ).scalar_one()
        assert ticket.kind == "complaint"
    # Now the assistant only relays to the agent (saying once that the customer is queued).
    relayed = chat.say("什么时候有人处理？")
    assert relayed["status"] in ("queued", "assigned")
    notices = [r["text"] for r in relayed["replies"]]
    queued = relayed["status"] == "queued"
    assert notices == ([say("queued_ack", "zh")] if queued else [])
    assert chat.say("还要等多久？")["replies"] == []


def test_freeze_picks_the_card_the_customer_names_or_says_it_is_not_there(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    from factories import make_card

    customer = make_bank_customer(db)
    with db.session() as s:
        from wendu.ledger.models import Account

        account = s.get(Account, customer.account_ids[0])
        assert account is not None
        credit = make_card(s, account, kind="credit")
        credit.brand = "Visa"
        credit_last4 = credit.pan[-4:]
    chat = open_chat(client, db, app, settings, customer)
    # Mixed Chinese and English: the credit card, not the debit card.
    assert f"尾号 {credit_last4}" in chat.text("我的credit card不见了，please freeze it")
    assert "已取消" in chat.text("不")
    assert f"ending {credit_last4}" in chat.text("my Visa card was stolen, freeze it")
    assert "cancelled" in chat.text("no")
    missing = "0000" if "0000" not in (credit_last4, customer.card_last4[0]) else "0001"
    reply = chat.text(f"尾号{missing}的卡丢了")
    assert f"没有找到尾号 {missing}" in reply and credit_last4 in reply, reply
    with db.session() as s:
        assert {s.get(Card, c).status for c in (credit.id, *customer.card_ids)} == {"active"}  # type: ignore[union-attr]
