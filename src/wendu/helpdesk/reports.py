"""Service reports: volume, response and resolution times, SLA attainment, backlog, bot
containment, CSAT and NPS — grouped by agent, team, category, channel, partner or intent.

Every figure is computed from one row per conversation (:class:`ConversationRow`), so a
number can always be drilled down to the conversation ids behind it and exported as CSV.
Functions return plain dataclasses for the console's charts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.helpdesk.models import Conversation, Survey, Ticket, TicketConversation
from wendu.helpdesk.sla import Target
from wendu.helpdesk.tickets import calendars, policies, sla_state
from wendu.ledger.models import Customer

DIMENSIONS = ("agent", "team", "category", "channel", "partner", "intent", "priority", "day")
METRICS = (
    "conversations",
    "handed_off",
    "contained",
    "responded",
    "within_sla",
    "resolved",
    "csat",
    "nps",
)


@dataclass(frozen=True)
class ConversationRow:
    """One conversation with every figure the reports use (also the CSV export's row)."""

    conversation_id: str
    created_at: dt.datetime
    day: str
    channel: str
    partner: str | None
    team: str | None
    agent: str | None
    intent: str | None
    category: str | None
    priority: str
    status: str
    handed_off: bool
    contained: bool  # ended with the assistant, never queued for a person
    first_response_seconds: float | None
    resolution_seconds: float | None
    within_sla: bool | None  # first response within the priority's SLA (business time)
    csat: int | None
    nps: int | None
    sentiment: float | None


@dataclass(frozen=True)
class GroupStats:
    """The figures of one group (an agent, a team, a category…)."""

    key: str
    conversations: int
    handed_off: int
    contained: int
    containment_rate: float | None
    handoff_rate: float | None
    first_response_avg_seconds: float | None
    first_response_median_seconds: float | None
    resolution_avg_seconds: float | None
    within_sla_pct: float | None
    resolved: int
    csat_avg: float | None
    csat_responses: int
    nps: float | None
    nps_responses: int
    conversation_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Backlog:
    """Open work now: conversations by status, tickets by status and age."""

    conversations: dict[str, int]
    tickets: dict[str, int]
    tickets_by_age: dict[str, int]
    breached_tickets: int
    ticket_ids: list[str]


@dataclass(frozen=True)
class TicketStats:
    """SLA attainment of tickets in one group."""

    key: str
    tickets: int
    resolved: int
    within_sla_pct: float | None
    breached: int
    resolution_avg_seconds: float | None
    ticket_ids: list[str]


@dataclass(frozen=True)
class FirstExperience:
    """A customer's first 30 days with the bank's service."""

    customer_id: str
    joined_at: dt.datetime
    contacts: int
    first_contact_at: dt.datetime | None
    first_failure_at: dt.datetime | None  # first hand-off after assistant fallbacks, or ticket
    first_complaint_at: dt.datetime | None
    conversation_ids: list[str]


def _seconds(a: dt.datetime | None, b: dt.datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return max((b - a).total_seconds(), 0.0)


def _intent(c: Conversation) -> str | None:
    context = c.handoff_context or {}
    intents = context.get("intents") or []
    if isinstance(intents, list) and intents:
        last = intents[-1]
        return str(last.get("name") if isinstance(last, dict) else last)
    return str(context["intent"]) if context.get("intent") else None


def _within_sla(c: Conversation) -> bool | None:
    if c.queued_at is None:
        return None
    policy = policies().resolve(c.priority if c.priority in ("urgent", "high", "low") else "normal")
    budget = policy.budget(Target.FIRST_RESPONSE)
    if budget is None:
        return None
    cal = calendars().get(policy.calendar) or calendars()["default"]
    if c.first_agent_reply_at is None:
        return None if c.status in ("queued", "assigned") else False
    return cal.business_time_between(c.queued_at, c.first_agent_reply_at) <= budget


def conversation_rows(
    session: Session, start: dt.datetime, end: dt.datetime, *, timezone: str
) -> list[ConversationRow]:
    """Return one row per conversation created in ``[start, end)``.

    A row's ``day`` is the local date in ``timezone`` (the bank's, ``settings.timezone``):
    a conversation at 17:00 UTC belongs to the next day in Asia/Shanghai.
    """
    zone = ZoneInfo(timezone)
    conversations = list(
        session.execute(
            select(Conversation)
            .where(Conversation.created_at >= start, Conversation.created_at < end)
            .order_by(Conversation.created_at, Conversation.id)
        ).scalars()
    )
    ids = [c.id for c in conversations]
    categories: dict[str, str] = {}
    csat: dict[str, int] = {}
    nps: dict[str, int] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for conv_id, ticket_category in session.execute(
            select(TicketConversation.conversation_id, Ticket.category)
            .join(Ticket, Ticket.id == TicketConversation.ticket_id)
            .where(TicketConversation.conversation_id.in_(chunk), Ticket.category.is_not(None))
        ):
            categories[str(conv_id)] = str(ticket_category)
        for survey_conv_id, survey_kind, score in session.execute(
            select(Survey.conversation_id, Survey.kind, Survey.score).where(
                Survey.conversation_id.in_(chunk), Survey.score.is_not(None)
            )
        ):
            (csat if survey_kind == "csat" else nps)[str(survey_conv_id)] = int(score or 0)
    rows = []
    for c in conversations:
        handed_off = c.queued_at is not None
        rows.append(
            ConversationRow(
                conversation_id=c.id,
                created_at=c.created_at,
                day=c.created_at.astimezone(zone).date().isoformat(),
                channel=c.channel,
                partner=c.partner_id,
                team=c.team_id,
                agent=c.assignee_id,
                intent=_intent(c),
                category=categories.get(c.id),
                priority=c.priority,
                status=c.status,
                handed_off=handed_off,
                contained=not handed_off and c.status in ("resolved", "closed"),
                first_response_seconds=_seconds(c.queued_at, c.first_agent_reply_at),
                resolution_seconds=_seconds(c.created_at, c.resolved_at),
                within_sla=_within_sla(c),
                csat=csat.get(c.id),
                nps=nps.get(c.id),
                sentiment=c.sentiment,
            )
        )
    return rows


def _key(row: ConversationRow, by: str) -> str:
    if by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}")
    value = getattr(row, by)
    return str(value) if value is not None else "(none)"


def _avg(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def nps_score(scores: Sequence[int]) -> float | None:
    """Return the Net Promoter Score: % promoters (9-10) minus % detractors (0-6)."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100.0 * (promoters - detractors) / len(scores), 2)


def _stats(key: str, rows: Sequence[ConversationRow]) -> GroupStats:
    handed = [r for r in rows if r.handed_off]
    bot_ended = [r for r in rows if r.contained or r.handed_off]
    first = [r.first_response_seconds for r in rows if r.first_response_seconds is not None]
    resolution = [r.resolution_seconds for r in rows if r.resolution_seconds is not None]
    measured = [r for r in rows if r.within_sla is not None]
    csat = [r.csat for r in rows if r.csat is not None]
    nps = [r.nps for r in rows if r.nps is not None]
    contained = sum(1 for r in rows if r.contained)
    return GroupStats(
        key=key,
        conversations=len(rows),
        handed_off=len(handed),
        contained=contained,
        containment_rate=_pct(contained, len(bot_ended)),
        handoff_rate=_pct(len(handed), len(rows)),
        first_response_avg_seconds=_avg(first),
        first_response_median_seconds=round(statistics.median(first), 2) if first else None,
        resolution_avg_seconds=_avg(resolution),
        within_sla_pct=_pct(sum(1 for r in measured if r.within_sla), len(measured)),
        resolved=sum(1 for r in rows if r.status in ("resolved", "closed")),
        csat_avg=_avg([float(s) for s in csat]),
        csat_responses=len(csat),
        nps=nps_score(nps),
        nps_responses=len(nps),
        conversation_ids=[r.conversation_id for r in rows],
    )


def summarize(rows: Sequence[ConversationRow], by: str | None = None) -> list[GroupStats]:
    """Return the figures for all rows (``by`` None) or per group, largest group first."""
    if by is None:
        return [_stats("all", rows)]
    groups: dict[str, list[ConversationRow]] = defaultdict(list)
    for row in rows:
        groups[_key(row, by)].append(row)
    out = [_stats(k, g) for k, g in groups.items()]
    out.sort(key=lambda s: (-s.conversations, s.key))
    return out


_DRILL: dict[str, Callable[[ConversationRow], bool]] = {
    "conversations": lambda r: True,
    "handed_off": lambda r: r.handed_off,
    "contained": lambda r: r.contained,
    "responded": lambda r: r.first_response_seconds is not None,
    "within_sla": lambda r: r.within_sla is True,
    "resolved": lambda r: r.status in ("resolved", "closed"),
    "csat": lambda r: r.csat is not None,
    "nps": lambda r: r.nps is not None,
}


def drill_down(
    rows: Iterable[ConversationRow], *, by: str | None, key: str | None, metric: str
) -> list[str]:
    """Return the conversation ids behind one number (a metric of one group)."""
    if metric not in _DRILL:
        raise ValueError(f"unknown metric {metric!r}")
    test = _DRILL[metric]
    return [r.conversation_id for r in rows if (by is None or _key(r, by) == key) and test(r)]


CSV_COLUMNS = tuple(f.name for f in fields(ConversationRow))


def to_csv(rows: Iterable[ConversationRow]) -> str:
    """Return the rows as CSV, one line per conversation."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        data = asdict(row)
        data["created_at"] = row.created_at.isoformat()
        writer.writerow(data)
    return out.getvalue()


def backlog(session: Session, now: dt.datetime) -> Backlog:
    """Return the open conversations and tickets now, tickets by age bucket."""
    conv: dict[str, int] = defaultdict(int)
    for status in session.execute(
        select(Conversation.status).where(Conversation.status.in_(("queued", "assigned")))
    ).scalars():
        conv[status] += 1
    tickets: dict[str, int] = defaultdict(int)
    ages: dict[str, int] = {"<1d": 0, "1-3d": 0, "3-7d": 0, ">7d": 0}
    breached = 0
    ids = []
    for t in session.execute(
        select(Ticket).where(Ticket.status.in_(("new", "open", "pending_customer")))
    ).scalars():
        ids.append(t.id)
        tickets[t.status] += 1
        days = (now - t.created_at).total_seconds() / 86400
        bucket = "<1d" if days < 1 else "1-3d" if days < 3 else "3-7d" if days < 7 else ">7d"
        ages[bucket] += 1
        if _ticket_breached(t):
            breached += 1
    return Backlog(dict(conv), dict(tickets), ages, breached, ids)


def _ticket_breached(ticket: Ticket) -> bool:
    state = sla_state(ticket)
    if state is None:
        return False
    return any(k.endswith(":breached") for k in state.emitted) or any(
        c.breached_at is not None for c in state.clocks
    )


def ticket_stats(
    session: Session, start: dt.datetime, end: dt.datetime, by: str = "category"
) -> list[TicketStats]:
    """Return SLA attainment of tickets created in ``[start, end)`` per agent/team/category."""
    column = {"agent": "assignee_id", "team": "team_id", "category": "category"}.get(by)
    if column is None:
        raise ValueError("tickets group by agent, team or category")
    groups: dict[str, list[Ticket]] = defaultdict(list)
    for t in session.execute(
        select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
    ).scalars():
        groups[str(getattr(t, column) or "(none)")].append(t)
    out = []
    for key, group in groups.items():
        breached = [t for t in group if _ticket_breached(t)]
        resolved = [t for t in group if t.resolved_at is not None]
        out.append(
            TicketStats(
                key=key,
                tickets=len(group),
                resolved=len(resolved),
                within_sla_pct=_pct(len(group) - len(breached), len(group)),
                breached=len(breached),
                resolution_avg_seconds=_avg(
                    [
                        (t.resolved_at - t.created_at).total_seconds()
                        for t in resolved
                        if t.resolved_at
                    ]
                ),
                ticket_ids=[t.id for t in group],
            )
        )
    out.sort(key=lambda s: (-s.tickets, s.key))
    return out


def first_experience(
    session: Session, now: dt.datetime, *, joined_within_days: int = 90, days: int = 30
) -> list[FirstExperience]:
    """Return the first ``days`` of service of every customer who joined recently."""
    since = now - dt.timedelta(days=joined_within_days)
    customers = session.execute(
        select(Customer.id, Customer.created_at).where(Customer.created_at >= since)
    ).all()
    out = []
    for customer_id, joined in customers:
        horizon = joined + dt.timedelta(days=days)
        convs = list(
            session.execute(
                select(Conversation)
                .where(
                    Conversation.customer_id == customer_id,
                    Conversation.created_at >= joined,
                    Conversation.created_at < horizon,
                )
                .order_by(Conversation.created_at)
            ).scalars()
        )
        tickets = list(
            session.execute(
                select(Ticket)
                .where(
                    Ticket.customer_id == customer_id,
                    Ticket.created_at >= joined,
                    Ticket.created_at < horizon,
                )
                .order_by(Ticket.created_at)
            ).scalars()
        )
        failures = [c.queued_at for c in convs if c.handoff_reason == "fallbacks" and c.queued_at]
        failures += [t.created_at for t in tickets]
        complaints = [t.created_at for t in tickets if t.kind == "complaint"]
        out.append(
            FirstExperience(
                customer_id=customer_id,
                joined_at=joined,
                contacts=len(convs),
                first_contact_at=convs[0].created_at if convs else None,
                first_failure_at=min(failures) if failures else None,
                first_complaint_at=min(complaints) if complaints else None,
                conversation_ids=[c.id for c in convs],
            )
        )
    out.sort(key=lambda f: f.joined_at, reverse=True)
    return out
