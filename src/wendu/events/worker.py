"""The delivery worker: claim due deliveries under a lease, POST signed notifications, retry.

Any number of workers (threads, processes, machines) can run against one PostgreSQL:
claims use ``SELECT … FOR UPDATE SKIP LOCKED`` and commit a lease (``locked_until``)
before the HTTP call, so a worker killed mid-call loses its claim when the lease runs out
and another worker sends the same notification (same ``jti``) again — at least once.
On SQLite the claim runs in an IMMEDIATE transaction, which makes the claimer exclusive.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.events.callbacks import CallbackRefused, check_url, notification_url
from wendu.events.models import DeliveryAttempt, EventDelivery, EventSubscription, OutboxEvent
from wendu.events.repository import DeliveryRepository, OutboxRepository
from wendu.events.service import dispatch_pending
from wendu.events.settings import EventSettings, get_event_settings
from wendu.events.signing import sign_notification
from wendu.identity.keys import KeyRing
from wendu.identity.models import Partner

log = logging.getLogger("wendu.events.worker")


@dataclass(frozen=True)
class Claim:
    """A delivery this worker holds under lease, with everything needed to send it."""

    delivery_id: str
    event_id: str
    claim_token: str
    attempt: int
    attempt_row_id: int
    callback_url: str
    token: str  # the signed notification; never logged


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt produced."""

    ok: bool
    status_code: int | None
    latency_ms: float
    error: str | None
    retry_after: float | None = None


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Return the delay before retry ``attempt + 1``: exponential, capped, with jitter.

    Half the delay is fixed and half random ("equal jitter"), so retries from many
    failed deliveries spread out instead of hammering a recovering receiver together.
    """
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay / 2 + rng.uniform(0, delay / 2)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


class Worker:
    """Dispatches the outbox and delivers push notifications; safe to run many at once."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        events: EventSettings | None = None,
        *,
        keyring: KeyRing | None = None,
        name: str | None = None,
        concurrency: int | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.events = events or get_event_settings()
        self.keyring = keyring or KeyRing()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.concurrency = max(1, concurrency or self.events.concurrency)
        self._rng = random.Random()
        self._client = httpx.Client(
            timeout=self.events.request_timeout_seconds,
            follow_redirects=False,  # a redirect could lead to an internal address
            trust_env=False,
        )

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()

    # -- claiming --------------------------------------------------------------------

    def dispatch(self) -> int:
        """Fan out one batch of outbox events; return how many were dispatched."""
        # Probe with a read first: an idle worker must not take SQLite's write lock.
        with self.db.session(write=False) as session:
            if not OutboxRepository(session).has_undispatched():
                return 0
        with self.db.session() as session:
            return dispatch_pending(session, limit=self.events.batch_size)

    def claim(self, limit: int) -> list[Claim]:
        """Claim up to ``limit`` due push deliveries and commit their leases."""
        if limit <= 0:
            return []
        now = utcnow()
        lease_until = now + timedelta(seconds=self.events.lease_seconds)
        claims: list[Claim] = []
        with self.db.session(write=False) as session:
            if not DeliveryRepository(session).has_due(now):
                return claims
        with self.db.session() as session:
            for delivery in DeliveryRepository(session).lock_due(now, limit):
                claim = self._claim_one(session, delivery, lease_until)
                if claim is not None:
                    claims.append(claim)
        return claims

    def _claim_one(
        self, session: Session, delivery: EventDelivery, lease_until: datetime
    ) -> Claim | None:
        now = utcnow()
        if delivery.locked_until is not None:
            # A lease ran out without an outcome: the worker died or stalled mid-attempt.
            DeliveryRepository(session).mark_interrupted(delivery.id)
        if delivery.attempts >= self.events.max_attempts:
            # Its last attempt was interrupted (the worker died): give up now.
            delivery.status = "dead"
            delivery.completed_at = now
            delivery.locked_until = None
            delivery.last_error = (delivery.last_error or "interrupted attempt")[:500]
            log.warning(
                "delivery %s dead-lettered after %d attempts", delivery.id, delivery.attempts
            )
            return None
        sub = (
            session.get(EventSubscription, delivery.subscription_id)
            if delivery.subscription_id
            else None
        )
        if sub is None or not sub.callback_url:
            # The callback was removed: keep the event for the partner to poll instead.
            delivery.mode = "poll"
            delivery.locked_until = None
            return None
        event = session.get(OutboxEvent, delivery.event_id)
        partner = session.get(Partner, delivery.partner_id)
        assert event is not None and partner is not None
        token = sign_notification(
            session,
            self.keyring,
            event,
            issuer=self.settings.public_url,
            audience=partner.client_id,
        )
        delivery.attempts += 1
        delivery.locked_until = lease_until
        delivery.locked_by = self.name
        delivery.claim_token = secrets.token_hex(16)
        # Logged before sending, so an attempt cut short by a crash stays visible.
        row = DeliveryAttempt(
            delivery_id=delivery.id,
            attempt=delivery.attempts,
            worker=self.name[:64],
            started_at=now,
            latency_ms=0.0,
            outcome="sending",
        )
        session.add(row)
        session.flush()
        return Claim(
            delivery_id=delivery.id,
            event_id=event.id,
            claim_token=delivery.claim_token,
            attempt=delivery.attempts,
            attempt_row_id=row.id,
            callback_url=sub.callback_url,
            token=token,
        )

    # -- sending ---------------------------------------------------------------------

    def send(self, claim: Claim) -> Outcome:
        """POST the signed notification to the partner's callback; never raise."""
        started = time.perf_counter()
        url = notification_url(claim.callback_url)
        try:
            # Resolve and check again now: the name may point elsewhere than at subscribe time.
            target = check_url(url, production=self.settings.is_production)
            extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
            headers = {
                "Host": target.host_header,
                "Content-Type": "application/jwt",
                "x-fapi-financial-id": self.events.financial_id,
                "x-fapi-interaction-id": str(uuid.uuid4()),
            }
            if target.url != url:
                # Pinned to an address: never reuse the connection for another host name.
                headers["Connection"] = "close"
            response = self._client.post(
                target.url,
                content=claim.token.encode(),
                headers=headers,
                extensions=extensions,
            )
        except CallbackRefused as exc:
            return Outcome(False, None, _ms(started), f"refused: {exc}")
        except httpx.TimeoutException:
            return Outcome(False, None, _ms(started), "timeout")
        except httpx.HTTPError as exc:
            return Outcome(False, None, _ms(started), f"{type(exc).__name__}: {exc}"[:500])
        ok = 200 <= response.status_code < 300
        return Outcome(
            ok,
            response.status_code,
            _ms(started),
            None if ok else f"HTTP {response.status_code}",
            _retry_after(response),
        )

    def record(self, claim: Claim, outcome: Outcome) -> str:
        """Store the outcome of ``claim``; return the attempt's outcome label."""
        now = utcnow()
        with self.db.session() as session:
            delivery = DeliveryRepository(session).lock_one(claim.delivery_id)
            assert delivery is not None
            owned = delivery.claim_token == claim.claim_token and delivery.status == "pending"
            if outcome.ok:
                label = "delivered"
                if delivery.status == "pending":
                    delivery.status = "delivered"
                    delivery.completed_at = now
            elif not owned:
                # Our lease ran out and another worker owns the delivery now.
                label = "lost"
            elif delivery.attempts >= self.events.max_attempts:
                label = "dead"
                delivery.status = "dead"
                delivery.completed_at = now
            else:
                label = "retry"
                delay = backoff_seconds(
                    delivery.attempts,
                    self.events.backoff_base_seconds,
                    self.events.backoff_max_seconds,
                    self._rng,
                )
                if outcome.retry_after is not None:
                    delay = min(max(delay, outcome.retry_after), self.events.backoff_max_seconds)
                delivery.next_attempt_at = now + timedelta(seconds=delay)
            if owned or outcome.ok:
                delivery.locked_until = None
                delivery.claim_token = None
                delivery.last_status_code = outcome.status_code
                delivery.last_error = outcome.error
            attempt = session.get(DeliveryAttempt, claim.attempt_row_id)
            if attempt is not None:
                attempt.status_code = outcome.status_code
                attempt.latency_ms = outcome.latency_ms
                attempt.error = outcome.error
                attempt.outcome = label
        log.info(
            "delivery %s event %s attempt %d: %s (%s, %.0f ms)",
            claim.delivery_id,
            claim.event_id,
            claim.attempt,
            label,
            outcome.status_code or outcome.error,
            outcome.latency_ms,
        )
        return label

    def deliver(self, claim: Claim) -> str:
        """Send ``claim`` and record what happened."""
        return self.record(claim, self.send(claim))

    # -- loops -----------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None, *, once: bool = False) -> int:
        """Work until ``stop`` is set (or, with ``once``, until nothing is due); return sends."""
        stop = stop or threading.Event()
        sent = 0
        inflight: set[Future[str]] = set()
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="wendu-events") as pool:
            while not stop.is_set():
                progressed = False
                free = self.concurrency - len(inflight)
                try:
                    progressed = self.dispatch() > 0
                    if free > 0:
                        for claim in self.claim(free):
                            inflight.add(pool.submit(self.deliver, claim))
                            progressed = True
                            sent += 1
                except Exception:
                    # A database hiccup must not kill the worker; leases make retrying safe.
                    log.exception("event worker cycle failed")
                    stop.wait(self.events.idle_sleep_seconds)
                    continue
                if once and not progressed and not inflight:
                    break
                if inflight and (free <= 0 or not progressed):
                    done, pending = wait(
                        inflight,
                        timeout=self.events.idle_sleep_seconds,
                        return_when=FIRST_COMPLETED,
                    )
                    inflight = set(pending)
                    for future in done:
                        if future.exception() is not None:
                            log.error("delivery failed: %r", future.exception())
                elif not progressed:
                    stop.wait(self.events.idle_sleep_seconds)
            wait(inflight)
        return sent


class BackgroundWorker:
    """A worker on a daemon thread, for the embedded default inside ``wendu serve``."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start working in the background."""
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.worker.run, args=(self._stop,), name="wendu-events-worker", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the worker to finish its in-flight deliveries and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.worker.close()

    @property
    def running(self) -> bool:
        """Return True while the worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
