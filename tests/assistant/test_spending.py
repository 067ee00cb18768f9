"""Spending answers end to end: local-day windows under pinned clocks, merchants grounded in
the customer's own counterparties, own-account transfers left out, true counts over pages.

Everything goes through the real app over HTTP with the customer's consent; the test only
writes the customer's history into the database first.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from assistant.chatkit import make_bank_customer, open_chat
from factories import add_transaction
from wendu.assistant.flows.clock import BankClock
from wendu.db import Database
from wendu.ledger.models import Account, LedgerTransaction, Merchant, Posting


def pin(monkeypatch: pytest.MonkeyPatch, app: Any, moment: datetime, zone: str) -> None:
    """Run the app's assistant on a clock pinned at MOMENT in the bank zone ZONE."""
    monkeypatch.setattr(
        app.state, "assistant_clock", BankClock(ZoneInfo(zone), lambda: moment), raising=False
    )


def own_transfer(
    db: Database, from_id: str, to_id: str, minor: int, at: datetime, kind: str
) -> None:
    """Book a transfer between two of the customer's own accounts (both legs visible)."""
    with db.session() as s:
        source = s.get(Account, from_id)
        assert source is not None
        txn = LedgerTransaction(
            booked_at=at, value_at=at, kind=kind, description="储蓄 Savings",
            reference=secrets.token_hex(6),
        )  # fmt: skip
        s.add(txn)
        s.flush()
        for account_id, amount in ((from_id, -minor), (to_id, minor)):
            s.add(
                Posting(
                    transaction_id=txn.id, account_id=account_id, amount_minor=amount,
                    currency=source.currency, booked_at=at,
                )
            )  # fmt: skip


@pytest.mark.parametrize("hour", [0, 8, 16, 23])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/London"])
def test_yesterday_at_a_merchant_at_any_hour(
    client: TestClient, db: Database, app: Any, settings: Any,
    monkeypatch: pytest.MonkeyPatch, hour: int, zone: str,
) -> None:  # fmt: skip
    now = datetime(2026, 11, 24, hour, 30, tzinfo=UTC)
    pin(monkeypatch, app, now, zone)
    customer = make_bank_customer(db, now=now)  # Starbucks 24 h ago: always local yesterday
    chat = open_chat(client, db, app, settings, customer)
    zh = chat.text("昨天在星巴克花了多少")
    assert "找到 1 笔交易" in zh and "合计：支出 38.00 CNY，收入 0.00 CNY" in zh, zh
    en = chat.text("how much at starbuks yesterday")  # a typo, English name
    assert "I found 1 transactions" in en and "out 38.00 CNY" in en, en


