"""Audit records committed with the effects of state-changing requests.

The request log (``AuditMiddleware``) is buffered and written after the response, so a
process killed in between loses it. For what must never go unrecorded, this module writes
an *effect* record inside the very transaction that changes state, just before it commits:

- during a POST/PUT/PATCH/DELETE (``AuditMiddleware`` opens :func:`request_context`), every
  transaction that wrote anything gets one effect record: the route, the caller, the
  request's interaction id, ``seq`` (1, 2, ... per request, so a hole shows) and the ids of
  the tracked rows it created;
- outside requests (CLI, jobs, the payment executor), a transaction that creates tracked
  rows gets one too (actor ``system``).

Tracked rows are consents and payments (:data:`TRACKED_TABLES`); verification
(``wendu.audit.coverage``) checks that each of them is named by an effect record. Reads stay
buffered: a GET adds no transaction. The record is appended under the chain lock like any
other entry, so the chain stays one verifiable sequence across processes.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from wendu.audit.chain import AuditRecord, append
from wendu.db import utcnow

# Tables whose every row must be named by an effect record (table -> primary key column).
TRACKED_TABLES: dict[str, str] = {"consents": "id", "payments": "id"}
EFFECT_ACTION_PREFIX = "effect "
_WROTE = "wendu_audit_wrote"
_CREATED = "wendu_audit_created"


@dataclass
class RequestAudit:
    """The state-changing request a thread of work belongs to."""

    scope: MutableMapping[str, Any]
    seq: int = 0
    # Names this request's effect records (a client may reuse its interaction id).
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])


_CURRENT: contextvars.ContextVar[RequestAudit | None] = contextvars.ContextVar(
    "wendu_audit_request", default=None
)


@contextmanager
def request_context(scope: MutableMapping[str, Any]) -> Iterator[RequestAudit]:
    """Mark the work done while the block runs as part of the state-changing ``scope``."""
    current = RequestAudit(scope)
    token = _CURRENT.set(current)
    try:
        yield current
    finally:
        _CURRENT.reset(token)


def _route(scope: MutableMapping[str, Any]) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return f"{scope.get('method', '?')} {path if isinstance(path, str) else '(unmatched)'}"


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    if not (session.new or session.dirty or session.deleted):
        return
    session.info[_WROTE] = True
    created: dict[str, list[str]] = session.info.setdefault(_CREATED, {})
    for obj in session.new:
        table = getattr(obj, "__tablename__", None)
        if table in TRACKED_TABLES:
            created.setdefault(table, []).append(str(getattr(obj, TRACKED_TABLES[table])))


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit flushes only after this hook: see what it would write
    wrote = session.info.pop(_WROTE, False)
    created: dict[str, list[str]] = session.info.pop(_CREATED, {})
    request = _CURRENT.get()
    if not created and (request is None or not wrote):
        return
    detail: dict[str, Any] = {}
    if created:
        detail["created"] = {table: sorted(ids) for table, ids in sorted(created.items())}
    if request is not None:
        request.seq += 1
        detail["request"] = request.request_id
        detail["seq"] = request.seq
        state: dict[str, Any] = request.scope.get("state") or {}
        who: dict[str, Any] = state.get("audit") or {}
        entry = AuditRecord(
            at=utcnow(),
            actor_type=who.get("actor_type") or "anonymous",
            actor_id=who.get("actor_id"),
            partner_id=who.get("partner_id"),
            customer_id=who.get("customer_id"),
            consent_id=who.get("consent_id"),
            action=EFFECT_ACTION_PREFIX + _route(request.scope),
            status_code=0,  # committed before the response exists
            interaction_id=state.get("interaction_id"),
            detail=detail,
        )
    else:
        entry = AuditRecord(
            at=utcnow(),
            actor_type="system",
            action=EFFECT_ACTION_PREFIX + "(outside a request)",
            status_code=0,
            detail=detail,
        )
    append(session.connection(), [entry])
