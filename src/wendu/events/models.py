"""ORM tables of events: the outbox, partner subscriptions, deliveries and their attempt log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from wendu.db import Base, UTCDateTime, utcnow


class OutboxEvent(Base):
    """An event written in the same transaction as the change that caused it.

    ``id`` is the ``jti`` of every notification about this event, so it stays the same
    across retries and delivery modes and receivers can de-duplicate on it.
    """

    __tablename__ = "event_outbox"
    __table_args__ = (
        # The dispatcher only ever scans undispatched rows; keep that index tiny.
        Index(
            "ix_event_outbox_undispatched",
            "created_at",
            postgresql_where=text("dispatched_at IS NULL"),
            sqlite_where=text("dispatched_at IS NULL"),
        ),
        Index("ix_event_outbox_partner", "partner_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(128))
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id"))
    subject: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    txn: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventSubscription(Base):
    """A partner's event subscription; without a callback URL the partner polls instead."""

    __tablename__ = "event_subscriptions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # The OB spec allows one subscription resource per TPP.
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), unique=True)
    callback_url: Mapped[str | None] = mapped_column(String(2000))
    event_types: Mapped[list[str] | None] = mapped_column(JSON)  # None: every type
    version: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventDelivery(Base):
    """One event on its way to one partner, pushed to a callback or waiting to be polled.

    ``mode`` is ``push`` or ``poll``. ``status``: ``pending`` → ``delivered`` | ``dead`` for
    push, ``pending`` → ``acked`` | ``rejected`` for poll. A push row is claimed by setting
    ``locked_until``/``claim_token`` in a committed transaction before the HTTP call, so a
    worker that dies mid-call loses its claim when the lease runs out.
    """

    __tablename__ = "event_deliveries"
    __table_args__ = (
        Index("ix_event_deliveries_due", "status", "mode", "next_attempt_at"),
        Index("ix_event_deliveries_partner", "partner_id", "mode", "status", "created_at"),
        Index("ix_event_deliveries_event", "event_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("event_outbox.id"))
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    subscription_id: Mapped[str | None] = mapped_column(
        ForeignKey("event_subscriptions.id", ondelete="SET NULL")
    )
    mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeliveryAttempt(Base):
    """The log of one HTTP attempt: when, by whom, the outcome and how long it took."""

    __tablename__ = "event_delivery_attempts"
    __table_args__ = (Index("ix_event_delivery_attempts_delivery", "delivery_id", "attempt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("event_deliveries.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(12))  # delivered|retry|dead|lost
