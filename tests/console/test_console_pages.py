"""Every console page with real data, per role: who sees what, who may write, CSRF, offline."""

from __future__ import annotations

import re
import secrets
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.console.conftest import World, csrf_of, login

from wendu.assistant.knowledge.search import search
from wendu.assistant.knowledge.service import create_article
from wendu.audit.models import AuditEntry
from wendu.console import desk, manage
from wendu.console.router import router as console_router
from wendu.db import Database
from wendu.helpdesk.models import AgentState, Conversation, Message
from wendu.ledger.models import Account

READ_PAGES = (
    "/console",
    "/console/inbox",
    "/console/tickets",
    "/console/sla",
    "/console/kb",
    "/console/partners",
)
MANAGER_PAGES = ("/console/reports", "/console/audit?verify=1")


@pytest.fixture(scope="module")
def browsers(app, world: World) -> dict[str, TestClient]:  # type: ignore[no-untyped-def]
    return {name: login(app, username) for name, (_, username) in world.users.items()}


def _page(browser: TestClient, path: str) -> str:
    response = browser.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    return response.text


def _no_external_urls(html: str) -> None:
    html = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not re.search(r"(src|href|action)=\"(https?:)?//", html), "external URL in page"
    assert "http://" not in html and "https://" not in html


@pytest.mark.parametrize("role", ["admin", "supervisor", "auditor"])
def test_every_page_renders_offline_for_managers_and_auditors(
    browsers: dict[str, TestClient], world: World, role: str
) -> None:
    b = browsers[role]
    paths = [
        *READ_PAGES,
        *MANAGER_PAGES,
        f"/console/conversations/{world.conv_a}",
        f"/console/tickets/{world.ticket_a}",
        f"/console/customers/{world.customer_id}",
        "/console/kb?q=card",
        f"/console/kb/{world.kb_slug}",
        "/console/reports/drill?metric=conversations",
    ]
    for path in paths:
        _no_external_urls(_page(b, path))


def test_agent_sees_only_their_teams_queues(browsers: dict[str, TestClient], world: World) -> None:
    agent = browsers["agent"]
    inbox = _page(agent, "/console/inbox?view=all")
    assert world.conv_a in inbox and world.conv_b not in inbox
    assert f"/console/conversations/{world.conv_a}/pick-up" in inbox
    tickets_page = _page(agent, "/console/tickets")
    assert "挂失后仍被扣款" in tickets_page and "team B ticket" not in tickets_page
    sla = _page(agent, "/console/sla")
    assert "team B ticket" not in sla
    # Another team's objects look like unknown ones (400 U004), never their content.
    other = agent.get(f"/console/conversations/{world.conv_b}")
    assert other.status_code == 400 and "Other team" not in other.text
    assert agent.get(f"/console/tickets/{world.ticket_b}").status_code == 400
    assert agent.get("/console/reports").status_code == 403
    assert agent.get("/console/audit").status_code == 403
    supervisor = _page(browsers["supervisor"], "/console/inbox?view=all")
    assert world.conv_a in supervisor and world.conv_b in supervisor


def test_conversation_page_shows_handoff_context_timeline_and_suggestions(
    browsers: dict[str, TestClient], world: World
) -> None:
    page = _page(browsers["agent"], f"/console/conversations/{world.conv_a}")
    assert "我的卡丢了" in page
    assert "card_lost" in page and "card_last4=4821" in page  # intents and slots
    assert "Salary" in page  # the customer's timeline holds their transactions
    assert 'id="reply-form"' in page and 'id="resolve"' in page
    assert 'class="link use-suggestion"' in page  # a knowledge-base answer to the card question
    live = browsers["agent"].get(
        f"/console/conversations/{world.conv_a}", headers={"X-Requested-With": "fetch"}
    )
    assert live.status_code == 200 and "我的卡丢了" in live.text and "<html" not in live.text


