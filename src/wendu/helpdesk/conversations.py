"""Conversation use cases: start, post messages, hand off to people, hand back, resolve.

Every channel (partner-embedded chat, web widget, app, e-mail in, phone notes) goes
through these functions, so one timeline per customer holds them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import bad_request, conflict, unknown_resource
from wendu.events import Subject, publish
from wendu.events.types import CONVERSATION_CREATED, CONVERSATION_HANDED_OFF
from wendu.helpdesk.models import CHANNELS, PRIORITIES, Conversation, Message
from wendu.kit.ids import new_id
from wendu.kit.masking import mask_deep, mask_sensitive
from wendu.ledger.models import Customer
from wendu.sentiment import analyse

AUTHOR_TYPES = ("customer", "assistant", "agent", "system")
HANDOFF_REASONS = ("customer_asked", "anger", "fallbacks", "complaint", "agent_transfer", "other")
OPEN_STATUSES = ("bot", "queued", "assigned")

MAX_MESSAGE = 4000  # characters in one message


def _subject(conversation: Conversation) -> Subject:
    return Subject(resource_id=conversation.id, resource_type="conversation")


def get_conversation(session: Session, conversation_id: str) -> Conversation:
    """Return the conversation or raise 400 U004."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise unknown_resource("conversation")
    return conversation


def start_conversation(
    session: Session,
    *,
    channel: str,
    customer_id: str | None,
    language: str = "zh",
    partner_id: str | None = None,
    consent_id: str | None = None,
    subject: str | None = None,
    with_assistant: bool = True,
) -> Conversation:
    """Open a conversation; the assistant answers first unless ``with_assistant`` is False."""
    if channel not in CHANNELS:
        raise bad_request(f"channel must be one of {', '.join(CHANNELS)}", path="channel")
    if language not in ("zh", "en"):
        raise bad_request("language must be zh or en", path="language")
    # An unknown customer is a 400 U004 like any unknown id, not a foreign-key 500.
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise unknown_resource("customer")
    now = utcnow()
    conversation = Conversation(
        id=new_id("cnv"),
        customer_id=customer_id,
        partner_id=partner_id,
        consent_id=consent_id,
        channel=channel,
        language=language,
        status="bot" if with_assistant else "queued",
        subject=mask_sensitive(subject)[:200] if subject else None,
        created_at=now,
        updated_at=now,
        queued_at=None if with_assistant else now,
    )
    session.add(conversation)
    session.flush()
    publish(
        session,
        event_type=CONVERSATION_CREATED,
        partner_id=partner_id,
        subject=_subject(conversation),
        payload={"channel": channel, "language": language, "status": conversation.status},
    )
    return conversation


def add_message(
    session: Session,
    conversation: Conversation,
    *,
    author_type: str,
    body: str,
    author_id: str | None = None,
    private: bool = False,
    intent: str | None = None,
    confidence: float | None = None,
    sentiment: float | None = None,
    emotion: str | None = None,
    mentions: Sequence[str] | None = None,
) -> Message:
    """Append a message (masked) and keep the conversation's response clocks."""
    if author_type not in AUTHOR_TYPES:
        raise bad_request("unknown author type", path="author_type")
    text = body.strip()
    if not text:
        raise bad_request("a message needs text", path="body", key="reply_empty")
    if len(text) > MAX_MESSAGE:
        raise bad_request(
            "a message has at most 4000 characters", path="body", key="reply_too_long"
        )
    if conversation.status == "closed":
        raise conflict("the conversation is closed", key="conversation_closed")
    if private and author_type != "agent":
        raise bad_request("only agents write private notes", path="private")
    now = utcnow()
    message = Message(
        conversation_id=conversation.id,
        author_type=author_type,
        author_id=author_id,
        body=mask_sensitive(text),
        private=private,
        intent=intent,
        confidence=confidence,
        sentiment=sentiment,
        emotion=emotion,
        mentions=list(mentions) if mentions else None,
        created_at=now,
    )
    session.add(message)
    conversation.updated_at = now
    if author_type == "customer":
        conversation.last_customer_message_at = now
        if sentiment is not None:
            # A moving average, so one sharp message moves it but does not define it.
            previous = conversation.sentiment
            conversation.sentiment = (
                sentiment if previous is None else round(0.6 * previous + 0.4 * sentiment, 4)
            )
        if conversation.status == "resolved":
            conversation.status = "assigned" if conversation.assignee_id else "queued"
            conversation.resolved_at = None
    elif author_type == "agent" and not private and conversation.first_agent_reply_at is None:
        conversation.first_agent_reply_at = now
    session.flush()
    return message


