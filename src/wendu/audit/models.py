"""ORM table of the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wendu.db import Base, UTCDateTime
from wendu.ledger.models import BigIntPK


class AuditEntry(Base):
    """One audited event. ``hash`` = SHA-256(prev_hash + canonical JSON of the entry)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_partner", "partner_id"),
        # One successor per entry: the chain cannot fork (migration 0002_audit).
        Index("uq_audit_log_prev_hash", "prev_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_type: Mapped[str] = mapped_column(String(20))  # partner|customer|staff|system|anonymous
    actor_id: Mapped[str | None] = mapped_column(String(64))
    partner_id: Mapped[str | None] = mapped_column(String(40))
    customer_id: Mapped[str | None] = mapped_column(String(40))
    consent_id: Mapped[str | None] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(200))  # e.g. "GET /open-banking/v4.0/aisp/accounts"
    status_code: Mapped[int] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float)
    interaction_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