def test_auditor_sees_no_write_buttons_and_every_post_is_refused(
    browsers: dict[str, TestClient], world: World, db: Database
) -> None:
    auditor = browsers["auditor"]
    page = _page(auditor, f"/console/conversations/{world.conv_a}")
    assert 'id="reply-form"' not in page and 'id="resolve"' not in page
    ticket = _page(auditor, f"/console/tickets/{world.ticket_a}")
    assert "/status" not in ticket
    token = csrf_of(page)
    posts = {
        f"/console/conversations/{world.conv_a}/messages": {"body": "hi"},
        f"/console/conversations/{world.conv_a}/resolve": {},
        f"/console/conversations/{world.conv_a}/pick-up": {},
        f"/console/conversations/{world.conv_a}/hand-back": {},
        f"/console/conversations/{world.conv_a}/transfer": {"target": f"team:{world.team_b}"},
        f"/console/tickets/{world.ticket_a}/status": {"status": "open"},
        f"/console/tickets/{world.ticket_a}/update": {"priority": "low"},
        f"/console/tickets/{world.ticket_a}/accept-suggestion": {},
        "/console/presence": {"presence": "online"},
        "/console/kb/lost-card": {"title_zh": "x", "title_en": "x", "body_zh": "x", "body_en": "x"},
    }
    for path, data in posts.items():
        response = auditor.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403, path
    with db.session(write=False) as s:
        conv = s.get(Conversation, world.conv_a)
        assert conv is not None and conv.status == "queued"


def test_every_console_form_needs_the_csrf_token(
    browsers: dict[str, TestClient], world: World
) -> None:
    posts = [
        (route.path, method)
        for r in (console_router, desk.router, manage.router)
        for route in r.routes
        for method in getattr(route, "methods", ())
        if method == "POST"
    ]
    posts = sorted(set(posts))
    assert len(posts) >= 13
    admin = browsers["admin"]
    for path, _ in posts:
        concrete = (
            path.replace("{conversation_id}", world.conv_a)
            .replace("{ticket_id}", world.ticket_a)
            .replace("{slug}", "lost-card")
        )
        response = admin.post(concrete, data={"csrf_token": "forged"}, follow_redirects=False)
        assert response.status_code in (403, 422), concrete
        assert response.status_code != 303


