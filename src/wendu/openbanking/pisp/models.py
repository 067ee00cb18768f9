"""ORM tables of payment initiation: payments (domestic, scheduled, standing orders), the
instalments standing orders paid, and the idempotency records of write requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wendu.db import Base, UTCDateTime, utcnow
from wendu.ledger.models import BigIntPK


class Payment(Base):
    """A payment order submitted against an authorised consent: ``kind`` is
    ``domestic-payment``, ``domestic-scheduled-payment`` or ``domestic-standing-order``.

    ``consent_id`` is unique: a consent pays at most once, whatever the race.
    ``ledger_transaction_id`` is the double-entry transaction that moved the money (None
    for a rejected, pending or standing-order payment); it is written in the transaction
    that moves the money (at submission, or when the executor pays a scheduled payment).
    """

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_partner", "partner_id"),
        Index("ix_payments_due", "status", "execute_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), default="domestic-payment")
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    debtor_account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    creditor_account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(4))
    status_reason: Mapped[str | None] = mapped_column(String(140))
    # [{"Status": "ACSP", "At": iso}, ...] in order, for payment-details.
    status_history: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    initiation: Mapped[dict[str, Any]] = mapped_column(JSON)
    ledger_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A scheduled payment: when the executor pays it (status PDNG until then).
    execute_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A standing order: the ledger's standing order it set up.
    standing_order_id: Mapped[str | None] = mapped_column(ForeignKey("standing_orders.id"))


class Instalment(Base):
    """One payment a standing order made (or failed to make) on one due date.

    The unique (payment, sequence) pair, written in the transaction that moves the money,
    makes each instalment happen at most once whatever the executor does.
    """

    __tablename__ = "standing_order_instalments"
    __table_args__ = (UniqueConstraint("payment_id", "sequence"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(4))
    status_reason: Mapped[str | None] = mapped_column(String(140))
    ledger_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    executed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyRecord(Base):
    """One ``x-idempotency-key`` of one partner: the request it named and what it created.

    The unique (partner, key) pair makes concurrent first attempts queue on the database:
    exactly one creates the resource, the others read what it created.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("partner_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    key: Mapped[str] = mapped_column(String(40))
    operation: Mapped[str] = mapped_column(String(60))
    request_hash: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(128))
    status_code: Mapped[int] = mapped_column(Integer, default=201)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
