"""Use cases of events: publish into the outbox, fan events out to partners, subscriptions.

Every function only flushes; the caller's session owns the transaction, which is the point
of the outbox: a change and the event it causes commit together or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import bad_request, conflict, unknown_resource
from wendu.events.callbacks import CallbackRefused, check_syntax, check_url
from wendu.events.models import EventDelivery, EventSubscription, OutboxEvent
from wendu.events.repository import (
    DeliveryRepository,
    OutboxRepository,
    SubscriptionRepository,
)
from wendu.events.types import EVENT_TYPES, OPEN_BANKING_TYPES, RESOURCE_UPDATE
from wendu.kit.ids import new_id

RID = "http://openbanking.org.uk/rid"
RTY = "http://openbanking.org.uk/rty"
RLK = "http://openbanking.org.uk/rlk"
SUBJECT_TYPE = "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty"
_WENDU_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class Subject:
    """The resource an event is about: its id, type and links to its API versions."""

    resource_id: str
    resource_type: str
    links: tuple[tuple[str, str], ...] = ()  # (version, absolute link)

    def as_json(self) -> dict[str, Any]:
        """Render in the OB ``OBEventSubject1`` shape."""
        body: dict[str, Any] = {
            "subject_type": SUBJECT_TYPE,
            RID: self.resource_id,
            RTY: self.resource_type,
        }
        if self.links:
            body[RLK] = [{"version": v, "link": link} for v, link in self.links]
        return body


def is_event_type(name: str) -> bool:
    """Return True for an OB event URN or a wendu event name such as ``ticket.resolved``."""
    return name in EVENT_TYPES or bool(_WENDU_NAME.match(name))


def _subject_json(subject: Subject | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(subject, Subject):
        return subject.as_json()
    rid = subject.get(RID, subject.get("rid"))
    rty = subject.get(RTY, subject.get("rty"))
    if not rid or not rty:
        raise ValueError("subject needs a resource id (rid) and a resource type (rty)")
    body: dict[str, Any] = {
        "subject_type": str(subject.get("subject_type", SUBJECT_TYPE)),
        RID: str(rid),
        RTY: str(rty),
    }
    links = subject.get(RLK, subject.get("rlk"))
    if links:
        body[RLK] = [{"version": str(x["version"]), "link": str(x["link"])} for x in links]
    return body


def publish(
    session: Session,
    *,
    event_type: str,
    partner_id: str | None,
    subject: Subject | Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    txn: str | None = None,
) -> OutboxEvent:
    """Add an event to the outbox in the caller's transaction (flush only, never commit).

    ``partner_id`` is the partner that is told; events without one are recorded only.
    ``payload`` becomes extra members of the event object beside ``subject`` (for example
    ``reason`` on consent-authorization-revoked); the OB resource-update event takes none.
    ``txn`` ties events of one business transaction together (default: the event id).
    """
    if not is_event_type(event_type):
        raise ValueError(f"unknown event type {event_type!r}")
    body = _subject_json(subject)
    if event_type in OPEN_BANKING_TYPES and RLK not in body:
        raise ValueError("Open Banking events need at least one resource link (rlk)")
    extra = dict(payload or {})
    if "subject" in extra:
        raise ValueError("payload must not contain 'subject'")
    if event_type == RESOURCE_UPDATE and extra:
        raise ValueError("the resource-update event carries no payload")
    event_id = new_id("evt", 16)
    event = OutboxEvent(
        id=event_id,
        event_type=event_type,
        partner_id=partner_id,
        subject=body,
        payload=extra or None,
        txn=(txn or event_id)[:128],
        created_at=utcnow(),
    )
    session.add(event)
    session.flush()
    return event


def dispatch_pending(session: Session, *, limit: int = 100) -> int:
    """Fan undispatched events out into deliveries (push or poll); return how many events.

    The locked outbox rows and their deliveries commit together, so an event is fanned
    out exactly once even with many workers.
    """
    events = OutboxRepository(session).lock_undispatched(limit)
    if not events:
        return 0
    partners = {e.partner_id for e in events if e.partner_id}
    subscriptions = SubscriptionRepository(session).for_partners(partners)
    now = utcnow()
    for event in events:
        event.dispatched_at = now
        if event.partner_id is None:
            continue
        sub = subscriptions.get(event.partner_id)
        if (
            sub is not None
            and sub.event_types is not None
            and (event.event_type not in sub.event_types)
        ):
            continue
        session.add(
            EventDelivery(
                id=new_id("dlv"),
                event_id=event.id,
                partner_id=event.partner_id,
                subscription_id=sub.id if sub else None,
                # Partners without a callback collect their events by polling.
                mode="push" if sub is not None and sub.callback_url else "poll",
                status="pending",
                attempts=0,
                next_attempt_at=now,
                # Partners poll in the order the events happened.
                created_at=event.created_at,
            )
        )
    session.flush()
    return len(events)


def purge(session: Session, *, older_than: timedelta) -> tuple[int, int]:
    """Delete finished deliveries and fully delivered events older than ``older_than``.

    Pending and in-flight work is never touched. Return (deliveries, events) deleted.
    """
    before = utcnow() - older_than
    deliveries = DeliveryRepository(session).purge_completed(before)
    events = OutboxRepository(session).purge_dispatched(before)
    session.flush()
    return deliveries, events


def ob_subject(public_url: str, path: str, resource_id: str, resource_type: str) -> Subject:
    """Return the subject of an OB v4 resource, linked at ``{public_url}/open-banking/v4.0/...``.

    Example: ``ob_subject(url, "pisp/domestic-payments", payment_id, "domestic-payment")``.
    """
    link = f"{public_url.rstrip('/')}/open-banking/v4.0/{path.strip('/')}/{resource_id}"
    return Subject(resource_id, resource_type, (("4.0", link),))


@dataclass(frozen=True)
class SubscriptionInput:
    """What a partner asks for when creating or changing its subscription."""

    version: str
    callback_url: str | None
    event_types: Sequence[str] | None


def _validate(data: SubscriptionInput, *, production: bool) -> None:
    if data.callback_url is not None:
        try:
            # Development and sandbox may call local receivers; production must not.
            if production:
                check_url(data.callback_url, production=True)
            else:
                check_syntax(data.callback_url, production=False)
        except CallbackRefused as exc:
            raise bad_request(str(exc), path="Data.CallbackUrl") from exc
    if data.event_types is not None:
        for i, name in enumerate(data.event_types):
            if not is_event_type(name):
                raise bad_request(
                    f"Unsupported event type {name[:200]!r}", path=f"Data.EventTypes[{i}]"
                )


def _unique(names: Sequence[str] | None) -> list[str] | None:
    return list(dict.fromkeys(names)) if names is not None else None


def create_subscription(
    session: Session, partner_id: str, data: SubscriptionInput, *, production: bool
) -> EventSubscription:
    """Create the partner's subscription; a partner has at most one (409 otherwise)."""
    _validate(data, production=production)
    repo = SubscriptionRepository(session)
    if repo.for_partner(partner_id) is not None:
        raise conflict("An event subscription already exists for this client")
    now = utcnow()
    return repo.add(
        EventSubscription(
            id=new_id("esub"),
            partner_id=partner_id,
            callback_url=data.callback_url,
            event_types=_unique(data.event_types),
            version=data.version,
            created_at=now,
            updated_at=now,
        )
    )


