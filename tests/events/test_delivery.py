"""Signed webhook delivery to a real local receiver: signature, retries, dead letters, log."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from fastapi.testclient import TestClient

from wendu.app import create_app
from wendu.config import Settings
from wendu.db import Database
from wendu.events import RESOURCE_UPDATE, Subject, publish
from wendu.events.service import SubscriptionInput, create_subscription
from wendu.events.worker import Worker, backoff_seconds

from .conftest import (
    ApiPartner,
    Receiver,
    Spec,
    attempts_of,
    deliveries_of,
    drain,
    fast_settings,
)

LINK = "https://bank.example/open-banking/v4.0/pisp/domestic-payments/{}"


def _subscribe(db: Database, partner: ApiPartner, url: str, types: list[str] | None = None) -> None:
    with db.session() as session:
        create_subscription(
            session, partner.id, SubscriptionInput("4.0", url, types), production=False
        )


def _publish(db: Database, partner: ApiPartner, n: int = 1) -> list[str]:
    with db.session() as session:
        return [
            publish(
                session,
                event_type=RESOURCE_UPDATE,
                partner_id=partner.id,
                subject=Subject(f"pmt_{i}", "domestic-payment", (("4.0", LINK.format(i)),)),
            ).id
            for i in range(n)
        ]


def _dispatch(worker: Worker) -> None:
    while worker.dispatch():
        pass


def test_signed_notification_reaches_the_receiver(
    db: Database,
    settings: Settings,
    make_partner: Callable[..., ApiPartner],
    make_worker: Callable[..., Worker],
    receiver: Receiver,
    spec: Spec,
) -> None:
    partner = make_partner()
    receiver.audience = partner.client_id
    _subscribe(db, partner, receiver.url)
    [event_id] = _publish(db, partner)
    worker = make_worker()
    _dispatch(worker)
    [delivery] = deliveries_of(db, [event_id])
    drain(worker, db, [delivery.id])

    assert receiver.bad_signatures == 0
    [got] = receiver.received
    assert got.jti == event_id
    assert got.content_type == "application/jwt"
    assert got.path == "/tpp/callbacks/event-notifications"
    assert got.financial_id
    assert got.header["alg"] == "ES256" and got.header["kid"]
    claims = got.claims
    spec.validate("OBEventNotification1", claims, notification=True)
    assert claims["iss"] == settings.public_url
    assert claims["aud"] == partner.client_id
    assert claims["sub"] == LINK.format(0)
    assert claims["txn"] == event_id
    subject = claims["events"][RESOURCE_UPDATE]["subject"]
    assert subject["http://openbanking.org.uk/rid"] == "pmt_0"

    [done] = deliveries_of(db, [event_id])
    assert (done.status, done.attempts, done.last_status_code) == ("delivered", 1, 202)
    [attempt] = attempts_of(db, done.id)
    assert attempt.outcome == "delivered" and attempt.status_code == 202
    assert attempt.latency_ms > 0


def test_failures_are_retried_with_backoff_then_delivered(
    db: Database,
    make_partner: Callable[..., ApiPartner],
    make_worker: Callable[..., Worker],
    receiver: Receiver,
) -> None:
    partner = make_partner()
    _subscribe(db, partner, receiver.url)
    receiver.statuses = [500, 503]
    [event_id] = _publish(db, partner)
    worker = make_worker(fast_settings(max_attempts=5, backoff_base_seconds=0.1))
    _dispatch(worker)
    [delivery] = deliveries_of(db, [event_id])
    drain(worker, db, [delivery.id])

    assert [r.jti for r in receiver.received] == [event_id] * 3  # same jti on every retry
    log = attempts_of(db, delivery.id)
    assert [(a.attempt, a.status_code, a.outcome) for a in log] == [
        (1, 500, "retry"),
        (2, 503, "retry"),
        (3, 202, "delivered"),
    ]
    # The retries waited for the backoff: at least half the exponential delay each time.
    gaps = [(b.started_at - a.started_at).total_seconds() for a, b in itertools.pairwise(log)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1


def test_dead_letter_after_max_attempts(
    db: Database,
    make_partner: Callable[..., ApiPartner],
    make_worker: Callable[..., Worker],
    receiver: Receiver,
) -> None:
    partner = make_partner()
    _subscribe(db, partner, receiver.url)
    receiver.default_status = 500
    [event_id] = _publish(db, partner)
    worker = make_worker(fast_settings(max_attempts=3))
    _dispatch(worker)
    [delivery] = deliveries_of(db, [event_id])
    drain(worker, db, [delivery.id])

    [dead] = deliveries_of(db, [event_id])
    assert (dead.status, dead.attempts, dead.last_status_code) == ("dead", 3, 500)
    assert [a.outcome for a in attempts_of(db, dead.id)] == ["retry", "retry", "dead"]
    assert len(receiver.received) == 3
    worker.run(once=True)  # a dead letter is never sent again
    assert len(receiver.received) == 3


def test_unreachable_receiver_is_logged_as_an_error(
    db: Database,
    make_partner: Callable[..., ApiPartner],
    make_worker: Callable[..., Worker],
) -> None:
    partner = make_partner()
    _subscribe(db, partner, "http://127.0.0.1:9/closed")  # discard port: nothing listens
    [event_id] = _publish(db, partner)
    worker = make_worker(fast_settings(max_attempts=2))
    _dispatch(worker)
    [delivery] = deliveries_of(db, [event_id])
    drain(worker, db, [delivery.id])
    log = attempts_of(db, delivery.id)
    assert [a.outcome for a in log] == ["retry", "dead"]
    assert all(a.status_code is None and a.error for a in log)


def test_production_worker_refuses_internal_addresses_at_send_time(
    db: Database,
    settings: Settings,
    make_partner: Callable[..., ApiPartner],
    make_worker: Callable[..., Worker],
    receiver: Receiver,
) -> None:
    # Accepted while it looked fine (development), the callback now points inside: the
    # check at send time (the DNS-rebinding guard) must stop every attempt.
    partner = make_partner()
    _subscribe(db, partner, receiver.url)
    [event_id] = _publish(db, partner)
    production = settings.model_copy(update={"env": "production"})
    worker = make_worker(fast_settings(max_attempts=2), app_settings=production)
    _dispatch(worker)
    [delivery] = deliveries_of(db, [event_id])
    drain(worker, db, [delivery.id])
    assert receiver.received == []
    log = attempts_of(db, delivery.id)
    assert [a.outcome for a in log] == ["retry", "dead"]
    assert all(a.error and a.error.startswith("refused") for a in log)


def test_deleted_callback_falls_back_to_polling(
    db: Database,
    client: TestClient,
    make_partner: Callable[..., ApiPartner],
    make_worker: Callable[..., Worker],
    receiver: Receiver,
) -> None:
    partner = make_partner()
    _subscribe(db, partner, receiver.url)
    [event_id] = _publish(db, partner)
    worker = make_worker()
    _dispatch(worker)
    sub = client.get("/open-banking/v4.0/event-subscriptions", headers=partner.headers).json()
    sub_id = sub["Data"]["EventSubscription"][0]["EventSubscriptionId"]
    assert (
        client.delete(
            f"/open-banking/v4.0/event-subscriptions/{sub_id}", headers=partner.headers
        ).status_code
        == 204
    )
    worker.run(once=True)
    assert receiver.received == []
    polled = client.post(
        "/open-banking/v4.0/events", json={"returnImmediately": True}, headers=partner.headers
    ).json()
    assert list(polled["sets"]) == [event_id]


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    import random

    rng = random.Random(7)
    for attempt, full in [(1, 2.0), (2, 4.0), (3, 8.0), (10, 60.0)]:
        delays = [backoff_seconds(attempt, 2.0, 60.0, rng) for _ in range(200)]
        assert min(delays) >= full / 2 and max(delays) <= full
        assert len(set(delays)) > 100  # jittered, not a fixed schedule


def test_embedded_worker_delivers_inside_the_app(
    db: Database,
    settings: Settings,
    make_partner: Callable[..., ApiPartner],
    receiver: Receiver,
) -> None:
    partner = make_partner()
    _subscribe(db, partner, receiver.url)
    embedded = settings.model_copy(update={"run_worker_in_process": True})
    app = create_app(embedded, database=db)
    with TestClient(app):
        assert app.state.events_worker.running
        [event_id] = _publish(db, partner)
        deadline = time.monotonic() + 20
        while event_id not in receiver.unique_jtis and time.monotonic() < deadline:
            time.sleep(0.05)
    assert event_id in receiver.unique_jtis
    assert not app.state.events_worker.running  # stopped with the app
