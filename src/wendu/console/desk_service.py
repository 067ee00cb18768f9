"""The helpdesk use cases behind console pages, composed from ``wendu.helpdesk`` services.

The staff API (``wendu.helpdesk.router``) composes the same services for its routes; the
console cannot call those handlers because they own their own sessions. Each write here
records the same ``helpdesk.<action>`` audit entry the API records, so the trail reads the
same whichever door a staff member used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import bad_request, conflict, forbidden, unknown_resource
from wendu.helpdesk import canned as canned_service
from wendu.helpdesk import conversations as conv_service
from wendu.helpdesk import routing, surveys, tickets
from wendu.helpdesk.canned import SuggestedAnswer
from wendu.helpdesk.customer360 import CustomerView, customer_view
from wendu.helpdesk.deps import Staff, visible_conversation, visible_ticket
from wendu.helpdesk.models import (
    AgentState,
    CannedResponse,
    Conversation,
    Message,
    Ticket,
    TicketConversation,
    TicketEvent,
)
from wendu.helpdesk.sla import snapshot
from wendu.helpdesk.staff_actions import audit_staff_action, touch_agent
from wendu.identity.models import StaffUser
from wendu.identity.staff import WRITE_ROLES
from wendu.ledger.port import CoreBank
from wendu.ledger.sandbox import core_bank_for

OPEN_TICKET_STATUSES = ("new", "open", "pending_customer")


def staff_of(session: Session, user: StaffUser) -> Staff:
    """Return the helpdesk's view of a console user: role and teams."""
    return Staff(user=user, team_ids=frozenset(routing.teams_of(session, user.id)))


def writer(session: Session, user: StaffUser | None) -> Staff:
    """Return the staff member when their role may change things; auditors get 403."""
    if user is None or user.role not in WRITE_ROLES:
        raise forbidden("Your role is read-only")
    return staff_of(session, user)


def core_bank(request: Request, session: Session) -> CoreBank:
    """Return the core bank the app is wired to (the sandbox ledger by default)."""
    return core_bank_for(request.app.state, session)


# Reads ------------------------------------------------------------------------------------


def inbox(session: Session, staff: Staff, view: str, limit: int = 200) -> list[Conversation]:
    """Return the conversations of the staff member's queues for one inbox view."""
    query = select(Conversation)
    if view == "queued":
        query = query.where(Conversation.status == "queued")
    elif view == "mine":
        query = query.where(Conversation.assignee_id == staff.id, Conversation.status == "assigned")
    elif view == "open":
        query = query.where(Conversation.status.in_(("queued", "assigned")))
    query = staff.in_queues(query, Conversation)
    query = query.order_by(Conversation.updated_at.desc(), Conversation.id).limit(limit)
    return list(session.execute(query).scalars())


@dataclass(frozen=True)
class ConversationPage:
    """A conversation with its transcript, linked tickets and customer view."""

    conversation: Conversation
    messages: list[Message]
    ticket_ids: list[str]
    customer: CustomerView | None
    suggestions: list[SuggestedAnswer] = field(default_factory=list)
    canned: list[CannedResponse] = field(default_factory=list)


def _variables(
    request: Request, session: Session, conversation: Conversation, staff: Staff
) -> dict[str, str]:
    variables = {
        "agent.name": staff.user.display_name,
        "conversation.id": conversation.id,
        "bank.name": request.app.state.settings.bank_name,
    }
    if conversation.customer_id:
        party = core_bank(request, session).party(conversation.customer_id)
        if party is not None:
            variables["customer.name"] = party.full_name
    return variables


def conversation_page(
    request: Request, session: Session, staff: Staff, conversation_id: str
) -> ConversationPage:
    """Return what the conversation view shows (400 U004 outside the staff's queues)."""
    conversation = visible_conversation(session, staff, conversation_id)
    team_ids = None if staff.sees_all else staff.team_ids
    return ConversationPage(
        conversation=conversation,
        messages=conv_service.transcript(session, conversation.id, include_private=True),
        ticket_ids=list(
            session.execute(
                select(TicketConversation.ticket_id).where(
                    TicketConversation.conversation_id == conversation.id
                )
            ).scalars()
        ),
        customer=customer_view(
            session,
            core_bank(request, session),
            conversation.customer_id,
            exclude_conversation=conversation.id,
        )
        if conversation.customer_id
        else None,
        suggestions=canned_service.suggest_answers(
            session,
            conversation,
            team_ids=team_ids,
            variables=_variables(request, session, conversation, staff),
        ),
        canned=canned_service.list_canned(
            session, team_ids=team_ids, language=conversation.language
        ),
    )


