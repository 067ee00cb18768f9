"""FAQ vs task through the real chat API: a question about a task is answered from the
knowledge base (the passage that answers, and the article's link); the customer's own case
still runs the task; a question nothing answers gets "no answer, shall I get a person?"
without a hand-off."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.chatkit import Chat, make_bank_customer, open_chat
from wendu.assistant.dialogue.models import ChatSession
from wendu.assistant.knowledge.service import load_shipped
from wendu.db import Database
from wendu.ledger.models import Card


@pytest.fixture(scope="module", autouse=True)
def articles(db: Database) -> None:
    with db.session() as session:
        load_shipped(session)


def _state(db: Database, chat: Chat) -> dict[str, Any]:
    with db.session(write=False) as s:
        row = s.get(ChatSession, chat.session_id)
        assert row is not None
        return dict(row.state)


@pytest.mark.parametrize(
    ("question", "slug", "says"),
    [
        ("转账多久能到账", "transfer-times-and-limits", "到账"),
        ("What's the daily transfer limit?", "transfer-times-and-limits", "200,000"),
        ("how long does a transfer take", "transfer-times-and-limits", "arrive"),
        ("轉賬要幾耐先到？", "transfer-times-and-limits", ""),
        ("什么是开放银行", "what-is-a-connected-app", "开放银行"),
        ("你们几点开门", "opening-hours", "9:00"),
        ("what are your opening hours", "opening-hours", "9:00"),
        ("how do I dispute a transaction", "dispute-a-transaction", "dispute"),
        ("忘记密码了怎么办", "pin-reset", "忘记"),
        ("怎么冻结卡", "lost-or-stolen-card", "冻结"),
        ("how can I revoke a connected app", "revoke-connected-app", "Revoke"),
        ("跨行转账要收手续费吗", "transfer-fees", "不收"),
        ("退款一般多久到账", "refunds", "工作日"),
    ],
)
def test_questions_about_tasks_are_answered_not_run(
    client: TestClient, db: Database, app: Any, settings: Any, question: str, slug: str, says: str
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    reply = chat.say(question)
    text = "\n".join(r["text"] for r in reply["replies"])
    assert f"/help/articles/{slug}?lang=" in text, text
    assert says in text
    assert reply["status"] == "bot"  # answered by the assistant, nobody handed the chat over
    state = _state(db, chat)
    assert state["slots"]["article"] == slug
    assert state["pending"] is None and state["flow"] is None  # no task was started
    with db.session(write=False) as s:
        card = s.get(Card, customer.card_ids[0])
        assert card is not None and card.status == "active"


@pytest.mark.parametrize(
    ("message", "expect"),
    [
        ("我昨天转的钱还没到", "trace"),
        ("my transfer hasn't arrived", "trace"),
        ("I sent 500 yuan two days ago and it still hasn't arrived", "trace"),
        ("我的卡丢了怎么办", "freeze"),
        ("帮我冻结卡", "freeze"),
        ("please freeze my card", "freeze"),
        ("I don't recognise a payment at the supermarket", "dispute"),
    ],
)
def test_the_customers_own_case_still_runs_the_task(
    client: TestClient, db: Database, app: Any, settings: Any, message: str, expect: str
) -> None:
    chat = open_chat(client, db, app, settings, make_bank_customer(db))
    text = chat.text(message)
    assert "/help/articles/" not in text, text
    state = _state(db, chat)
    pending = state["pending"] or {}
    if expect == "freeze":
        assert pending.get("action") == "freeze", text
    elif expect == "dispute":
        assert pending.get("flow") == "dispute", text
    else:
        # The trace either found the transfer (asks to open a trace ticket) or says so.
        assert (
            pending.get("flow") == "trace_transfer" or "transfer" in text.lower() or "转账" in text
        )


def test_a_question_nothing_answers_offers_a_person_without_handing_over(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    for question in ("what is the weather on Mars tomorrow", "帮我写一首关于秋天的诗"):
        chat = open_chat(client, db, app, settings, make_bank_customer(db), language="en")
        reply = chat.say(question)
        text = "\n".join(r["text"] for r in reply["replies"])
        assert "/help/articles/" not in text
        assert reply["status"] == "bot"
        assert "article" not in _state(db, chat)["slots"]
