"""Real ``wendu worker`` processes: a SIGKILL mid-delivery, and concurrent workers on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.events import Subject, publish
from wendu.events.models import DeliveryAttempt, EventDelivery
from wendu.events.repository import DeliveryRepository
from wendu.events.service import SubscriptionInput, create_subscription, dispatch_pending
from wendu.events.worker import Worker

from .conftest import ApiPartner, Receiver, attempts_of, deliveries_of, fast_settings

LEASE_SECONDS = 2.0


def _worker_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WENDU_")}
    env.update(
        WENDU_DATABASE_URL=settings.database_url,
        WENDU_PUBLIC_URL=settings.public_url,
        WENDU_ENV="development",
        WENDU_LOG_LEVEL="WARNING",
        WENDU_EVENTS_LEASE_SECONDS=str(LEASE_SECONDS),
        WENDU_EVENTS_REQUEST_TIMEOUT_SECONDS="1.5",
        WENDU_EVENTS_IDLE_SLEEP_SECONDS="0.05",
        WENDU_EVENTS_BACKOFF_BASE_SECONDS="0.05",
    )
    return env


def _start_worker(settings: Settings, cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "wendu.cli", "worker", *args],
        env=_worker_env(settings),
        cwd=cwd,  # away from the repo's .env, so only the environment above applies
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _setup(db: Database, partner: ApiPartner, url: str, n: int) -> list[str]:
    with db.session() as session:
        create_subscription(
            session, partner.id, SubscriptionInput("4.0", url, None), production=False
        )
    with db.session() as session:
        return [
            publish(
                session,
                event_type="ticket.resolved",
                partner_id=partner.id,
                subject=Subject(f"tkt_{i}", "ticket"),
            ).id
            for i in range(n)
        ]


@pytest.mark.slow
def test_worker_killed_mid_delivery_delivers_after_restart(
    db: Database,
    settings: Settings,
    make_partner: Callable[..., ApiPartner],
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    partner = make_partner()
    [event_id] = _setup(db, partner, receiver.url, 1)
    held = threading.Event()
    receiver.hold = held  # the first request stays open until we say so

    first = _start_worker(settings, tmp_path)
    try:
        assert held.wait(60), "the worker never called the receiver"
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    receiver.release.set()  # the held request now answers into a dead socket

    [claimed] = deliveries_of(db, [event_id])
    assert claimed.status == "pending" and claimed.attempts == 1
    assert claimed.locked_until is not None
    # The killed worker's claim holds until its lease runs out; then anyone may take it.
    remaining = (claimed.locked_until - utcnow()).total_seconds()
    time.sleep(max(0.0, remaining) + 0.1)

    second = _start_worker(settings, tmp_path, "--once")
    _, stderr = second.communicate(timeout=60)
    assert second.returncode == 0, stderr.decode()[-2000:]

    [done] = deliveries_of(db, [event_id])
    assert done.status == "delivered" and done.attempts == 2
    jtis = [r.jti for r in receiver.received]
    assert jtis == [event_id, event_id]  # delivered at least once, here exactly twice
    assert receiver.unique_jtis == {event_id}  # and the receiver de-duplicates by jti
    assert receiver.bad_signatures == 0
    log = attempts_of(db, done.id)
    # The interrupted attempt stays visible in the log; the second one succeeded.
    assert [(a.attempt, a.outcome) for a in log] == [(1, "interrupted"), (2, "delivered")]
    assert log[0].worker != log[1].worker


def _postgres_only(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SKIP LOCKED claims need PostgreSQL")


def test_concurrent_claims_are_disjoint_on_postgres(
    db: Database, make_partner: Callable[..., ApiPartner]
) -> None:
    _postgres_only(db)
    partner = make_partner()
    ids = _setup(db, partner, "http://127.0.0.1:9/unused", 10)
    with db.session() as session:
        while dispatch_pending(session, limit=100):
            pass
    mine = {d.id for d in deliveries_of(db, ids)}
    now = utcnow()
    with db.session() as a, db.session() as b:
        # A holds its rows locked (uncommitted); B must skip them instead of waiting.
        got_a = {d.id for d in DeliveryRepository(a).lock_due(now, 5) if d.id in mine}
        started = time.monotonic()
        got_b = {d.id for d in DeliveryRepository(b).lock_due(now, 1000) if d.id in mine}
        assert time.monotonic() - started < 2
    assert got_a and got_b
    assert not got_a & got_b
    assert got_a | got_b == mine


@pytest.mark.slow
def test_two_workers_never_deliver_one_claim_concurrently_on_postgres(
    db: Database,
    settings: Settings,
    make_partner: Callable[..., ApiPartner],
    receiver: Receiver,
) -> None:
    _postgres_only(db)
    partner = make_partner()
    ids = _setup(db, partner, receiver.url, 40)
    receiver.delay = 0.02
    # Two workers, each with its own connection pool, as if on two machines.
    dbs = [Database(settings.database_url) for _ in range(2)]
    workers = [
        Worker(d, settings, fast_settings(concurrency=4), name=f"machine-{i}")
        for i, d in enumerate(dbs)
    ]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in workers]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            statuses = [d.status for d in deliveries_of(db, ids)]
            if len(statuses) == len(ids) and all(s == "delivered" for s in statuses):
                break
            time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        for w, d in zip(workers, dbs, strict=True):
            w.close()
            d.dispose()

    assert sorted(r.jti for r in receiver.received) == sorted(ids)  # each exactly once
    assert receiver.overlaps == 0
    with db.session(write=False) as session:
        by_worker = session.execute(
            select(DeliveryAttempt.worker)
            .join(EventDelivery, EventDelivery.id == DeliveryAttempt.delivery_id)
            .where(EventDelivery.event_id.in_(ids))
        ).scalars()
        counts: dict[str, int] = {}
        for name in by_worker:
            counts[name] = counts.get(name, 0) + 1
    assert set(counts) == {"machine-0", "machine-1"}  # both shared the load
    assert sum(counts.values()) == len(ids)


@pytest.mark.slow
def test_sigterm_stops_the_worker_after_its_in_flight_delivery(
    db: Database,
    settings: Settings,
    make_partner: Callable[..., ApiPartner],
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    partner = make_partner()
    [event_id] = _setup(db, partner, receiver.url, 1)
    held = threading.Event()
    receiver.hold = held
    proc = _start_worker(settings, tmp_path, "--concurrency", "2")
    try:
        assert held.wait(60), "the worker never called the receiver"
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert proc.poll() is None  # still finishing the delivery it holds
        receiver.release.set()
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr.decode()[-2000:]
    [done] = deliveries_of(db, [event_id])
    assert done.status == "delivered" and done.attempts == 1
