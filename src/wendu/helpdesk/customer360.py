"""The customer timeline an agent sees beside a conversation.

Earlier conversations and tickets come from the helpdesk's own tables; accounts and recent
transactions through the ``CoreBank`` port, consents through identity's connected apps —
never by querying other domains' tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.helpdesk.models import Conversation, Ticket
from wendu.identity.connected_apps import list_connected_apps
from wendu.ledger.port import CoreBank, TransactionQuery


@dataclass(frozen=True)
class TimelineItem:
    """One entry of the customer's timeline, newest first."""

    at: dt.datetime
    kind: str  # conversation|ticket|transaction
    ref: str
    summary: str
    status: str | None = None


@dataclass(frozen=True)
class CustomerView:
    """What an agent needs to know about the customer."""

    customer_id: str
    name: str | None
    consents: list[dict[str, object]] = field(default_factory=list)
    timeline: list[TimelineItem] = field(default_factory=list)
    sentiment: float | None = None


def customer_view(
    session: Session,
    bank: CoreBank,
    customer_id: str,
    *,
    exclude_conversation: str | None = None,
    transactions: int = 10,
    scope: Callable[[Conversation | Ticket], bool] | None = None,
    bank_data: bool = True,
) -> CustomerView:
    """Build the customer's timeline: conversations, tickets, consents, recent transactions.

    ``scope`` keeps only the conversations and tickets a staff member may see (an agent's
    queues); without ``bank_data`` the view leaves out transactions and consents.
    """
    party = bank.party(customer_id)
    items: list[TimelineItem] = []
    conversations = session.execute(
        select(Conversation)
        .where(Conversation.customer_id == customer_id)
        .order_by(Conversation.created_at.desc())
        .limit(20)
    ).scalars()
    sentiments = []
    for c in conversations:
        if c.sentiment is not None:
            sentiments.append(c.sentiment)
        if c.id == exclude_conversation or (scope is not None and not scope(c)):
            continue
        items.append(
            TimelineItem(c.created_at, "conversation", c.id, c.subject or c.channel, c.status)
        )
    for t in session.execute(
        select(Ticket)
        .where(Ticket.customer_id == customer_id)
        .order_by(Ticket.created_at.desc())
        .limit(20)
    ).scalars():
        if scope is not None and not scope(t):
            continue
        items.append(
            TimelineItem(t.created_at, "ticket", t.id, f"{t.reference} {t.subject}", t.status)
        )
    accounts = [a.id for a in bank.customer_accounts(customer_id)] if bank_data else []
    if accounts:
        for tx in bank.transactions(TransactionQuery(account_ids=accounts, limit=transactions)):
            amount = f"{tx.amount_minor / 100:.2f} {tx.currency}"
            what = tx.merchant_name or tx.description
            items.append(
                TimelineItem(tx.booked_at, "transaction", str(tx.id), f"{amount} {what}", tx.status)
            )
    items.sort(key=lambda i: i.at, reverse=True)
    consents: list[dict[str, object]] = [
        {
            "consent_id": app.consent_id,
            "kind": app.kind,
            "partner": app.partner_name,
            "permissions": app.permissions,
            "expires_at": app.expires_at.isoformat() if app.expires_at else None,
        }
        for app in (list_connected_apps(session, customer_id) if bank_data else [])
    ]
    return CustomerView(
        customer_id=customer_id,
        name=party.full_name if party else None,
        consents=consents,
        timeline=items,
        sentiment=round(sum(sentiments) / len(sentiments), 4) if sentiments else None,
    )
