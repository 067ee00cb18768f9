"""The transactional outbox: events commit with the change, and fan out once per partner."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from wendu.db import Database
from wendu.events import RESOURCE_UPDATE, Subject, publish
from wendu.events.models import EventDelivery, OutboxEvent
from wendu.events.service import (
    SubscriptionInput,
    create_subscription,
    dispatch_pending,
)

from .conftest import ApiPartner

PAYMENT_LINK = "https://bank.example/open-banking/v4.0/pisp/domestic-payments/pmt_1"


def _subject(rid: str = "pmt_1") -> Subject:
    return Subject(rid, "domestic-payment", (("4.0", PAYMENT_LINK),))


def test_event_rolled_back_with_its_transaction_leaves_nothing(db: Database) -> None:
    event_id = ""
    with pytest.raises(RuntimeError), db.session() as session:
        event_id = publish(
            session, event_type=RESOURCE_UPDATE, partner_id=None, subject=_subject()
        ).id
        # The flush put the row in the transaction; the failure must take it away again.
        assert session.get(OutboxEvent, event_id) is not None
        raise RuntimeError("the business change failed")
    with db.session(write=False) as session:
        assert session.get(OutboxEvent, event_id) is None


def test_committed_event_is_stored_in_open_banking_shape(db: Database) -> None:
    with db.session() as session:
        event_id = publish(
            session,
            event_type="urn:uk:org:openbanking:events:consent-authorization-revoked",
            partner_id=None,
            subject={
                "rid": "aac_1",
                "rty": "account-access-consent",
                "rlk": [
                    {
                        "version": "4.0",
                        "link": "https://bank.example/aisp/account-access-consents/aac_1",
                    }
                ],
            },
            payload={"reason": "Customer revoked"},
            txn="txn-123",
        ).id
    with db.session(write=False) as session:
        event = session.get(OutboxEvent, event_id)
        assert event is not None
        assert event.subject["http://openbanking.org.uk/rid"] == "aac_1"
        assert event.subject["subject_type"].endswith("rty")
        assert event.payload == {"reason": "Customer revoked"}
        assert event.txn == "txn-123"
        assert event.dispatched_at is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"event_type": "urn:uk:org:openbanking:events:nope"}, "unknown event type"),
        ({"event_type": "Ticket Resolved"}, "unknown event type"),
        ({"subject": {"rid": "x"}}, "resource type"),
        ({"subject": Subject("pmt_1", "domestic-payment")}, "resource link"),
        ({"payload": {"extra": 1}}, "no payload"),
        ({"event_type": "ticket.resolved", "payload": {"subject": 1}}, "subject"),
    ],
)
def test_publish_refuses_malformed_events(
    db: Database, kwargs: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {
        "event_type": RESOURCE_UPDATE,
        "partner_id": None,
        "subject": _subject(),
    }
    values.update(kwargs)
    with db.session() as session, pytest.raises(ValueError, match=message):
        publish(session, **values)  # type: ignore[arg-type]


def test_wendu_event_types_are_accepted_without_links(db: Database) -> None:
    with db.session() as session:
        event = publish(
            session,
            event_type="ticket.sla_breached",
            partner_id=None,
            subject=Subject("tkt_1", "ticket"),
            payload={"minutes_over": 12},
        )
    assert event.event_type == "ticket.sla_breached"


def test_dispatch_fans_out_push_poll_and_filtered(
    db: Database, make_partner: Callable[..., ApiPartner]
) -> None:
    pusher, poller, picky = make_partner(), make_partner(), make_partner()
    with db.session() as session:
        create_subscription(
            session,
            pusher.id,
            SubscriptionInput("4.0", "http://127.0.0.1:9/cb", None),
            production=False,
        )
        create_subscription(
            session,
            picky.id,
            SubscriptionInput("4.0", "http://127.0.0.1:9/cb", ["ticket.resolved"]),
            production=False,
        )
    with db.session() as session:
        ids = [
            publish(session, event_type=RESOURCE_UPDATE, partner_id=p.id, subject=_subject()).id
            for p in (pusher, poller, picky)
        ]
        nobody = publish(
            session, event_type=RESOURCE_UPDATE, partner_id=None, subject=_subject()
        ).id
    with db.session() as session:
        while dispatch_pending(session, limit=50):
            pass
    with db.session(write=False) as session:
        rows = {
            d.partner_id: d
            for d in session.execute(
                select(EventDelivery).where(EventDelivery.event_id.in_([*ids, nobody]))
            ).scalars()
        }
        assert rows[pusher.id].mode == "push"
        assert rows[poller.id].mode == "poll"
        assert picky.id not in rows  # it subscribed to ticket.resolved only
        assert len(rows) == 2
        for event_id in [*ids, nobody]:
            event = session.get(OutboxEvent, event_id)
            assert event is not None and event.dispatched_at is not None
    with db.session() as session:
        # Dispatching again finds nothing new: each event fans out exactly once.
        dispatch_pending(session, limit=1000)
    with db.session(write=False) as session:
        count = len(
            session.execute(select(EventDelivery.id).where(EventDelivery.event_id.in_(ids))).all()
        )
    assert count == 2
