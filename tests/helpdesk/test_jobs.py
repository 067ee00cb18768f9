"""Periodic jobs: SLA events once, escalation history, reassignment, CSAT reminder, NPS,
incidents on a synthetic spike, and the ``wendu helpdesk run-jobs --once`` command."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator

import pytest
import typer
from sqlalchemy import select
from tests.factories import make_customer
from tests.helpdesk.conftest import Desk
from typer.testing import CliRunner

from wendu.config import Settings, get_settings
from wendu.db import Database, utcnow
from wendu.events.models import OutboxEvent
from wendu.helpdesk import cli as helpdesk_cli
from wendu.helpdesk.models import AgentState, Conversation, Incident, Message, Survey, Ticket
from wendu.helpdesk.tasks import (
    check_sla,
    csat_reminders,
    detect_incidents,
    reassign,
    schedule_nps,
)
from wendu.helpdesk.taxonomy import taxonomy
from wendu.helpdesk.tickets import create_ticket, ticket_history


def _events_of(db: Database, resource_id: str) -> Counter[str]:
    with db.session() as s:
        rows = s.execute(
            select(OutboxEvent.event_type, OutboxEvent.subject).where(
                OutboxEvent.event_type.like("ticket.sla_%")
            )
        ).all()
    return Counter(t for t, subject in rows if resource_id in json.dumps(subject))


def test_sla_warning_and_breach_fire_exactly_once_through_the_job(desk: Desk, db: Database) -> None:
    desk.staff("a1")
    created = desk.ok(
        "a1",
        "POST",
        "/tickets",
        201,
        json={
            "subject": "Card blocked abroad",
            "priority": "urgent",
            "category": next(iter(taxonomy())).code,
        },
    )
    tid = created["ticket"]["id"]
    opened = dt.datetime.fromisoformat(created["ticket"]["created_at"])
    # Urgent: 15 minutes to first response on the 24x7 calendar, warning 5 minutes before.
    with db.session() as s:
        check_sla(s, opened + dt.timedelta(minutes=5))
    assert _events_of(db, tid) == Counter()
    for _ in range(2):
        with db.session() as s:
            check_sla(s, opened + dt.timedelta(minutes=11))
    assert _events_of(db, tid) == Counter({"ticket.sla_warning": 1})
    for _ in range(2):
        with db.session() as s:
            check_sla(s, opened + dt.timedelta(minutes=16))
    assert _events_of(db, tid) == Counter({"ticket.sla_warning": 1, "ticket.sla_breached": 1})
    with db.session() as s:
        kinds = [e.kind for e in ticket_history(s, tid)]
        escalations = [e.data for e in ticket_history(s, tid) if e.kind == "sla_escalated"]
    assert kinds.count("sla_warning") == 1 and kinds.count("sla_breached") == 1
    assert [e["level"] for e in escalations] == [1] and escalations[0]["notify"] == ["team_lead"]
    # The level-2 escalation (30 minutes after the breach) comes once, later.
    for _ in range(2):
        with db.session() as s:
            check_sla(s, opened + dt.timedelta(minutes=46))
    with db.session() as s:
        levels = [e.data["level"] for e in ticket_history(s, tid) if e.kind == "sla_escalated"]
    assert levels == [1, 2]
    # The breach shows on the SLA board and in the backlog's breached count.
    detail = desk.ok("sup", "GET", f"/tickets/{tid}")
    assert any(h["kind"] == "sla_breached" for h in detail["history"])


def test_pending_customer_pauses_the_clock_so_no_breach_fires(desk: Desk, db: Database) -> None:
    desk.staff("a1")
    created = desk.ok(
        "a1",
        "POST",
        "/tickets",
        201,
        json={
            "subject": "Need documents",
            "priority": "urgent",
            "category": next(iter(taxonomy())).code,
        },
    )
    tid = created["ticket"]["id"]
    desk.ok("a1", "POST", f"/tickets/{tid}/replies", 201, json={"body": "Please send the form"})
    desk.ok("a1", "POST", f"/tickets/{tid}/status", json={"status": "pending_customer"})
    opened = dt.datetime.fromisoformat(created["ticket"]["created_at"])
    with db.session() as s:
        check_sla(s, opened + dt.timedelta(hours=20))  # resolution budget is 8h, but paused
    assert _events_of(db, tid) == Counter()


def test_silent_agent_is_set_away_and_their_chat_moves(desk: Desk, db: Database) -> None:
    desk.staff("a1", capacity=1)
    conv = desk.ok(
        "sup",
        "POST",
        "/conversations",
        201,
        json={"channel": "phone", "body": "hi", "team_id": desk.team_id},
    )
    assert conv["assignee_id"] == desk.members["a1"].id
    desk.staff("a2", capacity=1)
    now = utcnow()
    with db.session() as s:
        agent = s.get(AgentState, desk.members["a1"].id)
        assert agent is not None
        agent.last_seen_at = now - dt.timedelta(hours=1)
    with db.session() as s:
        reassign(s, now)
    with db.session() as s:
        agent = s.get(AgentState, desk.members["a1"].id)
        moved = s.get(Conversation, conv["id"])
        assert agent is not None and agent.presence == "away"
        assert moved is not None and moved.assignee_id == desk.members["a2"].id


def test_csat_reminder_is_sent_once_and_nps_is_scheduled_once(
    clock: dt.datetime, desk: Desk, db: Database, settings: Settings
) -> None:
    with db.session() as s:
        customer_id = make_customer(s).id
    desk.staff("a1")
    conv = desk.ok(
        "a1",
        "POST",
        "/conversations",
        201,
        json={
            "channel": "app",
            "customer_id": customer_id,
            "body": "help",
            "team_id": desk.team_id,
            "assign_to_me": True,
        },
    )
    desk.ok("a1", "POST", f"/conversations/{conv['id']}/resolve")
    later = utcnow() + dt.timedelta(hours=25)
    for _ in range(2):
        with db.session() as s:
            csat_reminders(s, settings, later)
    with db.session() as s:
        bodies = list(
            s.execute(
                select(Message.body)
                .where(Message.conversation_id == conv["id"], Message.author_type == "system")
                .order_by(Message.id)
            ).scalars()
        )
        survey = s.execute(
            select(Survey).where(Survey.conversation_id == conv["id"], Survey.kind == "csat")
        ).scalar_one()
        assert survey.reminded_at is not None
    assert len(bodies) == 2
    assert "Reminder" in bodies[1] or "提醒" in bodies[1]
    for _ in range(2):
        with db.session() as s:
            schedule_nps(s, settings, utcnow() + dt.timedelta(minutes=1))
    with db.session() as s:
        nps = (
            s.execute(select(Survey).where(Survey.customer_id == customer_id, Survey.kind == "nps"))
            .scalars()
            .all()
        )
    assert len(nps) == 1 and nps[0].scale == 10


def test_incident_opens_on_a_synthetic_spike_and_links_its_tickets(db: Database) -> None:
    category = list(taxonomy())[-1].code
    # A quiet week far from other tests' data: one ticket every four hours, then a burst.
    base = dt.datetime(2031, 3, 2, tzinfo=dt.UTC)
    baseline, spike = [], []
    with db.session() as s:
        for hour in range(0, 7 * 24, 4):
            t = create_ticket(s, subject="quiet", category=category, suggest=False)
            t.created_at = base + dt.timedelta(hours=hour, minutes=10)
            baseline.append(t.id)
        burst_hour = base + dt.timedelta(days=7, hours=9)
        for minute in range(16):
            t = create_ticket(s, subject="app crash", category=category, suggest=False)
            t.created_at = burst_hour + dt.timedelta(minutes=minute * 3)
            spike.append(t.id)
    now = burst_hour + dt.timedelta(minutes=55)
    with db.session() as s:
        opened = detect_incidents(s, now)
    with db.session() as s:
        again = detect_incidents(s, now + dt.timedelta(minutes=2))
    assert len(opened) == 1 and again == []
    with db.session() as s:
        incident = s.get(Incident, opened[0])
        assert incident is not None and incident.category == category
        assert incident.observed >= 16 and incident.expected < 5
        linked = set(
            s.execute(select(Ticket.id).where(Ticket.incident_id == incident.id)).scalars()
        )
    assert set(spike) <= linked and not linked & set(baseline[:-1])


@pytest.fixture()
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WENDU_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_run_jobs_once_from_the_command_line(cli_env: None, client: object) -> None:
    cli = typer.Typer()
    cli.add_typer(helpdesk_cli.app, name="helpdesk")
    result = CliRunner().invoke(cli, ["helpdesk", "run-jobs", "--once"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report) >= {"sla_events", "csat_reminders", "nps_sent", "incidents"}