def test_agent_works_a_conversation_and_every_action_is_audited(
    app,
    db: Database,
    world: World,  # type: ignore[no-untyped-def]
) -> None:
    from tests.console.conftest import handed_off_chat, new_staff

    agent_id, username = new_staff(db, "agent", team_id=world.team_a)
    conv_id = handed_off_chat(db, world.team_a, world.customer_id, "转账没到账", "转账")
    b = login(app, username)
    inbox = _page(b, "/console/inbox?view=queued")
    token = csrf_of(inbox)

    def post(path: str, **data: str) -> str:
        r = b.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303, r.text
        assert "error=" not in r.headers["location"], r.headers["location"]
        return r.headers["location"]

    post(f"/console/conversations/{conv_id}/pick-up")
    post(f"/console/conversations/{conv_id}/messages", body="您好，我来帮您查。")
    post(f"/console/conversations/{conv_id}/messages", body="check transfer ref", private="1")
    post(f"/console/conversations/{conv_id}/resolve")
    post("/console/presence", presence="away")
    with db.session(write=False) as s:
        conv = s.get(Conversation, conv_id)
        assert conv is not None and conv.status == "resolved" and conv.assignee_id == agent_id
        messages = (
            s.execute(
                select(Message).where(Message.conversation_id == conv_id).order_by(Message.id)
            )
            .scalars()
            .all()
        )
        assert [m.private for m in messages if m.author_type == "agent"] == [False, True]
        agent = s.get(AgentState, agent_id)
        assert agent is not None and agent.presence == "away"
        actions = (
            s.execute(
                select(AuditEntry.action).where(
                    AuditEntry.actor_id == username, AuditEntry.actor_type == "staff"
                )
            )
            .scalars()
            .all()
        )
    for action in ("assign", "reply", "note", "resolve", "presence"):
        assert any(a == f"helpdesk.{action}" or a.endswith(f".{action}") for a in actions), action
    # A business error is shown on the page, not as a crash, and changes nothing.
    r = b.post(
        f"/console/conversations/{conv_id}/resolve",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert r.status_code == 200 and 'role="alert"' in r.text


def test_ticket_page_shows_sla_clocks_and_status_change(
    browsers: dict[str, TestClient], world: World
) -> None:
    agent = browsers["agent"]
    page = _page(agent, f"/console/tickets/{world.ticket_a}")
    assert 'id="sla-clocks"' in page and "首次响应" in page
    assert 'id="ticket-suggestion"' in page
    assert f"/console/conversations/{world.conv_a}" in page  # linked conversation
    r = agent.post(
        f"/console/tickets/{world.ticket_a}/status",
        data={
            "status": "pending_customer",
            "note": "asked for receipt",
            "csrf_token": csrf_of(page),
        },
    )
    assert r.status_code == 200 and "等待客户" in r.text
    bad = agent.post(
        f"/console/tickets/{world.ticket_a}/status",
        data={"status": "nonsense", "csrf_token": csrf_of(page)},
    )
    assert bad.status_code == 200 and 'role="alert"' in bad.text


def test_customer_360_masks_account_numbers(
    browsers: dict[str, TestClient], world: World, db: Database
) -> None:
    page = _page(browsers["supervisor"], f"/console/customers/{world.customer_id}")
    assert "林静怡" in page and "Salary" in page and "挂失后仍被扣款" in page
    with db.session(write=False) as s:
        number = s.execute(
            select(Account.identification).where(Account.customer_id == world.customer_id)
        ).scalar_one()
    assert number not in page and f"····{number[-4:]}" in page


def test_reports_show_charts_drill_down_and_csv(
    browsers: dict[str, TestClient], world: World
) -> None:
    page = _page(browsers["supervisor"], "/console/reports?by=channel")
    assert page.count("<svg") >= 6
    assert "/console/reports/drill?metric=conversations&by=channel&key=partner_chat" in page
    drill = _page(
        browsers["supervisor"],
        "/console/reports/drill?metric=handed_off&by=channel&key=partner_chat",
    )
    assert world.conv_a in drill
    csv = browsers["supervisor"].get("/helpdesk/v1/reports/conversations.csv")
    assert csv.status_code == 200 and world.conv_a in csv.text


def test_kb_edit_is_live_for_search_and_audited(
    browsers: dict[str, TestClient], db: Database
) -> None:
    admin = browsers["admin"]
    # An article of this test's own: the shipped ones are shared by the whole session.
    slug, body_zh = f"console-edit-{secrets.token_hex(4)}", "先冻结卡片，再联系我们。"
    with db.session() as s:
        create_article(
            s,
            {
                "slug": slug,
                "category": "cards",
                "title_zh": "编辑测试",
                "title_en": "Edit test",
                "body_zh": body_zh,
                "body_en": "Freeze the card first, then contact us.",
            },
            staff="test",
        )
    page = _page(admin, f"/console/kb/{slug}")
    r = admin.post(
        f"/console/kb/{slug}",
        data={
            "title_zh": "紫水晶测试标题",
            "title_en": "Amethyst test title",
            "body_zh": body_zh,
            "body_en": "Amethyst zebra procedure.",
            "status": "published",
            "csrf_token": csrf_of(page),
        },
    )
    assert r.status_code == 200 and "Amethyst test title" in r.text
    with db.session(write=False) as s:
        assert [h.slug for h in search(s, "amethyst zebra", "en")][:1] == [slug]
        assert s.execute(
            select(AuditEntry.id).where(AuditEntry.action == "console.kb.update")
        ).first()
    listing = _page(admin, "/console/kb?q=Amethyst")
    assert slug in listing
    r = admin.post(
        f"/console/kb/{slug}",
        data={
            "title_zh": "紫水晶测试标题",
            "title_en": "Amethyst test title",
            "body_zh": body_zh,
            "body_en": "Amethyst zebra procedure.",
            "status": "draft",
            "csrf_token": csrf_of(page),
        },
    )
    with db.session(write=False) as s:
        assert slug not in [h.slug for h in search(s, "amethyst zebra", "en")]


def test_audit_search_filters_and_verifies_the_chain(
    browsers: dict[str, TestClient], world: World, client: TestClient
) -> None:
    # ``client`` runs the app's lifespan, which starts the audit writer of page views.
    username = world.users["auditor"][1]
    _page(browsers["auditor"], "/console/inbox")
    # The middleware's writer appends page views in the background; give it a moment.
    for _ in range(40):
        page = _page(browsers["auditor"], f"/console/audit?actor={username}&verify=1")
        if re.findall(r"<tr><td>\d+</td>", page):
            break
        time.sleep(0.1)
    assert 'id="chain-status" class="ok"' in page
    assert re.findall(r"<tr><td>\d+</td>", page), "the auditor's own page views are in the trail"
    assert "staff:" + username in page
    none = _page(browsers["auditor"], "/console/audit?action=no-such-action-xyz")
    assert "没有记录" in none


def test_language_switch_changes_every_page(app, world: World, db: Database) -> None:  # type: ignore[no-untyped-def]
    from tests.console.conftest import new_staff

    _, username = new_staff(db, "supervisor")
    b = login(app, username)
    zh = _page(b, "/console/inbox")
    assert "会话收件箱" in zh
    b.post(
        "/console/language",
        data={"language": "en", "next": "/console/sla", "csrf_token": csrf_of(zh)},
    )
    assert "Conversation inbox" in _page(b, "/console/inbox")
    assert "SLA board" in _page(b, "/console/sla")
    assert "Service reports" in _page(b, "/console/reports")


def test_canned_response_fills_in_the_customers_name(app, db: Database, world: World) -> None:  # type: ignore[no-untyped-def]
    from tests.console.conftest import handed_off_chat, new_staff

    from wendu.helpdesk.canned import create_canned

    agent_id, username = new_staff(db, "agent", team_id=world.team_a)
    conv_id = handed_off_chat(db, world.team_a, world.customer_id, "卡片被锁了", "锁卡")
    with db.session() as s:
        canned = create_canned(
            s,
            shortcut="greet_cn",
            body="{{customer.name}}您好，我是{{agent.name}}。",
            language="zh",
            team_id=world.team_a,
            created_by=agent_id,
        )
        canned_id = canned.id
    b = login(app, username)
    page = _page(b, f"/console/conversations/{conv_id}")
    assert f'<option value="{canned_id}">greet_cn</option>' in page
    token = csrf_of(page)
    b.post(f"/console/conversations/{conv_id}/pick-up", data={"csrf_token": token})
    r = b.post(
        f"/console/conversations/{conv_id}/messages",
        data={"canned_id": canned_id, "csrf_token": token},
    )
    assert r.status_code == 200 and "林静怡您好，我是agent" in r.text


def test_canned_response_in_english_uses_the_latin_name_and_the_ticket(  # type: ignore[no-untyped-def]
    app, db: Database, world: World
) -> None:
    from tests.console.conftest import handed_off_chat, new_staff, new_team
    from tests.factories import make_customer

    from wendu.helpdesk import tickets
    from wendu.helpdesk.canned import create_canned
    from wendu.helpdesk.conversations import get_conversation

    team = new_team(db, "Latin")
    agent_id, username = new_staff(db, "agent", team_id=team)
    with db.session() as s:
        customer_id = make_customer(s, full_name="周若云", name_latin="Zhou Ruoyun").id
    conv_id = handed_off_chat(db, team, customer_id, "my card is blocked", "blocked")
    with db.session() as s:
        conversation = get_conversation(s, conv_id)
        conversation.language = "en"
        reference = tickets.create_ticket(
            s, subject="Card blocked", conversation=conversation, suggest=False
        ).reference
        canned_id = create_canned(
            s,
            shortcut="ref_en",
            body="Dear {{customer.name}}, your case is {{ticket.reference}}.",
            language="en",
            team_id=team,
            created_by=agent_id,
        ).id
    b = login(app, username)
    page = _page(b, f"/console/conversations/{conv_id}")
    token = csrf_of(page)
    b.post(f"/console/conversations/{conv_id}/pick-up", data={"csrf_token": token})
    r = b.post(
        f"/console/conversations/{conv_id}/messages",
        data={"canned_id": canned_id, "csrf_token": token},
    )
    # Before: the Chinese name in an English reply, and the console left the placeholder.
    assert r.status_code == 200
    assert f"Dear Zhou Ruoyun, your case is {reference}." in r.text
    assert "{{" not in r.text