def get_subscription(session: Session, partner_id: str, subscription_id: str) -> EventSubscription:
    """Return the partner's subscription ``subscription_id`` or raise 400 U004."""
    sub = SubscriptionRepository(session).get(subscription_id)
    if sub is None or sub.partner_id != partner_id:
        raise unknown_resource("EventSubscriptionId")
    return sub


def list_subscriptions(session: Session, partner_id: str) -> list[EventSubscription]:
    """Return the partner's subscriptions (zero or one)."""
    sub = SubscriptionRepository(session).for_partner(partner_id)
    return [sub] if sub else []


def update_subscription(
    session: Session,
    partner_id: str,
    subscription_id: str,
    data: SubscriptionInput,
    *,
    production: bool,
) -> EventSubscription:
    """Replace the subscription's callback, types and version (PUT semantics)."""
    sub = get_subscription(session, partner_id, subscription_id)
    _validate(data, production=production)
    sub.callback_url = data.callback_url
    sub.event_types = _unique(data.event_types)
    sub.version = data.version
    sub.updated_at = utcnow()
    session.flush()
    return sub


def delete_subscription(session: Session, partner_id: str, subscription_id: str) -> None:
    """Delete the subscription; undelivered push events fall back to polling."""
    sub = get_subscription(session, partner_id, subscription_id)
    session.delete(sub)
    session.flush()
