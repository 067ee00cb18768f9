"""Ticket and complaint use cases: create, categorise, move through statuses, SLA clocks.

Status flow: new → open → pending_customer → open … → resolved → closed (a resolved ticket
may be reopened). The SLA clock (``helpdesk.sla``) is stored on the ticket as JSON and is
paused while the ticket waits on the customer; ``sla_next_at`` tells the periodic job when
the clock next has an event to emit. Every change leaves a ``TicketEvent`` in the history.
"""

from __future__ import annotations

import datetime as dt
import secrets
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import bad_request, conflict, unknown_resource
from wendu.events import Subject, publish
from wendu.events.types import TICKET_RESOLVED
from wendu.helpdesk.classify import load_default_classifier
from wendu.helpdesk.models import (
    CHANNELS,
    PRIORITIES,
    Conversation,
    Ticket,
    TicketConversation,
    TicketEvent,
    TicketTransaction,
)
from wendu.helpdesk.sla import (
    BusinessCalendar,
    PolicySet,
    TicketSla,
    agent_replied,
    change_policy,
    customer_replied,
    default_calendars,
    default_policies,
    default_regulatory_rules,
    next_event_at,
    open_ticket,
    reopen_ticket,
    resolve_ticket,
    resume_waiting_clocks,
    wait_on_customer,
)
from wendu.helpdesk.taxonomy import taxonomy
from wendu.kit.ids import new_id
from wendu.kit.masking import mask_sensitive
from wendu.ledger.models import Customer

KINDS = ("request", "complaint")
# Which status may follow which; resolved tickets reopen, closed ones stay closed.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "pending_customer", "resolved"}),
    "open": frozenset({"pending_customer", "resolved"}),
    "pending_customer": frozenset({"open", "resolved"}),
    "resolved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}
# Below this confidence the classifier's category waits for an agent to accept it.
AUTO_CATEGORY_CONFIDENCE = 0.6


@cache
def policies() -> PolicySet:
    """Return the SLA policy table (the bank's defaults)."""
    return default_policies()


@cache
def calendars() -> dict[str, BusinessCalendar]:
    """Return the business calendars the policies name."""
    return default_calendars()


def calendar_for(state: TicketSla) -> BusinessCalendar:
    """Return the calendar the ticket's policy is measured on."""
    return calendars().get(state.policy.calendar) or calendars()["default"]


def sla_state(ticket: Ticket) -> TicketSla | None:
    """Return the ticket's SLA clocks, or None for a ticket without any."""
    return TicketSla.from_dict(ticket.sla) if ticket.sla else None


def _save_sla(ticket: Ticket, state: TicketSla) -> None:
    ticket.sla = state.to_dict()
    ticket.sla_next_at = next_event_at(state, calendar_for(state))


def history(session: Session, ticket: Ticket, entry: str, actor: str | None, **data: Any) -> None:
    """Append one entry to the ticket's history."""
    session.add(
        TicketEvent(ticket_id=ticket.id, kind=entry, actor=actor, data=data or None, at=utcnow())
    )


# Letters only (no I or O to misread as 1 or 0): the check code never extends a digit run.
_CHECK_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def format_reference(day: dt.date, number: int, check: str) -> str:
    """Return the reference customers quote, e.g. ``T261129-0042-KQXM``.

    Card and account numbers are masked wherever text is stored (any run of 13 or more
    digits, see ``kit.masking``), so a reference must never hold such a run or the customer
    would be told ``T*********0110fc0``: a six-digit date and the day's number stay under
    13 digits up to 999,999 tickets a day, and the check code is letters.
    """
    return f"{_day_prefix(day)}{number:04d}-{check}"


def _day_prefix(day: dt.date) -> str:
    return f"T{day:%y%m%d}-"


def _reference(session: Session, now: dt.datetime) -> str:
    # The customer's date, in the bank's zone (the default business calendar's): a ticket
    # opened at 17:00 UTC is dated the next day in Asia/Shanghai.
    day = calendars()["default"].local_date(now)
    count = session.execute(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.reference.like(f"{_day_prefix(day)}%"))
    ).scalar_one()
    check = "".join(secrets.choice(_CHECK_LETTERS) for _ in range(4))
    return format_reference(day, count + 1, check)


def _segment(session: Session, customer_id: str | None) -> str | None:
    if customer_id is None:
        return None
    customer = session.get(Customer, customer_id)
    return customer.segment if customer is not None else None


def _check_category(category: str | None) -> None:
    if category is not None and category not in taxonomy():
        raise bad_request(
            "unknown category: use a taxonomy code product.issue",
            path="category",
            key="invalid_category",
        )


def _regulatory_due(ticket: Ticket, now: dt.datetime) -> dt.datetime | None:
    if ticket.kind != "complaint" or not ticket.category:
        return None
    return default_regulatory_rules().deadline(
        ticket.category, ticket.created_at or now, calendars()["default"]
    )


