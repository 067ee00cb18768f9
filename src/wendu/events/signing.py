"""Build and sign event notifications: OB-shaped Security Event Tokens (JWT, ES256)."""

from __future__ import annotations

from typing import Any

import jwt
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.events.models import OutboxEvent
from wendu.identity.keys import KeyRing

ALGORITHM = "ES256"
SET_TYPE = "secevent+jwt"


def notification_claims(event: OutboxEvent, *, issuer: str, audience: str) -> dict[str, Any]:
    """Return the OBEventNotification claims of ``event`` for the partner ``audience``."""
    subject = dict(event.subject)
    body: dict[str, Any] = {**(event.payload or {}), "subject": subject}
    links = subject.get("http://openbanking.org.uk/rlk") or []
    sub = links[0]["link"] if links else f"urn:wendu:event-subject:{event.id}"
    return {
        "iss": issuer,
        "iat": int(utcnow().timestamp()),
        "jti": event.id,
        "aud": audience,
        "sub": sub,
        "txn": event.txn,
        "toe": int(event.created_at.timestamp()),
        "events": {event.event_type: body},
    }


def sign_notification(
    session: Session,
    keyring: KeyRing,
    event: OutboxEvent,
    *,
    issuer: str,
    audience: str,
) -> str:
    """Return the signed notification JWT (compact serialisation, ``kid`` in the header)."""
    key = keyring.active(session)
    claims = notification_claims(event, issuer=issuer, audience=audience)
    return jwt.encode(
        claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": SET_TYPE}
    )
