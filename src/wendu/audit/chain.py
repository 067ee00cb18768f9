"""The hash chain: canonical entries, appending under a cross-process lock, and verification.

``hash = sha256(prev_hash || canonical JSON of the entry)``; the first entry's ``prev_hash``
is 64 zeros. Appends hold a lock that works across processes and machines (PostgreSQL: a
transaction-scoped advisory lock; SQLite: the IMMEDIATE write transaction), so the chain
never forks; a unique index on ``prev_hash`` (migration ``0002_audit``) refuses a fork even
from a writer that bypasses this module.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select, text

from wendu.audit.models import AuditEntry

GENESIS_HASH = "0" * 64
# pg_advisory_xact_lock key shared by every process that extends the chain ("wendu audit").
CHAIN_LOCK_KEY = 0x77656E647561756

_TABLE = cast(Table, AuditEntry.__table__)


@dataclass
class AuditRecord:
    """One event to append; the chain fields are added when it is written."""

    at: datetime
    actor_type: str
    action: str
    status_code: int
    latency_ms: float = 0.0
    actor_id: str | None = None
    partner_id: str | None = None
    customer_id: str | None = None
    consent_id: str | None = None
    interaction_id: str | None = None
    detail: dict[str, Any] | None = field(default=None)

    def row(self) -> dict[str, Any]:
        """Return the column values that the hash covers, normalised for storage."""
        return {
            "at": self.at.astimezone(UTC),
            "actor_type": self.actor_type[:20],
            "actor_id": _clip(self.actor_id, 64),
            "partner_id": _clip(self.partner_id, 40),
            "customer_id": _clip(self.customer_id, 40),
            "consent_id": _clip(self.consent_id, 128),
            "action": self.action[:200],
            "status_code": int(self.status_code),
            # Rounded so the value survives every backend's float type bit-for-bit.
            "latency_ms": round(float(self.latency_ms), 3),
            "interaction_id": _clip(self.interaction_id, 64),
            "detail": self.detail,
        }


def _clip(value: str | None, size: int) -> str | None:
    return None if value is None else str(value)[:size]


def canonical_json(row: dict[str, Any]) -> str:
    """Return the canonical JSON of an entry's hashed fields (sorted keys, no spaces)."""
    at: datetime = row["at"]
    doc = {
        "action": row["action"],
        "actor_id": row["actor_id"],
        "actor_type": row["actor_type"],
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "consent_id": row["consent_id"],
        "customer_id": row["customer_id"],
        "detail": row["detail"],
        "interaction_id": row["interaction_id"],
        "latency_ms": float(row["latency_ms"]),
        "partner_id": row["partner_id"],
        "status_code": int(row["status_code"]),
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """Return ``sha256(prev_hash || canonical JSON)`` as hex."""
    return hashlib.sha256((prev_hash + canonical_json(row)).encode()).hexdigest()


def lock_chain(conn: Connection) -> None:
    """Take the chain lock for the rest of ``conn``'s transaction.

    On SQLite the caller's transaction must already be IMMEDIATE (it holds the write lock).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})


def chain_head(conn: Connection) -> str:
    """Return the hash of the last entry, or the genesis hash for an empty log."""
    last = conn.execute(
        select(_TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    return last or GENESIS_HASH


def append(conn: Connection, records: Sequence[AuditRecord]) -> str:
    """Extend the chain with ``records`` inside ``conn``'s transaction; return the new head."""
    if not records:
        return chain_head(conn)
    lock_chain(conn)
    prev = chain_head(conn)
    rows = []
    for record in records:
        row = record.row()
        row["prev_hash"] = prev
        row["hash"] = prev = entry_hash(prev, row)
        rows.append(row)
    # Rows are inserted in list order under the lock, so id order is chain order.
    conn.execute(insert(_TABLE), rows)
    return prev


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of recomputing the chain."""

    count: int
    head: str
    broken_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """Return True when every entry links to its predecessor and its hash matches."""
        return self.broken_id is None


def _rows(conn: Connection, batch: int) -> Iterator[dict[str, Any]]:
    last_id = None
    while True:
        query = select(_TABLE).order_by(_TABLE.c.id).limit(batch)
        if last_id is not None:
            query = query.where(_TABLE.c.id > last_id)
        page = [dict(r._mapping) for r in conn.execute(query)]
        if not page:
            return
        yield from page
        last_id = page[-1]["id"]


def verify(conn: Connection, *, batch: int = 5000) -> VerifyResult:
    """Recompute the whole chain in id order and report the first broken entry."""
    return verify_rows(_rows(conn, batch))


def verify_rows(rows: Iterable[dict[str, Any]]) -> VerifyResult:
    """Check linkage and hashes of ``rows`` given in id order, starting at genesis."""
    prev = GENESIS_HASH
    count = 0
    for row in rows:
        if row["prev_hash"] != prev:
            return VerifyResult(count, prev, row["id"], "prev_hash does not match the entry before")
        if entry_hash(prev, row) != row["hash"]:
            return VerifyResult(count, prev, row["id"], "hash does not match the entry's content")
        prev = row["hash"]
        count += 1
    return VerifyResult(count, prev)