def test_spending_leaves_out_own_account_transfers_and_says_so(
    client: TestClient, db: Database, app: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # noon in Shanghai
    pin(monkeypatch, app, now, "Asia/Shanghai")
    customer = make_bank_customer(db, now=now)
    current, savings = customer.account_ids
    last_month = datetime(2026, 10, 15, 4, 0, tzinfo=UTC)
    with db.session() as s:
        account = s.get(Account, current)
        assert account is not None
        add_transaction(s, account, -2_983, booked_at=last_month, description="Lunch")
        add_transaction(s, account, -100_000, booked_at=last_month + timedelta(hours=1),
                        description="信用卡还款 Card repayment", kind="card_repayment")  # fmt: skip
    own_transfer(db, current, savings, 300_000, last_month + timedelta(hours=2), "standing_order")
    chat = open_chat(client, db, app, settings, customer, language="en")
    reply = chat.text("How much did I spend last month?")
    # 4 transactions: lunch, repayment, and the sweep's two legs; spending is only the lunch.
    assert "I found 4 transactions from 2026-10-01 to 2026-10-31" in reply, reply
    assert "out 29.83 CNY, in 0.00 CNY" in reply, reply
    assert "not counting 3 transfers between your own accounts" in reply, reply
    assert "DiDi" not in reply
    zh = chat.text("上个月花了多少")
    assert "支出 29.83 CNY" in zh and "不含 3 笔本人账户之间的转账" in zh, zh


def test_true_counts_over_many_pages_and_the_customers_own_merchants(
    client: TestClient, db: Database, app: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    pin(monkeypatch, app, now, "Asia/Shanghai")
    customer = make_bank_customer(db, now=now)
    tag = secrets.token_hex(3)
    with db.session() as s:
        account = s.get(Account, customer.account_ids[0])
        assert account is not None
        whale = Merchant(name=f"Lanjing Coffee {tag}", name_zh="蓝鲸咖啡（上海）", mcc="5814",
                         category="Dining")  # fmt: skip
        bluebell = Merchant(name=f"Bluebell Coffee House {tag}", mcc="5814", category="Dining")
        s.add_all([whale, bluebell])
        s.flush()
        for i in range(130):  # November: 130 coffees, more than two pages of 50
            merchant = whale if i % 2 else bluebell
            add_transaction(s, account, -1_000 - i, booked_at=now - timedelta(hours=6 + i * 3),
                            description="coffee", merchant_id=merchant.id)  # fmt: skip
    chat = open_chat(client, db, app, settings, customer)
    everything = chat.text("本月的交易")
    # 130 coffees + chatkit's five (salary, deposit, Starbucks, supermarket, transfer out)
    assert "为您找到 135 笔交易" in everything, everything
    assert "另有 130 笔未列出" in everything
    # Without dates: the newest page is listed, the count is still the true one.
    assert "I found 135 transactions:" in chat.text("show my recent transactions")
    whale_reply = chat.text("11月份在蓝鲸咖啡花了多少")
    expected = sum(1_000 + i for i in range(130) if i % 2)
    assert "为您找到 65 笔交易" in whale_reply, whale_reply
    assert f"支出 {expected / 100:.2f} CNY" in whale_reply, whale_reply
    blue = chat.text("how much did I spend at bluebell this month")
    expected = sum(1_000 + i for i in range(130) if not i % 2)
    assert "I found 65 transactions" in blue and f"out {expected / 100:.2f} CNY" in blue, blue
    # A merchant the customer never paid: said so, not answered with everything.
    none = chat.text("how much did I spend at Costa this month")
    assert "I found no transactions" in none and "Costa" in none, none


@pytest.mark.parametrize(
    ("text", "spending"),
    [
        ("How much did I spend last month?", True),
        ("how much have I spent at Bluebell Coffee House altogether?", True),
        ("上个月话费扣了多少", True),
        ("我在蓝鲸咖啡一共花了多少钱", True),
        ("上個禮拜我花了多少錢？", True),
        ("我上个月用了几多钱", True),
        ("I want a refund for the 129 charge", False),
        ("扣了两次", False),
        ("how much does a transfer cost", False),
        ("跨行转账要花多少钱", False),
        ("what is my balance", False),
    ],
)
def test_spending_questions_are_told_from_refunds_and_fee_questions(
    text: str, spending: bool
) -> None:
    from wendu.assistant.flows.tasks import asks_spending

    assert asks_spending(text) is spending


def test_a_spending_question_the_classifier_misreads_still_gets_the_total(
    client: TestClient, db: Database, app: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    pin(monkeypatch, app, now, "Asia/Shanghai")
    customer = make_bank_customer(db, now=now)
    with db.session() as s:
        account = s.get(Account, customer.account_ids[0])
        assert account is not None
        phone = Merchant(name=f"Changlian Mobile {secrets.token_hex(3)}", name_zh="畅联通信话费",
                         mcc="4814", category="Telecom")  # fmt: skip
        s.add(phone)
        s.flush()
        add_transaction(s, account, -4_315, booked_at=datetime(2026, 10, 9, 3, 0, tzinfo=UTC),
                        description="畅联通信话费", merchant_id=phone.id)  # fmt: skip
    chat = open_chat(client, db, app, settings, customer)
    reply = chat.text("上个月话费扣了多少")
    assert "支出 43.15 CNY" in reply and "为您找到 1 笔交易" in reply, reply


def test_payees_and_transfer_notes_are_counterparties_but_stay_apart() -> None:
    from wendu.assistant.flows import counterparties

    def txn(info: str, code: str = "transfer") -> dict[str, Any]:
        return {"TransactionInformation": info, "ProprietaryBankTransactionCode": {"Code": code}}

    rows = [
        txn("房租 Rent · 孙桂英", "standing_order"),
        txn("AA 聚餐 Dinner split · 李一娟"),
        txn("AA 聚餐 Dinner split · 王芳"),
        txn("Transfer to Li Hua"),
    ]
    groups = counterparties.gazetteer([["Lanjing Coffee", "蓝鲸咖啡"]], rows)
    assert counterparties.ground("这个月房租扣了多少", groups) == [["房租", "Rent"]]
    assert counterparties.ground("how much rent did I pay", groups) == [["房租", "Rent"]]
    assert counterparties.ground("给李一娟转了多少", groups) == [["李一娟"]]  # not 王芳 too
    assert counterparties.ground("sent to li hua", groups) == [["Li Hua"]]
    assert counterparties.ground("蓝鲸咖啡", groups) == [["Lanjing Coffee", "蓝鲸咖啡"]]
    dinners = counterparties.ground("聚餐花了多少", groups)
    assert [t for t in rows if counterparties.at_counterparty(t, dinners)] == rows[1:3]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("a charge from Lanternlight Cinema I don't recognise", "card_payment_not_recognised"),
        ("知味面馆那单好像扣了我两次钱", "transaction_charged_twice"),
        ("知味麵館嗰單好似扣咗我兩次錢", "transaction_charged_twice"),
        ("蓝鲸咖啡那笔扣款我不认识", "card_payment_not_recognised"),
        ("how do I dispute a transaction", None),  # a question, for the help articles
        ("我不认识他", None),
    ],
)
def test_a_complaint_about_one_charge_names_its_dispute(text: str, intent: str | None) -> None:
    from wendu.assistant.flows.tasks import dispute_in

    assert dispute_in(text) == intent
