"""Staff use cases of the helpdesk, shared by the staff API and the console.

The staff REST API (``wendu.helpdesk.router``) and the console's desk pages
(``wendu.console.desk``) both call these functions, so a staff action applies the same queue
scope (400 U004 outside it), the same role rules and the same ``helpdesk.<action>`` audit
entry whichever door was used. They take the caller's session and only flush: the caller
owns the transaction (an API handler its own ``db.session()``, a console page its
``SessionDep``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import utcnow
from wendu.errors import conflict, forbidden, unknown_resource
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
    Team,
    TeamMember,
    Ticket,
    TicketConversation,
    TicketEvent,
)
from wendu.helpdesk.sla import snapshot
from wendu.helpdesk.staff_actions import audit_staff_action, touch_agent
from wendu.identity.models import StaffUser
from wendu.identity.staff import MANAGER_ROLES
from wendu.ledger.port import CoreBank

OPEN_TICKET_STATUSES = ("new", "open", "pending_customer")


def team_scope(staff: Staff) -> frozenset[str] | None:
    """Return the teams whose shared items the staff member sees (``None``: every team)."""
    return None if staff.sees_all else staff.team_ids


def check_team(session: Session, staff: Staff, team_id: str | None) -> None:
    """Refuse (400 U004) a team that does not exist or is not one of an agent's teams."""
    if team_id is not None and (
        session.get(Team, team_id) is None or (not staff.sees_all and team_id not in staff.team_ids)
    ):
        raise unknown_resource("team")


# Reads ------------------------------------------------------------------------------------


def inbox(
    session: Session,
    staff: Staff,
    view: str,
    *,
    channel: str | None = None,
    team_id: str | None = None,
    customer_id: str | None = None,
    limit: int = 100,
) -> list[Conversation]:
    """Return the conversations of the staff member's queues for one inbox view.

    Views: queued, assigned, mine (assigned to me), open (queued or assigned), anything
    else all; newest activity first.
    """
    query = select(Conversation)
    if view == "queued":
        query = query.where(Conversation.status == "queued")
    elif view == "assigned":
        query = query.where(Conversation.status == "assigned")
    elif view == "mine":
        query = query.where(Conversation.assignee_id == staff.id, Conversation.status == "assigned")
    elif view == "open":
        query = query.where(Conversation.status.in_(("queued", "assigned")))
    query = staff.in_queues(query, Conversation)
    if channel:
        query = query.where(Conversation.channel == channel)
    if team_id:
        query = query.where(Conversation.team_id == team_id)
    if customer_id:
        query = query.where(Conversation.customer_id == customer_id)
    query = query.order_by(Conversation.updated_at.desc(), Conversation.id).limit(limit)
    return list(session.execute(query).scalars())


def ticket_list(
    session: Session,
    staff: Staff,
    *,
    status: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    customer_id: str | None = None,
    open_only: bool = False,
    limit: int = 100,
) -> list[Ticket]:
    """Return the tickets of the staff member's queues (teams' and own), newest first."""
    query = staff.in_queues(select(Ticket), Ticket)
    if status:
        query = query.where(Ticket.status == status)
    if kind:
        query = query.where(Ticket.kind == kind)
    if category:
        query = query.where(Ticket.category == category)
    if customer_id:
        query = query.where(Ticket.customer_id == customer_id)
    if open_only:
        query = query.where(Ticket.status.in_(OPEN_TICKET_STATUSES))
    query = query.order_by(Ticket.created_at.desc(), Ticket.id).limit(limit)
    return list(session.execute(query).scalars())


@dataclass(frozen=True)
class ConversationView:
    """A conversation with its transcript (private notes included), tickets and customer."""

    conversation: Conversation
    messages: list[Message]
    ticket_ids: list[str]
    customer: CustomerView | None
    suggestions: list[SuggestedAnswer] = field(default_factory=list)
    canned: list[CannedResponse] = field(default_factory=list)