def add_customer_message(session: Session, conversation: Conversation, body: str) -> Message:
    """Append the customer's own message, scored by the sentiment model.

    Its score moves the conversation's sentiment (and so the priority of a hand-off), and
    its emotion is shown to the agent beside the message.
    """
    text = body.strip()
    mood = analyse(text) if 0 < len(text) <= MAX_MESSAGE else None  # else add_message refuses
    return add_message(
        session,
        conversation,
        author_type="customer",
        body=body,
        sentiment=mood.score if mood else None,
        emotion=mood.emotion if mood else None,
    )


def transcript(
    session: Session, conversation_id: str, *, include_private: bool = False
) -> list[Message]:
    """Return the conversation's messages in order (private notes only for staff views)."""
    query = select(Message).where(Message.conversation_id == conversation_id)
    if not include_private:
        query = query.where(Message.private.is_(False))
    return list(session.execute(query.order_by(Message.id)).scalars())


def hand_off(
    session: Session,
    conversation: Conversation,
    *,
    reason: str,
    context: dict[str, Any] | None = None,
    priority: str | None = None,
) -> Conversation:
    """Queue the conversation for a person, carrying what the assistant learned.

    ``context`` holds the intent history, filled slots, sentiment and a short summary; the
    transcript itself stays in the messages. Routing happens in ``routing.route``.
    """
    if reason not in HANDOFF_REASONS:
        raise bad_request(f"reason must be one of {', '.join(HANDOFF_REASONS)}", path="reason")
    if priority is not None and priority not in PRIORITIES:
        raise bad_request("unknown priority", path="priority", key="invalid_priority")
    if conversation.status not in ("bot", "resolved"):
        raise conflict("the conversation is already with a person", key="already_with_person")
    now = utcnow()
    conversation.status = "queued"
    conversation.queued_at = now
    conversation.updated_at = now
    conversation.handoff_reason = reason
    conversation.handoff_context = mask_deep(dict(context or {}))
    conversation.priority = priority or _priority_for(reason, conversation.sentiment)
    session.flush()
    publish(
        session,
        event_type=CONVERSATION_HANDED_OFF,
        partner_id=conversation.partner_id,
        subject=_subject(conversation),
        payload={"reason": reason, "priority": conversation.priority},
    )
    return conversation


def _priority_for(reason: str, sentiment: float | None) -> str:
    if reason in ("anger", "complaint") or (sentiment is not None and sentiment < -0.6):
        return "high"
    return "normal"


def hand_back_to_assistant(session: Session, conversation: Conversation) -> Conversation:
    """Return the conversation to the assistant (the agent is done with it)."""
    if conversation.status not in ("queued", "assigned"):
        raise conflict(
            "only a conversation with a person can be handed back", key="not_with_person"
        )
    conversation.status = "bot"
    conversation.assignee_id = None
    conversation.updated_at = utcnow()
    session.flush()
    return conversation


def resolve(session: Session, conversation: Conversation) -> Conversation:
    """Mark the conversation resolved (a later customer message reopens it)."""
    if conversation.status not in OPEN_STATUSES:
        raise conflict("the conversation is not open", key="conversation_not_open")
    now = utcnow()
    conversation.status = "resolved"
    conversation.resolved_at = now
    conversation.updated_at = now
    session.flush()
    return conversation


def close(session: Session, conversation: Conversation) -> Conversation:
    """Close a resolved conversation for good."""
    if conversation.status != "resolved":
        raise conflict("only a resolved conversation can be closed")
    conversation.status = "closed"
    conversation.closed_at = utcnow()
    session.flush()
    return conversation
