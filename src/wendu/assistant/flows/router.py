"""Customer-token routes the assistant's flows act through (a wendu extension, not OB).

Card controls and connected apps are not in the UK OB API, so they live under
``/customer-api/v1``. Each is authorised by the customer's access token: cards need an
account-access consent that covers the card's account; connected apps need any token the
customer authorised, and only ever see that customer's own consents.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from wendu.deps import SessionDep
from wendu.errors import unknown_resource
from wendu.identity.connected_apps import list_connected_apps, revoke_connected_app
from wendu.identity.deps import CustomerAccess
from wendu.ledger.cards import freeze_card
from wendu.ledger.models import Card
from wendu.openbanking.deps import AccountsScope

router = APIRouter(prefix="/customer-api/v1", tags=["Customer API (wendu extension)"])

CardId = Annotated[str, Path(min_length=1, max_length=40)]


class FreezeRequest(BaseModel):
    """Why the card is frozen."""

    reason: str = Field("Reported lost or stolen", min_length=1, max_length=140)


def _card_out(card: Card) -> dict[str, Any]:
    return {
        "card_id": card.id,
        "account_id": card.account_id,
        "masked_pan": card.masked_pan,
        "last4": card.pan[-4:],
        "brand": card.brand,
        "kind": card.kind,
        "status": card.status,
    }


@router.get("/cards", operation_id="listConsentedCards")
def list_cards(scope: AccountsScope, session: SessionDep) -> dict[str, Any]:
    """List the cards on the accounts the consent covers (PANs masked)."""
    cards = session.execute(
        select(Card)
        .where(
            Card.account_id.in_(scope.account_ids),
            Card.customer_id == scope.customer_id,
        )
        .order_by(Card.id)
    ).scalars()
    return {"cards": [_card_out(c) for c in cards]}


@router.post("/cards/{card_id}/freeze", operation_id="freezeConsentedCard")
def freeze(
    card_id: CardId,
    scope: AccountsScope,
    session: SessionDep,
    body: Annotated[FreezeRequest | None, Body()] = None,
) -> dict[str, Any]:
    """Freeze a card on a consented account; other cards read as unknown (400 U004)."""
    card = session.get(Card, card_id)
    if card is None or card.account_id not in scope.account_ids:
        raise unknown_resource("card")
    reason = body.reason if body else FreezeRequest().reason
    frozen = freeze_card(session, card_id, reason, customer_id=scope.customer_id)
    return _card_out(frozen)


@router.get("/connected-apps", operation_id="listMyConnectedApps")
def connected_apps(access: CustomerAccess, session: SessionDep) -> dict[str, Any]:
    """List the apps with lasting access to the token's customer."""
    assert access.customer_id is not None
    return {
        "apps": [
            {
                "consent_id": app.consent_id,
                "partner_name": app.partner_name,
                "permissions": app.permissions,
                "account_ids": app.account_ids,
                "authorised_at": app.authorised_at.isoformat() if app.authorised_at else None,
                "current": app.consent_id == access.consent_id,
            }
            for app in list_connected_apps(session, access.customer_id)
        ]
    }


@router.delete("/connected-apps/{consent_id}", operation_id="revokeMyConnectedApp", status_code=204)
def revoke(
    consent_id: Annotated[str, Path(min_length=1, max_length=128)],
    access: CustomerAccess,
    session: SessionDep,
) -> Response:
    """Revoke one of the customer's connected apps; its tokens stop working at once."""
    assert access.customer_id is not None
    revoke_connected_app(session, access.customer_id, consent_id)
    return Response(status_code=204)
