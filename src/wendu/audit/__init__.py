"""The append-only, hash-chained audit trail of every API call and staff action."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from wendu.audit import effects  # noqa: F401  (registers the effect-record listeners)
from wendu.audit.chain import AuditRecord, append
from wendu.db import utcnow

__all__ = ["AuditRecord", "record"]


def record(
    target: Session | Connection,
    *,
    actor_type: str,
    action: str,
    status_code: int = 200,
    actor_id: str | None = None,
    partner_id: str | None = None,
    customer_id: str | None = None,
    consent_id: str | None = None,
    interaction_id: str | None = None,
    detail: dict[str, Any] | None = None,
    latency_ms: float = 0.0,
) -> AuditRecord:
    """Append one entry in ``target``'s transaction, so it commits or rolls back with it.

    For staff and system actions (``actor_type`` ``staff``/``system``), e.g.
    ``record(session, actor_type="staff", actor_id=user_id, action="ticket.close",
    detail={"ticket_id": ...})``. ``detail`` must never hold secrets, tokens or full card
    numbers. On PostgreSQL the chain lock is held until the transaction ends, so call it
    late in short transactions; on SQLite use a write session.
    """
    entry = AuditRecord(
        at=utcnow(),
        actor_type=actor_type,
        actor_id=actor_id,
        partner_id=partner_id,
        customer_id=customer_id,
        consent_id=consent_id,
        action=action,
        status_code=status_code,
        latency_ms=latency_ms,
        interaction_id=interaction_id,
        detail=detail,
    )
    conn = target.connection() if isinstance(target, Session) else target
    append(conn, [entry])
    return entry
