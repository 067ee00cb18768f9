"""Wire models of the helpdesk API (built from ORM rows with ``from_attributes``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# Auth -----------------------------------------------------------------------------------


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    role: str
    staff_id: str


class StaffOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    team_ids: list[str]


# Teams and agents -------------------------------------------------------------------------


class TeamIn(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9_\-]{2,40}$")
    name: str = Field(min_length=1, max_length=140)
    name_zh: str = Field(min_length=1, max_length=140)
    languages: list[Literal["zh", "en"]] = ["zh"]
    product_areas: list[str] = Field(default_factory=list)


class TeamOut(_Out):
    id: str
    name: str
    name_zh: str
    languages: list[str]
    product_areas: list[str]


class MemberIn(BaseModel):
    staff_id: str
    capacity: int = Field(default=3, ge=1, le=50)
    languages: list[Literal["zh", "en"]] = ["zh", "en"]
    product_areas: list[str] = Field(default_factory=list)


class PresenceIn(BaseModel):
    presence: Literal["online", "away", "offline"]


class PresenceOut(BaseModel):
    presence: str
    moved: list[str]


class AgentOut(_Out):
    staff_id: str
    presence: str
    capacity: int
    languages: list[str]
    load: int = 0
    last_assigned_at: dt.datetime | None = None


# Conversations ---------------------------------------------------------------------------


class ConversationIn(BaseModel):
    """A conversation opened by staff: e-mail received through the API or phone notes."""

    channel: Literal["partner_chat", "web_widget", "app", "email", "phone"]
    customer_id: str | None = None
    language: Literal["zh", "en"] = "zh"
    subject: str | None = Field(default=None, max_length=200)
    body: str = Field(min_length=1, max_length=4000)
    author: Literal["customer", "agent"] = "customer"
    team_id: str | None = None
    assign_to_me: bool = False


class ConversationOut(_Out):
    id: str
    customer_id: str | None
    partner_id: str | None
    channel: str
    language: str
    status: str
    priority: str
    subject: str | None
    team_id: str | None
    assignee_id: str | None
    handoff_reason: str | None
    handoff_context: dict[str, Any] | None
    sentiment: float | None
    created_at: dt.datetime
    updated_at: dt.datetime
    queued_at: dt.datetime | None
    assigned_at: dt.datetime | None
    first_agent_reply_at: dt.datetime | None
    resolved_at: dt.datetime | None


class MessageOut(_Out):
    id: int
    author_type: str
    author_id: str | None
    body: str
    private: bool
    intent: str | None
    sentiment: float | None
    mentions: list[str] | None
    created_at: dt.datetime


class TimelineItemOut(BaseModel):
    at: dt.datetime
    kind: str
    ref: str
    summary: str
    status: str | None


class CustomerOut(BaseModel):
    customer_id: str
    name: str | None
    sentiment: float | None
    consents: list[dict[str, Any]]
    timeline: list[TimelineItemOut]


class ConversationDetail(BaseModel):
    conversation: ConversationOut
    messages: list[MessageOut]
    ticket_ids: list[str]
    customer: CustomerOut | None


class MessageIn(BaseModel):
    body: str | None = Field(default=None, max_length=4000)
    private: bool = False
    mentions: list[str] = Field(default_factory=list, max_length=20)
    canned_id: str | None = None


class HandoffIn(BaseModel):
    reason: str = "customer_asked"
    context: dict[str, Any] | None = None
    priority: Literal["urgent", "high", "normal", "low"] | None = None
    product_area: str | None = None


class AssignIn(BaseModel):
    agent_id: str | None = None  # None: the caller takes it


class TransferIn(BaseModel):
    to_agent_id: str | None = None
    to_team_id: str | None = None


class SuggestedAnswerOut(BaseModel):
    source: str
    ref: str
    title: str
    body: str
    score: float


# Canned responses -------------------------------------------------------------------------


class CannedIn(BaseModel):
    shortcut: str
    body: str
    language: Literal["zh", "en"] = "zh"
    team_id: str | None = None


class CannedOut(_Out):
    id: str
    shortcut: str
    body: str
    language: str
    team_id: str | None


class RenderedOut(BaseModel):
    body: str


# Tickets ---------------------------------------------------------------------------------


class TicketIn(BaseModel):
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=8000)
    kind: Literal["request", "complaint"] = "request"
    conversation_id: str | None = None
    customer_id: str | None = None
    channel: Literal["partner_chat", "web_widget", "app", "email", "phone"] | None = None
    category: str | None = None
    priority: Literal["urgent", "high", "normal", "low"] | None = None
    team_id: str | None = None
    transaction_ids: list[int] = Field(default_factory=list, max_length=20)


class TicketPatch(BaseModel):
    category: str | None = None
    priority: Literal["urgent", "high", "normal", "low"] | None = None
    team_id: str | None = None
    assignee_id: str | None = None


class StatusIn(BaseModel):
    status: Literal["open", "pending_customer", "resolved", "closed"]
    note: str | None = Field(default=None, max_length=2000)


class ReplyIn(BaseModel):
    body: str = Field(min_length=1, max_length=4000)


class LinkIn(BaseModel):
    conversation_id: str | None = None
    transaction_id: int | None = None


class TicketOut(_Out):
    id: str
    reference: str
    customer_id: str | None
    conversation_id: str | None
    partner_id: str | None
    channel: str
    kind: str
    category: str | None
    priority: str
    status: str
    subject: str
    description: str
    team_id: str | None
    assignee_id: str | None
    suggestion: dict[str, Any] | None
    regulatory_due_at: dt.datetime | None
    incident_id: str | None
    created_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None


class TicketEventOut(_Out):
    id: int
    kind: str
    actor: str | None
    data: dict[str, Any] | None
    at: dt.datetime


class ClockOut(BaseModel):
    key: str
    target: str
    phase: str
    state: str
    consumed_seconds: float
    remaining_seconds: float
    due_at: dt.datetime | None
    warn_at: dt.datetime | None


class TicketDetail(BaseModel):
    ticket: TicketOut
    history: list[TicketEventOut]
    sla: list[ClockOut]
    conversation_ids: list[str]
    transaction_ids: list[int]


class IncidentOut(_Out):
    id: str
    category: str
    status: str
    window_start: dt.datetime
    window_end: dt.datetime
    observed: int
    expected: float
    score: float
    opened_at: dt.datetime
    ticket_ids: list[str] = Field(default_factory=list)


# Customer channel and surveys ---------------------------------------------------------------


class ChannelStartIn(BaseModel):
    channel: Literal["web_widget", "app"] = "web_widget"
    language: Literal["zh", "en"] = "zh"
    subject: str | None = Field(default=None, max_length=200)
    body: str = Field(min_length=1, max_length=4000)


class ChannelStartOut(BaseModel):
    conversation_id: str
    token: str
    status: str


class ChannelMessageIn(BaseModel):
    body: str = Field(min_length=1, max_length=4000)


class ChannelMessagesOut(BaseModel):
    status: str
    messages: list[MessageOut]


class SurveyOut(BaseModel):
    kind: str
    scale: int
    questions: list[dict[str, Any]]
    answered: bool


class SurveyAnswerIn(BaseModel):
    score: int
    answers: dict[str, Any] | None = None
    comment: str | None = Field(default=None, max_length=2000)
