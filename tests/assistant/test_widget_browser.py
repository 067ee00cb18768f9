"""The bank's web chat widget in a real browser (Debian chromium, headless) on a real server.

A sandbox customer opens the widget, is sent to the bank's login page, signs in and comes
back to the chat; then, typing and pressing Enter like a person: asks for the balance in
English, reports a lost card in Chinese and confirms the freeze (the card really is frozen),
asks for a human (the hand-off notice and status show), and types a card number, which the
page shows back masked as the server stored it. A reload brings the same chat back, its
transcript and status, and the event stream still reaches the page. Finally the customer
revokes the widget's access in another tab and the next message shows the API's refusal
instead of vanishing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.chatkit import PASSWORD, Customer, make_bank_customer
from browserkit import CHROMIUM_ARGS, chromium, running_server
from wendu.assistant.channels.widget import first_party_partner
from wendu.assistant.dialogue.models import ChatSession
from wendu.db import Database
from wendu.helpdesk import conversations
from wendu.helpdesk.models import Conversation, Message
from wendu.identity.connected_apps import revoke_connected_app
from wendu.identity.models import Consent
from wendu.ledger.models import Card

pytestmark = pytest.mark.browser

PAN = "6222021234567890123"


@pytest.fixture()
def server(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Start ``uvicorn wendu.app:create_app`` on a free port over the test database."""
    with running_server(database_url, tmp_path) as base:
        yield base


def test_a_customer_chats_through_the_web_widget(server: str, db: Database) -> None:
    chromium()  # skips when Debian chromium is absent

    customer = make_bank_customer(db)
    outside: list[str] = []
    page_errors: list[str] = []
    try:
        _chat_in_a_browser(server, db, customer, page_errors, outside)
    finally:
        _end_chats(db, customer.customer_id)  # leave no queued chat for other tests' agents
    assert not page_errors, f"the widget's script failed: {page_errors}"
    assert not outside, f"the widget asked for something outside the server: {outside}"


def _end_chats(db: Database, customer_id: str) -> None:
    with db.session() as s:
        for conversation in s.execute(
            select(Conversation).where(Conversation.customer_id == customer_id)
        ).scalars():
            if conversation.status in ("bot", "queued", "assigned"):
                conversations.resolve(s, conversation)
            if conversation.status == "resolved":
                conversations.close(s, conversation)


def _chat_in_a_browser(
    server: str, db: Database, customer: Customer, page_errors: list[str], outside: list[str]
) -> None:
    from playwright.sync_api import expect, sync_playwright

    last4 = customer.card_last4[0]
    expect.set_options(timeout=20_000)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=server, locale="en-US")
            context.on(
                "request",
                lambda r: outside.append(r.url) if not r.url.startswith(server) else None,
            )
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.on("pageerror", lambda e: page_errors.append(str(e)))

            # Not signed in: the widget sends the customer to the bank's own login page.
            page.goto("/chat/widget?lang=en")
            expect(page).to_have_url(re.compile(r"/customer/login\?"))
            page.fill("input[name=username]", customer.username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(re.compile(r"/chat/widget"))
            box = page.locator("#text")
            expect(box).to_be_enabled()
            expect(page.locator("#status")).to_have_text("Chatting with the assistant")

            replies = page.locator("#log .msg.assistant")
            mine = page.locator("#log .msg.customer")

            # English, Enter sends: the balance comes back with an amount.
            box.fill("what's my balance")
            box.press("Enter")
            expect(mine.last).to_have_text("what's my balance")
            # (The server loads its NLU model on the first message: allow for that.)
            expect(replies.last).to_contain_text("available 9333.00 CNY", timeout=120_000)
            expect(box).to_have_value("")
            expect(box).to_be_focused()

            # Chinese: a lost card; the assistant asks first, in Chinese, and freezes on "是".
            box.fill("我的卡丢了")
            box.press("Enter")
            expect(replies.last).to_contain_text(f"确认要立即冻结尾号 {last4} 的卡吗")
            with db.session(write=False) as s:
                card = s.get(Card, customer.card_ids[0])
                assert card is not None and card.status == "active"
            box.fill("是")
            box.press("Enter")
            expect(replies.last).to_contain_text(f"已冻结尾号 {last4} 的卡")
            with db.session(write=False) as s:
                card = s.get(Card, customer.card_ids[0])
                assert card is not None and card.status == "frozen"

            # A person, please: the hand-off notice and the chat's new status show.
            box.fill("I want to talk to a human")
            box.press("Enter")
            expect(replies.last).to_contain_text("I'm passing you to a colleague")
            # (Queued, or assigned at once when another test left an agent online.)
            handed_off = re.compile(r"^(Waiting for a colleague|Chatting with a colleague)$")
            expect(page.locator("#status")).to_have_text(handed_off)

            # A card number typed into the chat comes back masked as the server stored it.
            box.fill(f"my card number is {PAN}")
            box.press("Enter")
            expect(mine.last).to_have_text(f"my card number is {'*' * 15}0123")
            assert PAN not in page.locator("#log").inner_text()

            # The customer reloads the page: the same chat comes back, transcript and status.
            before = page.locator("#log .msg").all_inner_texts()
            status = page.locator("#status").inner_text()
            page.reload()
            expect(page.locator("#status")).to_have_text(status)
            expect(mine).to_have_count(5)
            assert page.locator("#log .msg").all_inner_texts() == before
            expect(box).to_be_enabled()

            with db.session(write=False) as s:
                chat = s.execute(
                    select(ChatSession).where(ChatSession.customer_id == customer.customer_id)
                ).scalar_one()
                conversation = s.get(Conversation, chat.conversation_id)
                assert conversation is not None and conversation.status in ("queued", "assigned")
                stored = [
                    (m.author_type, m.body)
                    for m in s.execute(
                        select(Message)
                        .where(Message.conversation_id == chat.conversation_id)
                        .order_by(Message.id)
                    ).scalars()
                ]
                partner = first_party_partner(s)
                assert partner is not None and chat.partner_id == partner.id
                consent_id, conversation_id = chat.consent_id, chat.conversation_id
            customer_lines = [body for author, body in stored if author == "customer"]
            assert customer_lines == [
                "what's my balance",
                "我的卡丢了",
                "是",
                "I want to talk to a human",
                f"my card number is {'*' * 15}0123",
            ]
            assert all(PAN not in body for _, body in stored)

            # A colleague resolves the chat: the open page hears it over the event stream.
            with db.session() as s:
                conversations.resolve(s, conversations.get_conversation(s, conversation_id))
            expect(page.locator("#status")).to_have_text("Resolved")

            # The customer revokes the widget's access (as from the connected-apps page):
            # the next message is refused by the API and the page says so.
            with db.session() as s:
                revoke_connected_app(s, customer.customer_id, consent_id)
                consent = s.get(Consent, consent_id)
                assert consent is not None and consent.status == "CANC"
            box.fill("are you still there?")
            box.press("Enter")
            error = page.locator("#log .msg.error")
            expect(error).to_have_count(1)
            expect(error).to_contain_text("could not be sent")
            expect(mine.last).to_have_class(re.compile(r"\bfailed\b"))
        finally:
            browser.close()
            expect.set_options(timeout=None)  # back to Playwright's default for other tests
