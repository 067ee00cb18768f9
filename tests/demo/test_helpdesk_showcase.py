"""The demo bank's helpdesk: teams, agents, canned responses and sample contacts, once."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable

from sqlalchemy import func, select

from wendu.audit.models import AuditEntry
from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.demo.helpdesk import ensure_helpdesk_showcase
from wendu.demo.helpdesk_script import AGENTS, CANNED, CONTACTS, TEAMS
from wendu.demo.seed import seed_bank
from wendu.demo.showcase import DEMO_STAFF_USERNAME, ensure_demo_access
from wendu.helpdesk import actions, reports
from wendu.helpdesk.deps import staff_of
from wendu.helpdesk.models import (
    AgentState,
    CannedResponse,
    Conversation,
    Message,
    Survey,
    Team,
    TeamMember,
    Ticket,
    TicketTransaction,
)
from wendu.identity.models import StaffUser
from wendu.identity.staff import authenticate


def _counts(database: Database) -> dict[str, int]:
    with database.session(write=False) as s:
        return {
            model.__name__: s.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (
                Team,
                TeamMember,
                StaffUser,
                CannedResponse,
                Conversation,
                Message,
                Ticket,
                Survey,
            )
        }


def test_helpdesk_showcase_fills_the_console_once_and_keeps_staff_edits(
    fresh_db: Callable[[], Database], settings: Settings
) -> None:
    database = fresh_db()
    seed_bank(database, customers=8, seed=3, months=2)
    ensure_demo_access(database, "http://127.0.0.1:8000")

    report = ensure_helpdesk_showcase(database, settings)

    assert report.teams == len(TEAMS) == 4
    assert report.agents == len(AGENTS)
    assert report.canned == 2 * len(CANNED)
    assert report.conversations == len(CONTACTS) == 12
    assert report.tickets == 6
    assert report.surveys == 7  # 4 CSAT answers, 3 NPS answers
    with database.session(write=False) as s:
        teams = {t.id: t for t in s.execute(select(Team)).scalars()}
        assert {t.name_zh for t in teams.values()} >= {"银行卡服务", "投诉处理"}
        admin = s.execute(
            select(StaffUser).where(StaffUser.username == DEMO_STAFF_USERNAME)
        ).scalar_one()
        assert staff_of(s, admin).team_ids == frozenset(teams)  # demo.admin is in every team
        assert authenticate(s, "li.na", "wendu-demo") is not None  # the sandbox password
        wang = s.execute(select(StaffUser).where(StaffUser.username == "wang.fang")).scalar_one()
        assert wang.role == "supervisor"
        presence = {a.staff_id: a.presence for a in s.execute(select(AgentState)).scalars()}
        assert presence[admin.id] == "offline"
        assert sorted(presence.values()).count("online") == 4

        canned = s.execute(select(CannedResponse)).scalars().all()
        assert Counter(c.language for c in canned) == {"zh": len(CANNED), "en": len(CANNED)}

        conversations = s.execute(select(Conversation)).scalars().all()
        assert Counter(c.status for c in conversations) == {
            "resolved": 6,
            "assigned": 3,
            "queued": 3,
        }
        assert {c.channel for c in conversations} == {"web_widget", "partner_chat", "app", "email"}
        assert {c.language for c in conversations} == {"zh", "en"}
        assert all(c.team_id == "wealth" for c in conversations if c.status == "queued")
        assert sum(1 for c in conversations if c.partner_id) == 2
        # Agents wrote replies; every message is stored masked and none holds a card number.
        bodies = s.execute(select(Message.body, Message.author_type)).all()
        assert {a for _, a in bodies} == {"customer", "assistant", "agent", "system"}
        assert not any(re.search(r"\d{12,}", body) for body, _ in bodies)
        assert (
            s.execute(select(func.count()).select_from(Message).where(Message.private)).scalar_one()
            == 1
        )

        tickets = s.execute(select(Ticket)).scalars().all()
        complaints = [t for t in tickets if t.kind == "complaint"]
        assert len(complaints) == 3 and all(t.regulatory_due_at for t in complaints)
        assert Counter(t.status for t in tickets) == {
            "open": 3,
            "pending_customer": 1,
            "resolved": 1,
            "new": 1,
        }
        urgent = next(t for t in tickets if t.priority == "urgent")
        assert urgent.channel == "phone" and urgent.team_id == "complaints"
        assert urgent.first_response_at is None and urgent.sla_next_at is not None
        # The urgent clock is on the 24x7 calendar: it is due within the quarter-hour.
        first = next(c for c in actions.clocks(urgent, utcnow()) if c.target == "first_response")
        assert first.due_at is not None and first.due_at - urgent.created_at <= dt.timedelta(
            minutes=15
        )
        assert s.execute(select(func.count()).select_from(TicketTransaction)).scalar_one() == 1
        fee = next(t for t in complaints if t.category == "payment.fees_charges")
        assert fee.team_id == "complaints" and fee.assignee_id is not None

        rows = reports.conversation_rows(
            s,
            utcnow() - dt.timedelta(days=1),
            utcnow() + dt.timedelta(minutes=1),
            timezone="Asia/Shanghai",
        )
        (summary,) = reports.summarize(rows)
        assert summary.conversations == 12 and summary.contained == 2
        assert summary.csat_responses == 4 and summary.csat_avg == 4.25
        assert summary.nps_responses == 3 and summary.nps is not None
        assert summary.within_sla_pct == 100.0
        by_team = {g.key for g in reports.summarize(rows, "team")}
        assert {"cards", "payments", "wealth", "complaints"} <= by_team
        backlog = reports.backlog(s, utcnow())
        assert backlog.conversations == {"assigned": 3, "queued": 3}
        assert sum(backlog.tickets.values()) == 5
        assert reports.ticket_stats(s, utcnow() - dt.timedelta(days=1), utcnow())
        # Staff actions are in the audit trail.
        audited = set(
            s.execute(
                select(AuditEntry.action).where(AuditEntry.action.like("helpdesk.%"))
            ).scalars()
        )
        assert {
            "helpdesk.team.create",
            "helpdesk.ticket.create",
            "helpdesk.conversation.reply",
        } <= (audited)

    # A supervisor edits a canned response; a restart adds nothing and keeps the edit.
    with database.session() as s:
        greeting = s.execute(
            select(CannedResponse).where(
                CannedResponse.shortcut == "greeting", CannedResponse.language == "en"
            )
        ).scalar_one()
        greeting.body = "Hi {{customer.name}}, {{agent.name}} here."
    before = _counts(database)
    again = ensure_helpdesk_showcase(database, settings)
    assert again.added == 0
    assert _counts(database) == before
    with database.session(write=False) as s:
        assert (
            s.execute(
                select(CannedResponse.body).where(
                    CannedResponse.shortcut == "greeting", CannedResponse.language == "en"
                )
            ).scalar_one()
            == "Hi {{customer.name}}, {{agent.name}} here."
        )
