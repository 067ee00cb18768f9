"""Aggregated polling: partners without a callback collect, acknowledge or reject events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.events.repository import DeliveryRepository, OutboxRepository
from wendu.events.signing import sign_notification
from wendu.identity.keys import KeyRing

DEFAULT_MAX_EVENTS = 10


@dataclass(frozen=True)
class PollResult:
    """The signed notifications returned to the partner, keyed by ``jti``."""

    sets: dict[str, str]
    more_available: bool


def poll(
    session: Session,
    keyring: KeyRing,
    *,
    partner_id: str,
    client_id: str,
    issuer: str,
    ack: Sequence[str] = (),
    set_errs: Mapping[str, Mapping[str, str]] | None = None,
    max_events: int | None = None,
    limit: int = 100,
) -> PollResult:
    """Apply acknowledgements and rejections, then return unacknowledged notifications.

    Unknown or foreign ``jti`` values are ignored, as the polling spec allows; a rejected
    notification (``setErrs``) is not offered again and its error is kept.
    """
    repo = DeliveryRepository(session)
    now = utcnow()
    for delivery in repo.poll_by_events(partner_id, list(dict.fromkeys(ack))):
        delivery.status = "acked"
        delivery.completed_at = now
    errs = dict(set_errs or {})
    for delivery in repo.poll_by_events(partner_id, list(errs)):
        err = errs[delivery.event_id]
        delivery.status = "rejected"
        delivery.completed_at = now
        delivery.last_error = f"{err.get('err', '')}: {err.get('description', '')}"[:500]
    session.flush()
    wanted = DEFAULT_MAX_EVENTS if max_events is None else max(0, min(max_events, limit))
    sets: dict[str, str] = {}
    if wanted:
        pending = repo.pending_poll(partner_id, wanted)
        events = OutboxRepository(session).by_ids([d.event_id for d in pending])
        for delivery in pending:
            event = events[delivery.event_id]
            sets[event.id] = sign_notification(
                session, keyring, event, issuer=issuer, audience=client_id
            )
    more = repo.count_pending_poll(partner_id) > len(sets)
    return PollResult(sets=sets, more_available=more)
