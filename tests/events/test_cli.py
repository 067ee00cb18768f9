"""The ``wendu events`` commands: list dead letters, redeliver one, purge finished work."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.events import Subject, ob_subject, publish
from wendu.events.models import DeliveryAttempt, EventDelivery, OutboxEvent
from wendu.events.service import SubscriptionInput, create_subscription, purge
from wendu.events.worker import Worker

from .conftest import ApiPartner, Receiver, attempts_of, deliveries_of, drain, fast_settings


def _wendu(settings: Settings, cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WENDU_")}
    env["WENDU_DATABASE_URL"] = settings.database_url
    done = subprocess.run(
        [sys.executable, "-m", "wendu.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_dead_letter_can_be_listed_and_redelivered(
    db: Database,
    settings: Settings,
    make_partner: Callable[..., ApiPartner],
    make_worker: Callable[..., Worker],
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    partner = make_partner()
    with db.session() as session:
        create_subscription(
            session, partner.id, SubscriptionInput("4.0", receiver.url, None), production=False
        )
    with db.session() as session:
        event_id = publish(
            session,
            event_type="urn:uk:org:openbanking:events:resource-update",
            partner_id=partner.id,
            subject=ob_subject(settings.public_url, "pisp/domestic-payments", "pmt_9", "payment"),
        ).id
    receiver.statuses = [500, 500]
    worker = make_worker(fast_settings(max_attempts=2))
    while worker.dispatch():
        pass
    [delivery] = deliveries_of(db, [event_id])
    drain(worker, db, [delivery.id])
    assert deliveries_of(db, [event_id])[0].status == "dead"

    # The partner fixed its endpoint; an operator puts the dead letter back.
    listing = _wendu(settings, tmp_path, "events", "deliveries", "--status", "dead")
    assert delivery.id in listing and event_id in listing
    out = _wendu(settings, tmp_path, "events", "redeliver", delivery.id)
    assert "queued again" in out
    drain(worker, db, [delivery.id])
    [done] = deliveries_of(db, [event_id])
    assert done.status == "delivered"
    assert [a.outcome for a in attempts_of(db, done.id)] == ["retry", "dead", "delivered"]
    assert [r.jti for r in receiver.received] == [event_id] * 3


def test_purge_deletes_only_old_finished_work(
    db: Database, make_partner: Callable[..., ApiPartner]
) -> None:
    partner = make_partner()
    with db.session() as session:
        old, fresh = (
            publish(
                session,
                event_type="csat.received",
                partner_id=partner.id,
                subject=Subject(f"srv_{i}", "survey"),
            ).id
            for i in range(2)
        )
    long_ago = utcnow() - timedelta(days=40)
    with db.session() as session:
        for event_id, status in ((old, "acked"), (fresh, "pending")):
            event = session.get(OutboxEvent, event_id)
            assert event is not None
            event.dispatched_at = long_ago
            session.add(
                EventDelivery(
                    id=f"dlv_{event_id[-20:]}",
                    event_id=event_id,
                    partner_id=partner.id,
                    mode="poll",
                    status=status,
                    attempts=0,
                    next_attempt_at=long_ago,
                    created_at=long_ago,
                    completed_at=long_ago if status == "acked" else None,
                )
            )
        session.flush()
        session.add(
            DeliveryAttempt(
                delivery_id=f"dlv_{old[-20:]}",
                attempt=1,
                worker="test",
                started_at=long_ago,
                latency_ms=1.0,
                outcome="delivered",
            )
        )
    with db.session() as session:
        deliveries, events = purge(session, older_than=timedelta(days=30))
    assert deliveries >= 1 and events >= 1
    with db.session(write=False) as session:
        assert session.get(OutboxEvent, old) is None
        assert session.get(OutboxEvent, fresh) is not None  # still waiting to be polled
        assert session.get(EventDelivery, f"dlv_{fresh[-20:]}") is not None
