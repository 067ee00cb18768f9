"""The detection job over stored mentions, and the alerts it keeps.

Each run replays the mentions of the trailing ``HISTORY`` through a fresh ``Monitor`` up
to ``now`` (the detector needs its warm-up week, and a replay from the database is what
lets any worker run it) and reconciles the stories it finds with the stored alerts: a new
story raises an alert, a growing one updates it, a finished one closes it. A story matches
the stored alert of its topic whose span it overlaps, so a start that moves by an hour
between runs never raises a second alert. Each change is published to the events outbox
(``reputation.alert_raised`` / ``_updated`` / ``_closed``) in the same transaction.
Each run also links recent alerts to the helpdesk's complaint spikes on the same topic
(``links``): a spike found after the alert was raised updates it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.events import publish
from wendu.events.types import (
    REPUTATION_ALERT_CLOSED,
    REPUTATION_ALERT_RAISED,
    REPUTATION_ALERT_UPDATED,
)
from wendu.kit.ids import new_id
from wendu.reputation.detect import BurstConfig
from wendu.reputation.links import link_incidents
from wendu.reputation.models import Mention, ReputationAlert
from wendu.reputation.monitor import Monitor, Observed, Story, hours, stories

HISTORY = dt.timedelta(days=35)
SHOWN_MENTIONS = 200  # mention ids kept on an alert


@dataclass
class DetectionRun:
    """What one run changed: ids of alerts raised, updated and closed."""

    raised: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)


def run_detection(
    session: Session,
    now: dt.datetime,
    *,
    timezone: str,
    country: str | None,
    config: BurstConfig | None = None,
    history: dt.timedelta = HISTORY,
    notify: str | None = None,
) -> DetectionRun:
    """Detect bursts in the stored mentions of ``history`` before ``now`` and reconcile the
    alerts; flush. (The demo replays a whole year at once with a longer ``history``.)

    ``notify`` is the partner id that receives the alert events (the bank's operations app,
    ``settings.ops_events_partner_id``); without one they are only recorded in the outbox.
    """
    rows = session.execute(
        select(
            Mention.external_id, Mention.published_at, Mention.topics, Mention.negative,
            Mention.reach,
        ).where(Mention.published_at >= now - history, Mention.published_at < now)
    ).all()  # fmt: skip
    observed = [Observed(i, at, tuple(t or ()), bool(n), r) for i, at, t, n, r in rows]
    monitor = Monitor(timezone=timezone, country=country, config=config)
    for at, batch in hours(observed, until=now):
        monitor.push_hour(at, batch)
    run = DetectionRun()
    stored = list(session.execute(select(ReputationAlert)).scalars())
    for story in stories(monitor.events):
        alert = next((a for a in stored if _same(a, story, now)), None)
        if alert is None:
            alert = _raise(session, story)
            stored.append(alert)
            run.raised.append(alert.id)
            _publish(session, REPUTATION_ALERT_RAISED, alert, notify)
        elif _apply(alert, story):
            closed = alert.status == "closed"
            (run.closed if closed else run.updated).append(alert.id)
            kind = REPUTATION_ALERT_CLOSED if closed else REPUTATION_ALERT_UPDATED
            _publish(session, kind, alert, notify)
    for alert in stored:  # complaint spikes may be found after the alert was raised
        recent = alert.ended_at is None or alert.ended_at > now - HISTORY
        linked = recent and link_incidents(session, alert, now)
        if linked and alert.id not in run.raised + run.updated + run.closed:
            run.updated.append(alert.id)
            _publish(session, REPUTATION_ALERT_UPDATED, alert, notify)
    session.flush()
    return run


def list_alerts(session: Session, *, limit: int = 100) -> list[ReputationAlert]:
    """Return alerts, open ones first, newest first."""
    rows = session.execute(
        select(ReputationAlert).order_by(ReputationAlert.started_at.desc()).limit(limit)
    ).scalars()
    return sorted(rows, key=lambda a: a.status != "open")


def _same(alert: ReputationAlert, story: Story, now: dt.datetime) -> bool:
    if alert.topic != story.topic:
        return False
    alert_end = alert.ended_at or now
    story_end = story.end or now
    return alert.started_at < story_end and story.start < alert_end


def _raise(session: Session, story: Story) -> ReputationAlert:
    alert = ReputationAlert(
        id=new_id("rpa"),
        topic=story.topic,
        status="open",
        started_at=story.start,
        peak_at=story.peak,
        ended_at=None,
        observed=0.0,
        expected=0.0,
        signals=[],
        mention_ids=[],
        mentions=0,
        incident_ids=[],
    )
    _apply(alert, story)
    session.add(alert)
    return alert


def _apply(alert: ReputationAlert, story: Story) -> bool:
    """Copy the story onto the alert; return True when anything an alert shows changed."""
    before = (alert.status, alert.peak_at, round(alert.observed, 2), tuple(alert.signals))
    alert.peak_at = story.peak
    alert.observed = round(story.observed, 2)
    alert.expected = round(story.expected, 2)
    alert.signals = list(story.signals)
    alert.mentions = len(story.mention_ids)
    alert.mention_ids = story.mention_ids[:SHOWN_MENTIONS]
    if story.end is not None:
        alert.status, alert.ended_at = "closed", story.end
    after = (alert.status, alert.peak_at, round(alert.observed, 2), tuple(alert.signals))
    if before != after:
        alert.updated_at = utcnow()
        return True
    return False


def _publish(session: Session, event_type: str, alert: ReputationAlert, notify: str | None) -> None:
    publish(
        session,
        event_type=event_type,
        partner_id=notify,  # the bank's operations app; never a third party
        subject={"rid": alert.id, "rty": "reputation-alert"},
        payload={
            "topic": alert.topic,
            "status": alert.status,
            "start": alert.started_at.isoformat(),
            "peak": alert.peak_at.isoformat(),
            "end": alert.ended_at.isoformat() if alert.ended_at else None,
            "observed": alert.observed,
            "expected": alert.expected,
            "signals": alert.signals,
            "incident_ids": list(alert.incident_ids or []),
        },
    )
