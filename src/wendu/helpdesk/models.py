"""ORM tables of the helpdesk: conversations, messages, teams, agents, tickets, surveys.

Conversations from every channel share one table; the assistant creates them and hands
them off, agents pick them up. Message bodies are stored masked (no card or ID numbers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wendu.db import Base, UTCDateTime, utcnow
from wendu.ledger.models import BigIntPK

CHANNELS = ("partner_chat", "web_widget", "app", "email", "phone")
CONVERSATION_STATUSES = ("bot", "queued", "assigned", "resolved", "closed")
TICKET_STATUSES = ("new", "open", "pending_customer", "resolved", "closed")
PRIORITIES = ("urgent", "high", "normal", "low")
PRESENCE = ("online", "away", "offline")


class Team(Base):
    """A group of agents with the languages and product areas it serves."""

    __tablename__ = "helpdesk_teams"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(140))
    name_zh: Mapped[str] = mapped_column(String(140))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    product_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamMember(Base):
    """Membership of a staff user in a team."""

    __tablename__ = "helpdesk_team_members"

    team_id: Mapped[str] = mapped_column(ForeignKey("helpdesk_teams.id"), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"), primary_key=True)


class AgentState(Base):
    """An agent's routing state: presence, capacity and skills."""

    __tablename__ = "helpdesk_agents"

    staff_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"), primary_key=True)
    presence: Mapped[str] = mapped_column(String(10), default="offline")
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    product_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    presence_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Round robin picks the eligible agent assigned longest ago.
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Last inbox poll or action (0004_helpdesk_ops): silent agents are set away by a job.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Conversation(Base):
    """A conversation with a customer on one channel, handled by the assistant or an agent."""

    __tablename__ = "helpdesk_conversations"
    __table_args__ = (
        Index("ix_helpdesk_conversations_status", "status", "team_id"),
        Index("ix_helpdesk_conversations_customer", "customer_id"),
        Index("ix_helpdesk_conversations_assignee", "assignee_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id"))
    consent_id: Mapped[str | None] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5), default="zh")
    status: Mapped[str] = mapped_column(String(20), default="bot")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    subject: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("helpdesk_teams.id"))
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))
    handoff_reason: Mapped[str | None] = mapped_column(String(40))
    # The staff member who opened it (phone notes, e-mail typed in); None when the customer
    # did (chat, widget, app). What an agent opens herself never widens what she may see.
    opened_by: Mapped[str | None] = mapped_column(String(40))
    # What the assistant learned before the hand-off: intents, slots, sentiment, summary.
    handoff_context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sentiment: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_agent_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_customer_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Message(Base):
    """One message in a conversation; ``private`` marks an internal agent note."""

    __tablename__ = "helpdesk_messages"
    __table_args__ = (Index("ix_helpdesk_messages_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("helpdesk_conversations.id"))
    author_type: Mapped[str] = mapped_column(String(10))  # customer|assistant|agent|system
    author_id: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    intent: Mapped[str | None] = mapped_column(String(60))
    confidence: Mapped[float | None] = mapped_column(Float)
    sentiment: Mapped[float | None] = mapped_column(Float)
    emotion: Mapped[str | None] = mapped_column(String(20))
    mentions: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CannedResponse(Base):
    """A reusable reply with variables such as ``{{customer.name}}``."""

    __tablename__ = "helpdesk_canned_responses"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("helpdesk_teams.id"))
    shortcut: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5), default="zh")
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Incident(Base):
    """A spike of complaints or contacts in one category, linking the tickets behind it."""

    __tablename__ = "helpdesk_incidents"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open|closed
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Ticket(Base):
    """A request or complaint with its category, priority, assignee and SLA clock."""

    __tablename__ = "helpdesk_tickets"
    __table_args__ = (
        Index("ix_helpdesk_tickets_status", "status", "team_id"),
        Index("ix_helpdesk_tickets_customer", "customer_id"),
        Index("ix_helpdesk_tickets_category", "category", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. T261129-0042-KQXM
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("helpdesk_conversations.id"))
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id"))
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10), default="request")  # request|complaint
    category: Mapped[str | None] = mapped_column(String(80))  # taxonomy code product.issue
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(20), default="new")
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[str | None] = mapped_column(ForeignKey("helpdesk_teams.id"))
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))
    suggestion: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # classifier output
    sla: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # serialised SLA clock state
    regulatory_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the SLA job next has something to emit (0004_helpdesk_ops); None: nothing pending.
    sla_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("helpdesk_incidents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketTransaction(Base):
    """A ledger transaction a ticket is about (a dispute, a missing transfer)."""

    __tablename__ = "helpdesk_ticket_transactions"

    ticket_id: Mapped[str] = mapped_column(ForeignKey("helpdesk_tickets.id"), primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id"), primary_key=True
    )


class TicketConversation(Base):
    """A conversation linked to a ticket (0004_helpdesk_ops); a ticket may span several."""

    __tablename__ = "helpdesk_ticket_conversations"
    __table_args__ = (Index("ix_helpdesk_ticket_conversations_conversation", "conversation_id"),)

    ticket_id: Mapped[str] = mapped_column(ForeignKey("helpdesk_tickets.id"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("helpdesk_conversations.id"), primary_key=True
    )


class TicketEvent(Base):
    """One entry of a ticket's history: status changes, assignments, SLA warnings, notes."""

    __tablename__ = "helpdesk_ticket_events"
    __table_args__ = (Index("ix_helpdesk_ticket_events_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("helpdesk_tickets.id"))
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Survey(Base):
    """A CSAT or NPS survey sent to a customer, and its answer."""

    __tablename__ = "helpdesk_surveys"
    __table_args__ = (Index("ix_helpdesk_surveys_kind_answered", "kind", "answered_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(5))  # csat|nps
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("helpdesk_conversations.id"))
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("helpdesk_tickets.id"))
    channel: Mapped[str | None] = mapped_column(String(20))
    partner_id: Mapped[str | None] = mapped_column(String(40))
    intent: Mapped[str | None] = mapped_column(String(60))
    category: Mapped[str | None] = mapped_column(String(80))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    scale: Mapped[int] = mapped_column(Integer, default=5)
    score: Mapped[int | None] = mapped_column(Integer)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
