"""Customer-token routes the assistant's flows act through (a wendu extension, not OB).

Card controls and connected apps are not in the UK OB API, so they live under
``/customer-api/v1``. Each is authorised by the customer's access token: cards need an
account-access consent that covers the card's account. Connected apps: the bank's own
first-party app sees and revokes all of the customer's apps; a partner's token only its own.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.assistant.channels.widget import is_first_party
from wendu.deps import SessionDep
from wendu.errors import forbidden, unknown_resource
from wendu.identity.connected_apps import ConnectedApp, list_connected_apps, revoke_connected_app
from wendu.identity.deps import CustomerAccess
from wendu.identity.models import Consent
from wendu.identity.tokens import AccessContext
from wendu.ledger.cards import freeze_card
from wendu.ledger.models import Card, LedgerTransaction, Merchant, Posting
from wendu.openbanking.deps import AccountsScope, TransactionsScope

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


def _visible(session: Session, access: AccessContext) -> list[ConnectedApp]:
    """Return the apps this token may see: all for the bank's own app, else only its own.

    A partner must never learn which other apps the customer uses, nor revoke them.
    """
    assert access.customer_id is not None
    apps = list_connected_apps(session, access.customer_id)
    if is_first_party(session, access.partner_id):
        return apps
    own = set(
        session.execute(
            select(Consent.id).where(
                Consent.partner_id == access.partner_id,
                Consent.id.in_([a.consent_id for a in apps]),
            )
        ).scalars()
    )
    return [a for a in apps if a.consent_id in own]


@router.get("/connected-apps", operation_id="listMyConnectedApps")
def connected_apps(access: CustomerAccess, session: SessionDep) -> dict[str, Any]:
    """List the apps with lasting access to the token's customer that this token may see."""
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
            for app in _visible(session, access)
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
    if consent_id not in {a.consent_id for a in _visible(session, access)}:
        raise unknown_resource("consent")
    revoke_connected_app(session, access.customer_id, consent_id)
    return Response(status_code=204)


@router.get("/merchants", operation_id="listMyMerchants")
def merchants(scope: TransactionsScope, session: SessionDep) -> dict[str, Any]:
    """List the merchants on the consented accounts' transactions within the consent's
    window, with the English and Chinese names the bank holds (for the assistant to know
    the merchants a customer may name). Needs ReadTransactionsDetail, as merchant details
    in the transaction listing do."""
    if not scope.has("ReadTransactionsDetail"):
        raise forbidden("The consent does not grant ReadTransactionsDetail", code="U007")
    query = (
        select(Merchant.name, Merchant.name_zh)
        .distinct()
        .join(LedgerTransaction, LedgerTransaction.merchant_id == Merchant.id)
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .where(Posting.account_id.in_(scope.account_ids))
    )
    if scope.transaction_from is not None:
        query = query.where(Posting.booked_at >= scope.transaction_from)
    if scope.transaction_to is not None:
        query = query.where(Posting.booked_at <= scope.transaction_to)
    if not scope.has("ReadTransactionsDebits"):
        query = query.where(Posting.amount_minor >= 0)
    if not scope.has("ReadTransactionsCredits"):
        query = query.where(Posting.amount_minor < 0)
    rows = session.execute(query.order_by(Merchant.name)).all()
    return {"merchants": [{"name": name, "name_zh": name_zh} for name, name_zh in rows]}