def create_ticket(
    session: Session,
    *,
    subject: str,
    description: str = "",
    kind: str = "request",
    channel: str | None = None,
    customer_id: str | None = None,
    conversation: Conversation | None = None,
    category: str | None = None,
    priority: str | None = None,
    team_id: str | None = None,
    assignee_id: str | None = None,
    actor: str | None = None,
    suggest: bool = True,
) -> Ticket:
    """Open a ticket (directly or from a conversation) with a suggestion and SLA clocks.

    The classifier's category and priority are stored in ``suggestion``; they are applied
    when the caller gave none (the category only when the classifier is confident).
    """
    if kind not in KINDS:
        raise bad_request("kind must be request or complaint", path="kind")
    if priority is not None and priority not in PRIORITIES:
        raise bad_request("unknown priority", path="priority", key="invalid_priority")
    _check_category(category)
    text_subject = mask_sensitive(subject.strip())[:200]
    if not text_subject:
        raise bad_request("a ticket needs a subject", path="subject")
    if conversation is not None:
        channel = channel or conversation.channel
        customer_id = customer_id or conversation.customer_id
        team_id = team_id or conversation.team_id
        assignee_id = assignee_id or conversation.assignee_id
    channel = channel or "phone"
    if channel not in CHANNELS:
        raise bad_request(f"channel must be one of {', '.join(CHANNELS)}", path="channel")
    # An unknown customer is a 400 U004 like any unknown id, not a foreign-key 500.
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise unknown_resource("customer")
    now = utcnow()
    suggestion: dict[str, Any] | None = None
    if suggest:
        suggestion = load_default_classifier().suggest(f"{subject}\n{description}").to_dict()
    auto_category = False
    if category is None and suggestion and suggestion["confidence"] >= AUTO_CATEGORY_CONFIDENCE:
        category, auto_category = suggestion["category"], True
    chosen_priority = priority or (suggestion["priority"] if suggestion else "normal")
    ticket = Ticket(
        id=new_id("tkt"),
        reference=_reference(session, now),
        customer_id=customer_id,
        conversation_id=conversation.id if conversation else None,
        partner_id=conversation.partner_id if conversation else None,
        channel=channel,
        kind=kind,
        category=category,
        priority=chosen_priority,
        status="new",
        subject=text_subject,
        description=mask_sensitive(description.strip()),
        team_id=team_id,
        assignee_id=assignee_id,
        suggestion=suggestion,
        created_at=now,
        updated_at=now,
    )
    ticket.regulatory_due_at = _regulatory_due(ticket, now)
    policy = policies().resolve(chosen_priority, _segment(session, customer_id))
    session.add(ticket)
    _save_sla(ticket, open_ticket(policy, now))
    session.flush()
    if conversation is not None:
        session.add(TicketConversation(ticket_id=ticket.id, conversation_id=conversation.id))
    history(
        session,
        ticket,
        "created",
        actor,
        kind=kind,
        priority=chosen_priority,
        category=category,
        auto_category=auto_category,
        policy=f"{policy.priority.value}/{policy.segment}",
    )
    session.flush()
    return ticket


def accept_suggestion(session: Session, ticket: Ticket, *, actor: str) -> Ticket:
    """Apply the classifier's category and priority to the ticket."""
    if not ticket.suggestion:
        raise conflict("the ticket has no suggestion", key="no_suggestion")
    return update_ticket(
        session,
        ticket,
        actor=actor,
        category=ticket.suggestion["category"],
        priority=ticket.suggestion["priority"],
        reason="suggestion_accepted",
    )


def update_ticket(
    session: Session,
    ticket: Ticket,
    *,
    actor: str,
    category: str | None = None,
    priority: str | None = None,
    team_id: str | None = None,
    assignee_id: str | None = None,
    reason: str = "override",
) -> Ticket:
    """Change category, priority, team or assignee (an agent's override), re-budgeting SLAs."""
    if ticket.status == "closed":
        raise conflict("the ticket is closed", key="ticket_closed")
    _check_category(category)
    if priority is not None and priority not in PRIORITIES:
        raise bad_request("unknown priority", path="priority", key="invalid_priority")
    now = utcnow()
    changes: dict[str, Any] = {}
    if category is not None and category != ticket.category:
        changes["category"] = [ticket.category, category]
        ticket.category = category
        ticket.regulatory_due_at = _regulatory_due(ticket, now)
    if priority is not None and priority != ticket.priority:
        changes["priority"] = [ticket.priority, priority]
        ticket.priority = priority
        state = sla_state(ticket)
        if state is not None:
            policy = policies().resolve(priority, _segment(session, ticket.customer_id))
            _save_sla(ticket, change_policy(state, policy, now, calendar_for(state)))
    if team_id is not None and team_id != ticket.team_id:
        changes["team_id"] = [ticket.team_id, team_id]
        ticket.team_id = team_id
    if assignee_id is not None and assignee_id != ticket.assignee_id:
        changes["assignee_id"] = [ticket.assignee_id, assignee_id]
        ticket.assignee_id = assignee_id
    if changes:
        ticket.updated_at = now
        history(session, ticket, "updated", actor, reason=reason, changes=changes)
        session.flush()
    return ticket


