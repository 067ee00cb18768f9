"""The console in a real browser (Debian chromium, headless) against a real uvicorn server.

An agent signs in, sees a handed-off chat arrive in the inbox by itself (the poller),
picks it up, replies and resolves it; the customer answers the CSAT survey through the
customer-facing survey endpoint; a supervisor sees that CSAT in the report, in Chinese
and in English. Every request the pages make stays on the server (offline intranet).

Chromium comes from the project's setup (``make browser``: ``apt-get install chromium``),
never from a download at test time.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.browserkit import CHROMIUM_ARGS, chromium, running_server
from tests.console.conftest import PASSWORD, handed_off_chat, new_staff, new_team
from tests.factories import make_customer

from wendu.db import Database
from wendu.helpdesk import conversations
from wendu.helpdesk.models import Conversation, Message


@pytest.fixture()
def server(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Start ``uvicorn wendu.app:create_app`` on a free port over the test database."""
    with running_server(database_url, tmp_path) as base:
        yield base


def _answer_survey(db: Database, conversation_id: str, base: str, score: int) -> None:
    """Answer the CSAT survey the way the customer does: the link in their chat, over HTTP."""
    with db.session(write=False) as s:
        bodies = [
            m.body
            for m in s.query(Message).filter(Message.conversation_id == conversation_id).all()
            if not m.private
        ]
    links = [m for b in bodies for m in re.findall(r"(\S+/helpdesk/v1/surveys/\S+)", b)]
    assert links, f"no survey link in the customer's chat: {bodies}"
    link = links[-1]
    assert link.startswith(base)
    with urllib.request.urlopen(link, timeout=10) as r:
        assert json.load(r)["kind"] == "csat"
    request = urllib.request.Request(
        link,
        data=json.dumps({"score": score, "comment": "很快就解决了"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        assert json.load(r)["answered"] is True


def test_agent_resolves_a_chat_and_the_csat_shows_in_the_report(server: str, db: Database) -> None:
    executable = chromium()
    from playwright.sync_api import expect, sync_playwright

    team = new_team(db, "浏览器")
    _, agent = new_staff(db, "agent", team_id=team, presence="away")
    _, supervisor = new_staff(db, "supervisor")
    with db.session() as s:
        customer_id = make_customer(s, full_name="周雨桐").id
    outside: list[str] = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=server, locale="zh-CN")
            context.on(
                "request",
                lambda r: outside.append(r.url) if not r.url.startswith(server) else None,
            )
            page = context.new_page()
            page.set_default_timeout(15_000)

            # The agent signs in (Chinese by default) and opens the inbox.
            page.goto("/console/inbox")
            page.fill("input[name=username]", agent)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_have_text("会话收件箱")

            # A customer's chat is handed off now; the open inbox shows it without a reload.
            conversation_id = handed_off_chat(db, team, customer_id, "信用卡被盗刷了", "盗刷")
            row = page.locator(f"tr[data-conversation='{conversation_id}']")
            expect(row).to_be_visible(timeout=20_000)
            row.locator("button.pick-up").click()

            # Picked up: the conversation view shows the hand-off context and the reply box.
            expect(page.locator("#conv-status")).to_have_text("处理中")
            expect(page.locator("#intents")).to_contain_text("card_lost")
            page.fill("#reply-body", "您好，已为您冻结这张卡，请放心。")
            page.click("#send-reply")
            expect(page.locator("#transcript")).to_contain_text("已为您冻结这张卡")
            # The customer answers; the open transcript shows it without a reload.
            with db.session() as s:
                conversations.add_message(
                    s,
                    conversations.get_conversation(s, conversation_id),
                    author_type="customer",
                    body="好的，谢谢！",
                )
            expect(page.locator("#transcript")).to_contain_text("好的，谢谢！", timeout=20_000)
            page.click("#resolve")
            expect(page.locator("#conv-status")).to_have_text("已解决")

            with db.session(write=False) as s:
                conv = s.get(Conversation, conversation_id)
                assert conv is not None and conv.status == "resolved"

            # The customer answers the survey they were sent in the chat.
            _answer_survey(db, conversation_id, server, 4)

            # A supervisor sees that CSAT in the report, drills into it, and switches language.
            boss = browser.new_context(base_url=server).new_page()
            boss.set_default_timeout(15_000)
            boss.goto("/console/reports?by=channel")
            boss.fill("input[name=username]", supervisor)
            boss.fill("input[name=password]", PASSWORD)
            boss.click("button[type=submit]")
            expect(boss.locator("h1")).to_have_text("服务报表")
            expect(boss.locator("#csat-total")).not_to_have_text("—")
            # Groups show names in the staff member's language (the code stays as a tooltip).
            group = boss.locator("#report-groups tr", has_text="合作方聊天")
            expect(group.locator("td.csat")).to_contain_text("(")
            group.locator("td.csat a").click()
            expect(boss.locator("#drill")).to_contain_text(conversation_id)
            # By team (this test's team is its own): exactly the customer's score.
            boss.goto("/console/reports?by=team")
            mine = boss.locator("#report-groups tr", has_text="浏览器组")
            expect(mine.locator("td").first).to_have_attribute("title", team)
            expect(mine.locator("td.csat")).to_have_text("4.00 (1)")
            assert boss.locator("svg.chart").count() >= 6

            boss.click("#lang-switch")
            expect(boss.locator("h1")).to_have_text("Service reports")
            assert boss.locator("html").get_attribute("lang") == "en"
            expect(boss.locator("nav.nav")).to_contain_text("Inbox")
            boss.click("#lang-switch")
            expect(boss.locator("h1")).to_have_text("服务报表")
        finally:
            browser.close()

    assert not outside, f"pages asked for something outside the server: {outside}"