def transcript(session: Session, staff: Staff, conversation_id: str) -> list[Message]:
    """Return the conversation's messages, private notes included (staff only)."""
    conversation = visible_conversation(session, staff, conversation_id)
    return conv_service.transcript(session, conversation.id, include_private=True)


def visible_tickets(
    session: Session, staff: Staff, *, customer_id: str | None = None, open_only: bool = False
) -> list[Ticket]:
    """Return the tickets of the staff member's queues, newest first."""
    query = select(Ticket)
    query = staff.in_queues(query, Ticket)
    if customer_id:
        query = query.where(Ticket.customer_id == customer_id)
    if open_only:
        query = query.where(Ticket.status.in_(OPEN_TICKET_STATUSES))
    return list(session.execute(query.order_by(Ticket.created_at.desc()).limit(500)).scalars())


@dataclass(frozen=True)
class ClockLine:
    """One SLA clock of a ticket as the console shows it."""

    target: str
    phase: str
    state: str
    remaining_seconds: float
    due_at: dt.datetime | None
    warn_at: dt.datetime | None


def clocks(ticket: Ticket, now: dt.datetime) -> list[ClockLine]:
    """Return the ticket's SLA clocks at ``now`` (business time)."""
    state = tickets.sla_state(ticket)
    if state is None:
        return []
    return [
        ClockLine(
            target=v.target.value,
            phase=v.phase.value,
            state=v.state.value,
            remaining_seconds=v.remaining.total_seconds(),
            due_at=v.due_at,
            warn_at=v.warn_at,
        )
        for v in snapshot(state, now, tickets.calendar_for(state))
    ]


@dataclass(frozen=True)
class TicketPage:
    """A ticket with its SLA clocks, history and links."""

    ticket: Ticket
    clocks: list[ClockLine]
    history: list[TicketEvent]
    conversation_ids: list[str]
    transaction_ids: list[int]


def ticket_page(session: Session, staff: Staff, ticket_id: str) -> TicketPage:
    """Return what the ticket view shows (400 U004 outside the staff's queues)."""
    ticket = visible_ticket(session, staff, ticket_id)
    return TicketPage(
        ticket=ticket,
        clocks=clocks(ticket, utcnow()),
        history=tickets.ticket_history(session, ticket.id),
        conversation_ids=tickets.linked_conversation_ids(session, ticket.id),
        transaction_ids=tickets.linked_transaction_ids(session, ticket.id),
    )


def customer_page(
    request: Request, session: Session, staff: Staff, customer_id: str
) -> CustomerView:
    """Return the customer view; agents only for customers with a chat in their queues."""
    if not staff.sees_all:
        mine = any(
            staff.can_see_conversation(c)
            for c in session.execute(
                select(Conversation).where(Conversation.customer_id == customer_id)
            ).scalars()
        )
        if not mine:
            raise unknown_resource("customer")
    return customer_view(session, core_bank(request, session), customer_id, transactions=15)


# Writes -----------------------------------------------------------------------------------


def set_presence(session: Session, staff: Staff, presence: str) -> list[str]:
    """Switch the agent's presence; going online pulls waiting chats, away hands them on."""
    if session.get(AgentState, staff.id) is None:
        raise conflict("you are not a member of any team's routing")
    moved = routing.set_presence(session, staff.id, presence)
    touch_agent(session, staff)
    audit_staff_action(session, staff, "presence", presence=presence, moved=len(moved))
    return moved


def pick_up(session: Session, staff: Staff, conversation_id: str) -> Conversation:
    """Take a conversation; picking up work puts the agent online first."""
    conversation = visible_conversation(session, staff, conversation_id)
    agent = session.get(AgentState, staff.id)
    if agent is None:
        raise conflict("you are not an agent of any team")
    if agent.presence != "online":
        set_presence(session, staff, "online")
    if conversation.assignee_id != staff.id or conversation.status != "assigned":
        if not staff.is_manager and conversation.assignee_id not in (None, staff.id):
            raise forbidden("Only supervisors take a colleague's conversation; ask for a transfer")
        if routing.open_load(session, staff.id) >= agent.capacity:
            raise conflict("you are at capacity")
        routing.transfer(session, conversation, to_agent_id=staff.id)
    touch_agent(session, staff)
    audit_staff_action(
        session, staff, "conversation.assign", conversation_id=conversation.id, to=staff.id
    )
    return conversation