def conversation_view(
    session: Session, staff: Staff, conversation_id: str, bank: CoreBank
) -> ConversationView:
    """Return a conversation as staff see it (400 U004 outside the staff's queues)."""
    conversation = visible_conversation(session, staff, conversation_id)
    messages = conv_service.transcript(session, conversation.id, include_private=True)
    ticket_ids = list(
        session.execute(
            select(TicketConversation.ticket_id).where(
                TicketConversation.conversation_id == conversation.id
            )
        ).scalars()
    )
    customer = None
    if conversation.customer_id:
        customer = customer_view(
            session,
            bank,
            conversation.customer_id,
            exclude_conversation=conversation.id,
            scope=staff.in_queue,
            bank_data=has_visible_conversation(session, staff, conversation.customer_id),
        )
    return ConversationView(conversation, messages, ticket_ids, customer)


def transcript(session: Session, staff: Staff, conversation_id: str) -> list[Message]:
    """Return the conversation's messages, private notes included (staff only)."""
    conversation = visible_conversation(session, staff, conversation_id)
    return conv_service.transcript(session, conversation.id, include_private=True)


def has_visible_conversation(session: Session, staff: Staff, customer_id: str) -> bool:
    """Return True when the staff member may see the customer's 360 (accounts, consents).

    Supervisors, admins and auditors always may. An agent may when the customer has a
    conversation in her queues that the customer started, or that a supervisor or admin
    opened: one an agent opened herself (phone notes for any customer id) grants nothing,
    so creating a conversation never widens what an agent sees.
    """
    if staff.sees_all:
        return True
    rows = session.execute(
        select(Conversation, StaffUser.role)
        .outerjoin(StaffUser, StaffUser.id == Conversation.opened_by)
        .where(Conversation.customer_id == customer_id)
    ).all()
    return any(
        staff.can_see_conversation(c) and (c.opened_by is None or role in MANAGER_ROLES)
        for c, role in rows
    )


@dataclass(frozen=True)
class ClockLine:
    """One SLA clock of a ticket at a moment (business time)."""

    key: str
    target: str
    phase: str
    state: str
    consumed_seconds: float
    remaining_seconds: float
    due_at: dt.datetime | None
    warn_at: dt.datetime | None


def clocks(ticket: Ticket, now: dt.datetime) -> list[ClockLine]:
    """Return the ticket's SLA clocks at ``now``."""
    state = tickets.sla_state(ticket)
    if state is None:
        return []
    return [
        ClockLine(
            key=v.key,
            target=v.target.value,
            phase=v.phase.value,
            state=v.state.value,
            consumed_seconds=v.consumed.total_seconds(),
            remaining_seconds=v.remaining.total_seconds(),
            due_at=v.due_at,
            warn_at=v.warn_at,
        )
        for v in snapshot(state, now, tickets.calendar_for(state))
    ]


@dataclass(frozen=True)
class TicketView:
    """A ticket with its SLA clocks, history and links."""

    ticket: Ticket
    clocks: list[ClockLine]
    history: list[TicketEvent]
    conversation_ids: list[str]
    transaction_ids: list[int]


def ticket_view(session: Session, ticket: Ticket) -> TicketView:
    """Return the ticket with its clocks now, its history and what is linked to it."""
    return TicketView(
        ticket=ticket,
        clocks=clocks(ticket, utcnow()),
        history=tickets.ticket_history(session, ticket.id),
        conversation_ids=tickets.linked_conversation_ids(session, ticket.id),
        transaction_ids=tickets.linked_transaction_ids(session, ticket.id),
    )


# Teams and agents -------------------------------------------------------------------------


