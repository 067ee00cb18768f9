"""Linked incidents: a burst of public mentions and a spike of complaints about the same
thing at the same time are one incident, seen from both sides.

A reputation topic maps to the helpdesk categories (``product.issue`` codes of
``helpdesk.taxonomy``) whose product or issue it is about. An alert is linked to every
helpdesk incident of those categories whose window overlaps the alert's span, widened by
``SLACK`` on both sides: customers often call a few hours before or after they post.
``timeline`` puts both sides on one hourly axis for the console.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.helpdesk.models import Incident, Ticket
from wendu.reputation.models import Mention, ReputationAlert

SLACK = dt.timedelta(hours=12)
# topic -> (products, issues) of the helpdesk taxonomy it is about
TOPIC_CATEGORIES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "app_outage": (frozenset({"digital_banking"}), frozenset({"app_fault", "account_access"})),
    "fees": (frozenset(), frozenset({"fees_charges"})),
    "card": (frozenset({"debit_card", "credit_card"}), frozenset({"card_lost_stolen"})),
    "transfer": (frozenset({"payment"}), frozenset({"transfer_failure"})),
    "wealth_mis_selling": (frozenset({"wealth"}), frozenset({"mis_selling"})),
    "staff": (frozenset({"branch"}), frozenset({"service_attitude"})),
    "fraud_scam": (frozenset(), frozenset({"unauthorised_transaction"})),
    "solvency_rumour": (frozenset({"deposit"}), frozenset({"account_access"})),
}


def matches(topic: str, category: str | None) -> bool:
    """Tell whether a helpdesk category (``product.issue``) is about a reputation topic."""
    if not category or topic not in TOPIC_CATEGORIES:
        return False
    product, _, issue = category.partition(".")
    products, issues = TOPIC_CATEGORIES[topic]
    return product in products or issue in issues


def _span(alert: ReputationAlert, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return alert.started_at - SLACK, (alert.ended_at or now) + SLACK


def link_incidents(session: Session, alert: ReputationAlert, now: dt.datetime) -> bool:
    """Link the alert to the overlapping helpdesk incidents of its topic; True if new ones."""
    start, end = _span(alert, now)
    found = session.execute(
        select(Incident.id, Incident.category).where(
            Incident.window_start < end, Incident.window_end > start
        )
    ).all()
    ids = sorted({i for i, category in found if matches(alert.topic, category)})
    if set(ids) <= set(alert.incident_ids or []):
        return False
    alert.incident_ids = sorted(set(alert.incident_ids or []) | set(ids))
    return True


def timeline(
    session: Session, alert: ReputationAlert, now: dt.datetime
) -> tuple[list[dt.datetime], list[int], list[int]]:
    """Return hours across the alert (with slack), mentions of its topic and complaints of
    its categories per hour."""
    start, end = _span(alert, now)
    start = start.replace(minute=0, second=0, microsecond=0)
    hours = [
        start + dt.timedelta(hours=i) for i in range(int((end - start) / dt.timedelta(hours=1)) + 1)
    ]
    mentions, complaints = [0] * len(hours), [0] * len(hours)
    for at, topics in session.execute(
        select(Mention.published_at, Mention.topics).where(
            Mention.published_at >= start, Mention.published_at < end
        )
    ).all():
        if alert.topic in (topics or []) or alert.topic == "all":
            mentions[int((at - start) / dt.timedelta(hours=1))] += 1
    for at, category in session.execute(
        select(Ticket.created_at, Ticket.category).where(
            Ticket.created_at >= start, Ticket.created_at < end
        )
    ).all():
        if alert.topic == "all" or matches(alert.topic, category):
            complaints[int((at - start) / dt.timedelta(hours=1))] += 1
    return hours, mentions, complaints
