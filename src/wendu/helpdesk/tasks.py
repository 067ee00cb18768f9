"""Periodic helpdesk jobs: SLA events, reassignment, CSAT reminders, NPS, incident detection.

Each job takes a session and ``now`` (tests pass the instant they need), flushes, and
returns what it did; ``run_all`` runs them in one transaction each. ``install_jobs`` runs
them every ``jobs_interval_seconds`` inside ``wendu serve`` when the embedded worker is on;
``wendu helpdesk run-jobs`` runs them from the command line.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.events import Subject, publish
from wendu.events.types import TICKET_SLA_BREACHED, TICKET_SLA_WARNING
from wendu.helpdesk.incidents import SpikeConfig, bucket_counts, detect_spikes
from wendu.helpdesk.models import AgentState, Conversation, Incident, Survey, Ticket
from wendu.helpdesk.routing import fill_agent, set_presence
from wendu.helpdesk.sla import EventKind, collect_events
from wendu.helpdesk.surveys import get_helpdesk_settings, send_nps, send_reminder
from wendu.helpdesk.tickets import _save_sla, calendar_for, history, sla_state
from wendu.kit.ids import new_id
from wendu.kit.periodic import install_periodic

log = logging.getLogger("wendu.helpdesk.tasks")

_OUTBOX_TYPE = {EventKind.WARNING: TICKET_SLA_WARNING, EventKind.BREACHED: TICKET_SLA_BREACHED}


@dataclass
class JobReport:
    """What one run of the jobs did."""

    sla_events: int = 0
    escalations: int = 0
    agents_set_away: list[str] = field(default_factory=list)
    conversations_moved: int = 0
    conversations_assigned: int = 0
    csat_reminders: int = 0
    nps_sent: int = 0
    incidents: list[str] = field(default_factory=list)


def check_sla(session: Session, now: dt.datetime, report: JobReport | None = None) -> int:
    """Emit due SLA warnings and breaches once each; record escalations in the history."""
    report = report or JobReport()
    due = session.execute(
        select(Ticket)
        .where(Ticket.sla_next_at.is_not(None), Ticket.sla_next_at <= now)
        .order_by(Ticket.sla_next_at)
        .limit(500)
    ).scalars()
    emitted = 0
    for ticket in list(due):
        state = sla_state(ticket)
        if state is None:
            ticket.sla_next_at = None
            continue
        state, events = collect_events(state, now, calendar_for(state))
        _save_sla(ticket, state)
        for event in events:
            payload = {"reference": ticket.reference, "priority": ticket.priority}
            payload.update(event.to_payload())
            if event.kind is EventKind.ESCALATED:
                report.escalations += 1
                history(session, ticket, "sla_escalated", "system", **event.to_payload())
                continue
            publish(
                session,
                event_type=_OUTBOX_TYPE[event.kind],
                partner_id=ticket.partner_id,
                subject=Subject(resource_id=ticket.id, resource_type="ticket"),
                payload=payload,
            )
            kind = "sla_warning" if event.kind is EventKind.WARNING else "sla_breached"
            history(session, ticket, kind, "system", **event.to_payload())
            emitted += 1
    session.flush()
    report.sla_events += emitted
    return emitted


def reassign(session: Session, now: dt.datetime, report: JobReport | None = None) -> int:
    """Set silent agents away (their chats go back to the queue) and fill free agents."""
    report = report or JobReport()
    idle = dt.timedelta(minutes=get_helpdesk_settings().agent_idle_minutes)
    silent = session.execute(
        select(AgentState.staff_id).where(
            AgentState.presence == "online",
            AgentState.last_seen_at.is_not(None),
            AgentState.last_seen_at < now - idle,
        )
    ).scalars()
    for staff_id in list(silent):
        moved = set_presence(session, staff_id, "away")
        report.agents_set_away.append(staff_id)
        report.conversations_moved += len(moved)
    waiting = session.execute(
        select(func.count()).select_from(Conversation).where(Conversation.status == "queued")
    ).scalar_one()
    if waiting:
        online = session.execute(
            select(AgentState.staff_id)
            .where(AgentState.presence == "online")
            .order_by(AgentState.last_assigned_at.asc().nulls_first(), AgentState.staff_id)
        ).scalars()
        for staff_id in list(online):
            report.conversations_assigned += len(fill_agent(session, staff_id))
    return report.conversations_moved + report.conversations_assigned


def csat_reminders(
    session: Session, settings: Settings, now: dt.datetime, report: JobReport | None = None
) -> int:
    """Send the one reminder for CSAT surveys left unanswered past the reminder delay."""
    report = report or JobReport()
    after = dt.timedelta(hours=get_helpdesk_settings().csat_reminder_after_hours)
    surveys = session.execute(
        select(Survey).where(
            Survey.kind == "csat",
            Survey.answered_at.is_(None),
            Survey.reminded_at.is_(None),
            Survey.sent_at <= now - after,
        )
    ).scalars()
    sent = sum(1 for survey in list(surveys) if send_reminder(session, settings, survey))
    report.csat_reminders += sent
    return sent


def schedule_nps(
    session: Session, settings: Settings, now: dt.datetime, report: JobReport | None = None
) -> int:
    """Send NPS to customers served recently who had no NPS survey within the interval."""
    report = report or JobReport()
    config = get_helpdesk_settings()
    recent = now - dt.timedelta(days=config.nps_after_contact_days)
    asked = select(Survey.customer_id).where(
        Survey.kind == "nps",
        Survey.customer_id.is_not(None),
        Survey.sent_at >= now - dt.timedelta(days=config.nps_interval_days),
    )
    latest = (
        select(Conversation.customer_id, func.max(Conversation.resolved_at).label("last"))
        .where(
            Conversation.customer_id.is_not(None),
            Conversation.resolved_at >= recent,
            Conversation.resolved_at <= now,
            Conversation.customer_id.not_in(asked),
        )
        .group_by(Conversation.customer_id)
        .subquery()
    )
    conversations = session.execute(
        select(Conversation)
        .join(
            latest,
            and_(
                Conversation.customer_id == latest.c.customer_id,
                Conversation.resolved_at == latest.c.last,
            ),
        )
        .limit(200)
    ).scalars()
    seen: set[str] = set()
    for conversation in list(conversations):
        if conversation.customer_id in seen:
            continue
        seen.add(conversation.customer_id or "")
        send_nps(session, settings, conversation)
        report.nps_sent += 1
    return len(seen)


def detect_incidents(
    session: Session,
    now: dt.datetime,
    report: JobReport | None = None,
    *,
    config: SpikeConfig | None = None,
    history_days: int = 8,
) -> list[str]:
    """Open an incident for each category whose ticket count spikes now, linking its tickets.

    Hourly buckets over the last ``history_days``; only spikes touching the last two hours
    count (older ones were handled by earlier runs), and a category with an open incident
    overlapping the window gets its new tickets linked instead of a second incident.
    """
    report = report or JobReport()
    bucket = dt.timedelta(hours=1)
    end = now.replace(minute=0, second=0, microsecond=0) + bucket
    start = end - dt.timedelta(days=history_days)
    rows = session.execute(
        select(Ticket.created_at, Ticket.category).where(
            Ticket.category.is_not(None), Ticket.created_at >= start, Ticket.created_at < end
        )
    ).all()
    counts = bucket_counts(((at, str(cat)) for at, cat in rows), start, end, bucket)
    opened = []
    for candidate in detect_spikes(counts, start, bucket, config):
        if candidate.window_end < end - 2 * bucket:
            continue
        incident = session.execute(
            select(Incident).where(
                Incident.category == candidate.category,
                Incident.status == "open",
                Incident.window_end >= candidate.window_start,
            )
        ).scalar_one_or_none()
        if incident is None:
            incident = Incident(
                id=new_id("inc"),
                category=candidate.category,
                status="open",
                window_start=candidate.window_start,
                window_end=candidate.window_end,
                observed=candidate.observed,
                expected=candidate.expected,
                score=candidate.score,
                opened_at=now,
            )
            session.add(incident)
            opened.append(incident.id)
        else:
            incident.window_end = max(incident.window_end, candidate.window_end)
            incident.observed = max(incident.observed, candidate.observed)
        session.flush()
        for ticket in session.execute(
            select(Ticket).where(
                Ticket.category == candidate.category,
                Ticket.created_at >= candidate.window_start,
                Ticket.created_at < candidate.window_end,
                Ticket.incident_id.is_(None),
            )
        ).scalars():
            ticket.incident_id = incident.id
            history(session, ticket, "incident_linked", "system", incident_id=incident.id)
    session.flush()
    report.incidents.extend(opened)
    return opened


def run_all(db: Database, settings: Settings, now: dt.datetime | None = None) -> JobReport:
    """Run every job once, each in its own transaction; a failing job does not stop the rest."""
    report = JobReport()
    at = now or utcnow()
    jobs: list[tuple[str, Callable[[Session], object]]] = [
        ("sla", lambda s: check_sla(s, at, report)),
        ("reassign", lambda s: reassign(s, at, report)),
        ("csat_reminders", lambda s: csat_reminders(s, settings, at, report)),
        ("nps", lambda s: schedule_nps(s, settings, at, report)),
        ("incidents", lambda s: detect_incidents(s, at, report)),
    ]
    for name, job in jobs:
        try:
            with db.session() as session:
                job(session)
        except Exception:
            log.exception("helpdesk job %s failed", name)
    return report


def install_jobs(app: FastAPI) -> None:
    """Run the jobs periodically while the app serves, when the embedded worker is on."""
    settings: Settings = app.state.settings
    if not settings.run_worker_in_process:
        return
    interval = get_helpdesk_settings().jobs_interval_seconds
    install_periodic(
        app,
        name="helpdesk_jobs",
        interval=interval,
        job=lambda _app: run_all(_app.state.db, settings),
    )