def post_message(
    request: Request,
    session: Session,
    staff: Staff,
    conversation_id: str,
    *,
    body: str,
    private: bool,
    canned_id: str | None,
) -> Message:
    """Reply to the customer or write a private note; a canned response fills the body."""
    conversation = visible_conversation(session, staff, conversation_id)
    text = body.strip()
    if canned_id:
        canned = session.get(CannedResponse, canned_id)
        if canned is None or (
            not staff.sees_all
            and canned.team_id is not None
            and canned.team_id not in staff.team_ids
        ):
            raise unknown_resource("canned response")
        text = canned_service.render(canned.body, _variables(request, session, conversation, staff))
    if not text:
        raise bad_request("write a reply or pick a canned response", path="body")
    message = conv_service.add_message(
        session, conversation, author_type="agent", author_id=staff.id, body=text, private=private
    )
    if not private:
        for ticket in tickets.open_tickets_of_conversation(session, conversation.id):
            tickets.record_agent_reply(session, ticket, actor=staff.user.username)
    touch_agent(session, staff)
    audit_staff_action(
        session,
        staff,
        "conversation.note" if private else "conversation.reply",
        conversation_id=conversation.id,
        message_id=message.id,
    )
    return message


def transfer(
    session: Session,
    staff: Staff,
    conversation_id: str,
    *,
    to_agent_id: str | None,
    to_team_id: str | None,
) -> Conversation:
    """Transfer to another agent or team (the assigned agent or a supervisor)."""
    conversation = visible_conversation(session, staff, conversation_id)
    if not staff.is_manager and conversation.assignee_id not in (staff.id, None):
        raise forbidden("Only the assigned agent or a supervisor transfers a conversation")
    routing.transfer(session, conversation, to_agent_id=to_agent_id, to_team_id=to_team_id)
    audit_staff_action(
        session,
        staff,
        "conversation.transfer",
        conversation_id=conversation.id,
        to_agent=to_agent_id,
        to_team=to_team_id,
    )
    return conversation


def hand_back(session: Session, staff: Staff, conversation_id: str) -> Conversation:
    """Hand the conversation back to the assistant; the agent takes the next waiting chat."""
    conversation = visible_conversation(session, staff, conversation_id)
    previous = conversation.assignee_id
    conv_service.hand_back_to_assistant(session, conversation)
    if previous:
        routing.fill_agent(session, previous)
    audit_staff_action(session, staff, "conversation.hand_back", conversation_id=conversation.id)
    return conversation


def resolve(request: Request, session: Session, staff: Staff, conversation_id: str) -> Conversation:
    """Resolve the conversation, send the CSAT survey in-channel, free the agent."""
    conversation = visible_conversation(session, staff, conversation_id)
    conv_service.resolve(session, conversation)
    if conversation.queued_at is not None:
        surveys.send_csat(session, request.app.state.settings, conversation)
    routing.release(session, conversation)
    touch_agent(session, staff)
    audit_staff_action(session, staff, "conversation.resolve", conversation_id=conversation.id)
    return conversation


def ticket_status(
    session: Session, staff: Staff, ticket_id: str, status: str, note: str | None
) -> Ticket:
    """Move a ticket: open, pending_customer (pauses the SLA), resolved, closed."""
    ticket = visible_ticket(session, staff, ticket_id)
    tickets.change_status(session, ticket, status, actor=staff.user.username, note=note)
    audit_staff_action(session, staff, "ticket.status", ticket_id=ticket.id, status=status)
    return ticket


def ticket_update(
    session: Session, staff: Staff, ticket_id: str, *, category: str | None, priority: str | None
) -> Ticket:
    """Override the ticket's category or priority."""
    ticket = visible_ticket(session, staff, ticket_id)
    tickets.update_ticket(
        session, ticket, actor=staff.user.username, category=category, priority=priority
    )
    audit_staff_action(session, staff, "ticket.update", ticket_id=ticket.id)
    return ticket


def ticket_accept(session: Session, staff: Staff, ticket_id: str) -> Ticket:
    """Apply the classifier's suggested category and priority."""
    ticket = visible_ticket(session, staff, ticket_id)
    tickets.accept_suggestion(session, ticket, actor=staff.user.username)
    audit_staff_action(session, staff, "ticket.accept_suggestion", ticket_id=ticket.id)
    return ticket
