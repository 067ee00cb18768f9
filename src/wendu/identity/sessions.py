"""Server-side browser sessions behind the console and customer website cookies.

The cookie is signed (``kit.signing``) and carries ``subject:session-id``; the session row
(``WebSession``, keyed by the id's SHA-256) must exist, be unexpired and not ended. Signing
out ends the row, so a copied or kept cookie stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.identity.models import WebSession


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(session: Session, kind: str, subject_id: str, max_age_seconds: int) -> str:
    """Start a session for ``subject_id``; return the cookie payload ``subject:session-id``."""
    session_id = secrets.token_urlsafe(24)
    session.add(
        WebSession(
            id=_key(session_id),
            kind=kind,
            subject_id=subject_id,
            expires_at=utcnow() + timedelta(seconds=max_age_seconds),
        )
    )
    session.flush()
    return f"{subject_id}:{session_id}"


def subject_of(session: Session, kind: str, payload: str | None) -> str | None:
    """Return the subject of a live session named by a verified cookie payload, else None."""
    if not payload or ":" not in payload:
        return None
    subject_id, session_id = payload.split(":", 1)
    row = session.get(WebSession, _key(session_id))
    if (
        row is None
        or row.kind != kind
        or row.subject_id != subject_id
        or row.ended_at is not None
        or row.expires_at <= utcnow()
    ):
        return None
    return subject_id


def end_session(session: Session, kind: str, payload: str | None) -> None:
    """End the session named by a verified cookie payload (nothing when there is none)."""
    if not payload or ":" not in payload:
        return
    session.execute(
        update(WebSession)
        .where(
            WebSession.id == _key(payload.split(":", 1)[1]),
            WebSession.kind == kind,
            WebSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
    )