def change_status(
    session: Session, ticket: Ticket, status: str, *, actor: str, note: str | None = None
) -> Ticket:
    """Move the ticket to ``status``, driving its SLA clock; resolving publishes an event."""
    if status not in TRANSITIONS:
        raise bad_request("unknown status", path="status", key="invalid_status")
    if status not in TRANSITIONS[ticket.status]:
        raise conflict(
            f"a {ticket.status} ticket cannot become {status}",
            key="ticket_transition",
            args={"from": ticket.status, "to": status},
        )
    now = utcnow()
    state = sla_state(ticket)
    previous = ticket.status
    if state is not None:
        cal = calendar_for(state)
        if status == "pending_customer":
            state = wait_on_customer(state, now, cal)
        elif status == "open" and previous == "pending_customer":
            state = resume_waiting_clocks(state, now)
        elif status == "open" and previous == "resolved":
            state = reopen_ticket(state, now)
        elif status == "resolved":
            state = resolve_ticket(state, now, cal)
        _save_sla(ticket, state)
    ticket.status = status
    ticket.updated_at = now
    if status == "resolved":
        ticket.resolved_at = now
    elif status == "closed":
        ticket.closed_at = now
    elif previous == "resolved":
        ticket.resolved_at = None
    history(
        session,
        ticket,
        "status",
        actor,
        **{"from": previous, "to": status, "note": mask_sensitive(note) if note else None},
    )
    session.flush()
    if status == "resolved":
        publish(
            session,
            event_type=TICKET_RESOLVED,
            partner_id=ticket.partner_id,
            subject=Subject(resource_id=ticket.id, resource_type="ticket"),
            payload={"reference": ticket.reference, "kind": ticket.kind},
        )
    return ticket


def record_agent_reply(session: Session, ticket: Ticket, *, actor: str | None) -> None:
    """Stop the response clocks (first or next) when an agent answers the customer."""
    if ticket.status in ("resolved", "closed"):
        return
    now = utcnow()
    state = sla_state(ticket)
    if state is not None:
        _save_sla(ticket, agent_replied(state, now, calendar_for(state)))
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        history(session, ticket, "first_response", actor)
    if ticket.status == "new":
        ticket.status = "open"
        history(session, ticket, "status", actor, **{"from": "new", "to": "open"})
    ticket.updated_at = now
    session.flush()


def record_customer_reply(session: Session, ticket: Ticket) -> None:
    """Start a next-response cycle (and end a pending-customer wait) on a customer message."""
    if ticket.status in ("resolved", "closed"):
        return
    now = utcnow()
    state = sla_state(ticket)
    if state is not None:
        _save_sla(ticket, customer_replied(state, now, calendar_for(state)))
    if ticket.status == "pending_customer":
        ticket.status = "open"
        history(session, ticket, "status", None, **{"from": "pending_customer", "to": "open"})
    ticket.updated_at = now
    session.flush()


def open_tickets_of_conversation(session: Session, conversation_id: str) -> list[Ticket]:
    """Return the unresolved tickets linked to a conversation."""
    return list(
        session.execute(
            select(Ticket)
            .join(TicketConversation, TicketConversation.ticket_id == Ticket.id)
            .where(
                TicketConversation.conversation_id == conversation_id,
                Ticket.status.not_in(("resolved", "closed")),
            )
        ).scalars()
    )


def link_conversation(
    session: Session, ticket: Ticket, conversation: Conversation, *, actor: str
) -> None:
    """Link another conversation to the ticket (idempotent)."""
    key = {"ticket_id": ticket.id, "conversation_id": conversation.id}
    if session.get(TicketConversation, key) is None:
        session.add(TicketConversation(**key))
        history(session, ticket, "conversation_linked", actor, conversation_id=conversation.id)
        session.flush()


def link_transaction(session: Session, ticket: Ticket, transaction_id: int, *, actor: str) -> None:
    """Link a ledger transaction the ticket is about (idempotent)."""
    from wendu.ledger.models import LedgerTransaction

    if session.get(LedgerTransaction, transaction_id) is None:
        raise unknown_resource("transaction")
    key = {"ticket_id": ticket.id, "transaction_id": transaction_id}
    if session.get(TicketTransaction, key) is None:
        session.add(TicketTransaction(**key))
        history(session, ticket, "transaction_linked", actor, transaction_id=transaction_id)
        session.flush()


def ticket_history(session: Session, ticket_id: str) -> list[TicketEvent]:
    """Return the ticket's history, oldest first."""
    return list(
        session.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        ).scalars()
    )


def linked_conversation_ids(session: Session, ticket_id: str) -> list[str]:
    """Return the ids of the conversations linked to a ticket."""
    return list(
        session.execute(
            select(TicketConversation.conversation_id).where(
                TicketConversation.ticket_id == ticket_id
            )
        ).scalars()
    )


def linked_transaction_ids(session: Session, ticket_id: str) -> list[int]:
    """Return the ids of the ledger transactions linked to a ticket."""
    return list(
        session.execute(
            select(TicketTransaction.transaction_id).where(TicketTransaction.ticket_id == ticket_id)
        ).scalars()
    )