def create_team(
    session: Session,
    staff: Staff,
    *,
    team_id: str,
    name: str,
    name_zh: str,
    languages: Sequence[str],
    product_areas: Sequence[str],
) -> Team:
    """Create a team (the caller checks the manager role; 409 when the id exists)."""
    if session.get(Team, team_id) is not None:
        raise conflict("a team with this id exists")
    team = Team(
        id=team_id,
        name=name,
        name_zh=name_zh,
        languages=list(languages),
        product_areas=list(product_areas),
    )
    session.add(team)
    session.flush()
    audit_staff_action(session, staff, "team.create", team_id=team.id)
    return team


def add_member(
    session: Session,
    staff: Staff,
    team_id: str,
    staff_id: str,
    *,
    capacity: int,
    languages: Sequence[str],
    product_areas: Sequence[str],
) -> AgentState:
    """Add a staff member to a team, creating or updating their routing state."""
    if session.get(Team, team_id) is None:
        raise unknown_resource("team")
    user = session.get(StaffUser, staff_id)
    if user is None or not user.active:
        raise unknown_resource("staff user")
    if session.get(TeamMember, {"team_id": team_id, "staff_id": user.id}) is None:
        session.add(TeamMember(team_id=team_id, staff_id=user.id))
    agent = session.get(AgentState, user.id)
    if agent is None:
        agent = AgentState(staff_id=user.id, presence="offline")
        session.add(agent)
    agent.capacity = capacity
    agent.languages = list(languages)
    agent.product_areas = list(product_areas)
    session.flush()
    audit_staff_action(session, staff, "team.member", team_id=team_id, staff_id=user.id)
    return agent


# Canned responses -------------------------------------------------------------------------


def visible_canned(session: Session, staff: Staff, canned_id: str) -> CannedResponse:
    """Return a canned response shared by everyone or owned by one of an agent's teams."""
    canned = session.get(CannedResponse, canned_id)
    if canned is None or (
        not staff.sees_all and canned.team_id is not None and canned.team_id not in staff.team_ids
    ):
        raise unknown_resource("canned response")
    return canned


