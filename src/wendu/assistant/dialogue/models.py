"""ORM table of the assistant's dialogue state (one row per chat session).

The state lives in the database, not in a process, so any API process can continue a chat.
Access tokens are never stored: every request brings the caller's own bearer token.
One turn at a time holds a chat through a lease on its row (``lease_owner``/``lease_until``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wendu.db import Base, UTCDateTime, utcnow


class ChatSession(Base):
    """A chat between a customer and the assistant, bound to one consent and conversation."""

    __tablename__ = "assistant_chat_sessions"
    __table_args__ = (Index("ix_assistant_chat_sessions_conversation", "conversation_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("helpdesk_conversations.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    consent_id: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5), default="zh")
    # current flow, slots, pending confirmation, intent history, fallbacks, sentiment trend
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    # Customer messages received; the number of the latest one (1, 2, 3, ...).
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The turn in progress holds the chat (see ``channels.service``): who, and until when.
    lease_owner: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
