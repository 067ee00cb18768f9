"""``x-idempotency-key``: a write request is processed once per partner and key for 24 hours.

``claim`` runs first in the request's transaction. It inserts the (partner, key) record with
``ON CONFLICT DO NOTHING``: a concurrent first attempt with the same key makes PostgreSQL wait
until that attempt commits or rolls back, so of 50 simultaneous identical requests exactly one
creates the resource and the others replay it. A failed request rolls its record back with
everything else, so the partner may retry with the same key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import ErrorItem, WenduError, bad_request, missing_field
from wendu.openbanking.pisp.models import IdempotencyRecord

KEY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 40
# The spec's pattern: no leading or trailing white space.
_KEY = re.compile(r"^(?!\s)(.*)(\S)$")


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: a new request, or the resource an earlier one made."""

    record: IdempotencyRecord
    replay_of: str | None


def request_hash(body: bytes) -> str:
    """Return the fingerprint that tells a replay from a different request."""
    return hashlib.sha256(body).hexdigest()


def check_key(key: str | None) -> str:
    """Return a well-formed idempotency key or raise 400."""
    if key is None or key == "":
        raise missing_field("x-idempotency-key")
    if len(key) > MAX_KEY_LENGTH or not _KEY.match(key):
        raise bad_request(
            "x-idempotency-key must be 1 to 40 characters without surrounding spaces",
            path="x-idempotency-key",
        )
    return key


def claim(
    session: Session,
    *,
    partner_id: str,
    key: str | None,
    operation: str,
    body: bytes,
    resource_id: str,
) -> Claim:
    """Claim ``key`` for the resource this request will create (``resource_id``, chosen up
    front), or return the resource an earlier request with the key created, to replay.

    The record and the resource commit together, so a committed record always names a
    resource that exists. Raises U009 when the key was used (within 24 h) for a different
    request.
    """
    key = check_key(key)
    digest = request_hash(body)
    now = utcnow()
    values = {
        "partner_id": partner_id,
        "key": key,
        "operation": operation,
        "request_hash": digest,
        "resource_id": resource_id,
        "status_code": 201,
        "created_at": now,
        "expires_at": now + KEY_TTL,
    }
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = session.scalars(
        upsert(IdempotencyRecord)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["partner_id", "key"])
        .returning(IdempotencyRecord)
    ).one_or_none()
    if inserted is not None:
        return Claim(inserted, None)

    existing = session.execute(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.partner_id == partner_id, IdempotencyRecord.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if existing.expires_at <= now:
        # The key is free again after 24 hours: this is a new request.
        for name, value in values.items():
            setattr(existing, name, value)
        session.flush()
        return Claim(existing, None)
    if existing.operation != operation or existing.request_hash != digest:
        raise reused_key()
    if existing.resource_id is None:  # pragma: no cover - committed records always have one
        raise WenduError(500, [ErrorItem("U019", "The earlier request left no resource")])
    return Claim(existing, existing.resource_id)


def reused_key() -> WenduError:
    """Return the U009 error for a key reused with a different request."""
    return bad_request(
        "The x-idempotency-key was already used for a different request",
        code="U009",
        path="x-idempotency-key",
    )