def canned_variables(
    session: Session,
    staff: Staff,
    conversation: Conversation,
    settings: Settings,
    bank: CoreBank,
) -> dict[str, str]:
    """Return the values canned responses fill in for this conversation and agent.

    ``customer.name`` is the name the bank holds, in Latin letters for an English
    conversation when the bank has them; ``ticket.reference`` is the newest linked ticket's.
    """
    variables = {
        "agent.name": staff.user.display_name,
        "conversation.id": conversation.id,
        "bank.name": settings.bank_name,
    }
    if conversation.customer_id:
        party = bank.party(conversation.customer_id)
        if party is not None:
            latin = conversation.language == "en" and party.name_latin
            variables["customer.name"] = latin or party.full_name
    reference = session.execute(
        select(Ticket.reference)
        .join(TicketConversation, TicketConversation.ticket_id == Ticket.id)
        .where(TicketConversation.conversation_id == conversation.id)
        .order_by(Ticket.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    if reference:
        variables["ticket.reference"] = reference
    return variables


def suggested_answers(
    session: Session, staff: Staff, conversation: Conversation, variables: dict[str, str]
) -> list[SuggestedAnswer]:
    """Suggest replies to the customer's last message (knowledge base, then canned)."""
    return canned_service.suggest_answers(
        session, conversation, team_ids=team_scope(staff), variables=variables
    )


def create_canned(
    session: Session, staff: Staff, *, shortcut: str, body: str, language: str, team_id: str | None
) -> CannedResponse:
    """Save a canned response: shared ones by managers only, agents for their own teams."""
    if team_id is None and not staff.is_manager:
        raise forbidden("Only supervisors and admins write responses shared by every team")
    if team_id is not None and not staff.sees_all and team_id not in staff.team_ids:
        raise unknown_resource("team")
    if team_id is not None and session.get(Team, team_id) is None:
        raise unknown_resource("team")  # a manager naming no team: 400, not a broken insert
    canned = canned_service.create_canned(
        session,
        shortcut=shortcut,
        body=body,
        language=language,
        team_id=team_id,
        created_by=staff.id,
    )
    audit_staff_action(session, staff, "canned.create", canned_id=canned.id)
    return canned


def canned_list(session: Session, staff: Staff, language: str | None) -> list[CannedResponse]:
    """Return the canned responses the staff member may use."""
    return canned_service.list_canned(session, team_ids=team_scope(staff), language=language)


# Conversations ----------------------------------------------------------------------------


def set_presence(session: Session, staff: Staff, presence: str) -> list[str]:
    """Switch the agent's presence; going online pulls waiting chats, away hands them on."""
    if session.get(AgentState, staff.id) is None:
        raise conflict("you are not a member of any team's routing", key="not_an_agent")
    moved = routing.set_presence(session, staff.id, presence)
    touch_agent(session, staff)
    audit_staff_action(session, staff, "presence", presence=presence, moved=len(moved))
    return moved


def assign(
    session: Session, staff: Staff, conversation_id: str, agent_id: str | None
) -> Conversation:
    """Take a conversation (no ``agent_id``) or give it to an online agent (managers only)."""
    conversation = visible_conversation(session, staff, conversation_id)
    target = agent_id or staff.id
    if target != staff.id and not staff.is_manager:
        raise forbidden(
            "Only supervisors and admins assign to others; use transfer",
            key="assign_not_allowed",
        )
    agent = session.get(AgentState, target)
    if agent is None or agent.presence != "online":
        raise conflict("that agent is not online", key="agent_unavailable")
    if target != conversation.assignee_id and routing.open_load(session, target) >= agent.capacity:
        raise conflict("that agent is at capacity", key="agent_at_capacity")
    routing.transfer(session, conversation, to_agent_id=target)
    touch_agent(session, staff)
    audit_staff_action(
        session, staff, "conversation.assign", conversation_id=conversation.id, to=target
    )
    return conversation


def pick_up(session: Session, staff: Staff, conversation_id: str) -> Conversation:
    """Take a conversation; picking up work puts the agent online first."""
    conversation = visible_conversation(session, staff, conversation_id)
    agent = session.get(AgentState, staff.id)
    if agent is None:
        raise conflict("you are not an agent of any team", key="not_an_agent")
    if agent.presence != "online":
        set_presence(session, staff, "online")
    if conversation.assignee_id != staff.id or conversation.status != "assigned":
        if not staff.is_manager and conversation.assignee_id not in (None, staff.id):
            raise forbidden(
                "Only supervisors take a colleague's conversation; ask for a transfer",
                key="colleagues_conversation",
            )
        if routing.open_load(session, staff.id) >= agent.capacity:
            raise conflict("you are at capacity", key="at_capacity")
        routing.transfer(session, conversation, to_agent_id=staff.id)
    touch_agent(session, staff)
    audit_staff_action(
        session, staff, "conversation.assign", conversation_id=conversation.id, to=staff.id
    )
    return conversation


def reply_text(
    session: Session,
    staff: Staff,
    body: str | None,
    canned_id: str | None,
    variables: Callable[[], dict[str, str]],
) -> str | None:
    """Return ``body``, or the canned response ``canned_id`` filled with ``variables()``."""
    if not canned_id:
        return body
    canned = visible_canned(session, staff, canned_id)
    return canned_service.render(canned.body, variables())


def post_message(
    session: Session,
    staff: Staff,
    conversation: Conversation,
    text: str,
    *,
    private: bool,
    mentions: Sequence[str] = (),
) -> Message:
    """Reply to the customer or write a private note with @mentions, as the agent.

    A reply counts as the agent's reply on the conversation's open tickets (SLA clocks).
    """
    for mention in mentions:
        if session.get(StaffUser, mention) is None:
            raise unknown_resource("mentioned staff user")
    message = conv_service.add_message(
        session,
        conversation,
        author_type="agent",
        author_id=staff.id,
        body=text,
        private=private,
        mentions=list(mentions) or None,
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
        raise forbidden(
            "Only the assigned agent or a supervisor transfers a conversation",
            key="transfer_not_allowed",
        )
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


def resolve(
    session: Session, settings: Settings, staff: Staff, conversation_id: str
) -> Conversation:
    """Resolve the conversation, send the CSAT survey in-channel, free the agent."""
    conversation = visible_conversation(session, staff, conversation_id)
    conv_service.resolve(session, conversation)
    if conversation.queued_at is not None:
        surveys.send_csat(session, settings, conversation)
    routing.release(session, conversation)
    touch_agent(session, staff)
    audit_staff_action(session, staff, "conversation.resolve", conversation_id=conversation.id)
    return conversation


# Tickets ----------------------------------------------------------------------------------


def create_ticket(
    session: Session,
    staff: Staff,
    *,
    subject: str,
    description: str = "",
    kind: str = "request",
    conversation_id: str | None = None,
    customer_id: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    priority: str | None = None,
    team_id: str | None = None,
    transaction_ids: Sequence[int] = (),
) -> Ticket:
    """Open a ticket or complaint, directly or from a conversation; it is auto-categorised.

    An agent's ticket is assigned to them and, without a conversation or team, goes to their
    first team.
    """
    conversation = (
        visible_conversation(session, staff, conversation_id) if conversation_id else None
    )
    check_team(session, staff, team_id)
    if team_id is None and conversation is None and not staff.sees_all:
        team_id = next(iter(sorted(staff.team_ids)), None)
    ticket = tickets.create_ticket(
        session,
        subject=subject,
        description=description,
        kind=kind,
        channel=channel,
        customer_id=customer_id,
        conversation=conversation,
        category=category,
        priority=priority,
        team_id=team_id,
        assignee_id=staff.id if staff.role == "agent" else None,
        actor=staff.user.username,
    )
    for transaction_id in transaction_ids:
        tickets.link_transaction(session, ticket, transaction_id, actor=staff.user.username)
    audit_staff_action(session, staff, "ticket.create", ticket_id=ticket.id, kind=ticket.kind)
    return ticket


def ticket_status(
    session: Session, staff: Staff, ticket_id: str, status: str, note: str | None
) -> Ticket:
    """Move a ticket: open, pending_customer (pauses the SLA), resolved, closed."""
    ticket = visible_ticket(session, staff, ticket_id)
    tickets.change_status(session, ticket, status, actor=staff.user.username, note=note)
    audit_staff_action(session, staff, "ticket.status", ticket_id=ticket.id, status=status)
    return ticket


def update_ticket(
    session: Session,
    staff: Staff,
    ticket_id: str,
    *,
    category: str | None = None,
    priority: str | None = None,
    team_id: str | None = None,
    assignee_id: str | None = None,
) -> Ticket:
    """Override category, priority, team or assignee (agents: within their teams)."""
    ticket = visible_ticket(session, staff, ticket_id)
    check_team(session, staff, team_id)
    if assignee_id is not None and session.get(StaffUser, assignee_id) is None:
        raise unknown_resource("staff user")
    tickets.update_ticket(
        session,
        ticket,
        actor=staff.user.username,
        category=category,
        priority=priority,
        team_id=team_id,
        assignee_id=assignee_id,
    )
    audit_staff_action(session, staff, "ticket.update", ticket_id=ticket.id)
    return ticket


def accept_suggestion(session: Session, staff: Staff, ticket_id: str) -> Ticket:
    """Apply the classifier's suggested category and priority."""
    ticket = visible_ticket(session, staff, ticket_id)
    tickets.accept_suggestion(session, ticket, actor=staff.user.username)
    audit_staff_action(session, staff, "ticket.accept_suggestion", ticket_id=ticket.id)
    return ticket
