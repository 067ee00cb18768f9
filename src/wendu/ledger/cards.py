"""Card controls of the sandbox core bank: freeze a lost or stolen card, and unfreeze it.

Both are idempotent (freezing a frozen card changes nothing) and take the card's row lock, so
a freeze racing an unfreeze ends in one well-defined state. A cancelled card stays cancelled.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import bad_request, conflict, unknown_resource
from wendu.ledger.models import Card

ACTIVE = "active"
FROZEN = "frozen"
CANCELLED = "cancelled"
MAX_REASON = 140


def freeze_card(
    session: Session, card_id: str, reason: str, *, customer_id: str | None = None
) -> Card:
    """Freeze ``card_id`` so it authorises nothing until unfrozen; return the card.

    ``customer_id``, when given, must own the card (otherwise the card is "unknown", U004).
    """
    reason = _clean_reason(reason)
    card = _lock_card(session, card_id, customer_id)
    if card.status == CANCELLED:
        raise conflict("A cancelled card cannot be frozen")
    if card.status != FROZEN:
        card.status = FROZEN
        card.status_reason = reason
        card.updated_at = utcnow()
        session.flush()
    return card


def unfreeze_card(
    session: Session,
    card_id: str,
    reason: str | None = None,
    *,
    customer_id: str | None = None,
) -> Card:
    """Make a frozen ``card_id`` active again; return the card."""
    cleaned = _clean_reason(reason) if reason else None
    card = _lock_card(session, card_id, customer_id)
    if card.status == CANCELLED:
        raise conflict("A cancelled card cannot be unfrozen")
    if card.status != ACTIVE:
        card.status = ACTIVE
        card.status_reason = cleaned
        card.updated_at = utcnow()
        session.flush()
    return card


def _clean_reason(reason: str) -> str:
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise bad_request("A reason is required", code="U001", path="reason")
    if len(cleaned) > MAX_REASON:
        raise bad_request("The reason is too long", path="reason")
    return cleaned


def _lock_card(session: Session, card_id: str, customer_id: str | None) -> Card:
    card = session.execute(
        select(Card)
        .where(Card.id == card_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if card is None or (customer_id is not None and card.customer_id != customer_id):
        raise unknown_resource("card")
    return card
