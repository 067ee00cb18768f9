"""Fixtures for events: partners with client-credentials tokens, a real local webhook receiver."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from jsonschema import Draft7Validator
from sqlalchemy import select

from wendu.config import Settings
from wendu.db import Database
from wendu.events.models import DeliveryAttempt, EventDelivery
from wendu.events.settings import EventSettings
from wendu.events.worker import Worker
from wendu.identity.models import Partner
from wendu.identity.tokens import issue_access_token
from wendu.kit.ids import new_id

SPEC_DIR = ("specs", "uk-openbanking-4.0")


@dataclass
class ApiPartner:
    """A partner row and a client-credentials access token for it."""

    id: str
    client_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Return the Authorization header of this partner's token."""
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture()
def make_partner(app: FastAPI, db: Database, settings: Settings) -> Callable[..., ApiPartner]:
    """Return a builder of committed partners with a client-credentials token."""

    def build(scope: str = "accounts payments") -> ApiPartner:
        with db.session() as session:
            partner = Partner(
                id=new_id("ptn"),
                client_id=f"client-{secrets.token_hex(6)}",
                client_secret_hash="not-used-in-these-tests",
                name="Events Test TPP",
                redirect_uris=["https://tpp.example/cb"],
                roles=["AISP", "PISP"],
                status="active",
            )
            session.add(partner)
            session.flush()
            issued = issue_access_token(
                session,
                app.state.keyring,
                settings,
                partner=partner,
                scope=scope,
                grant_type="client_credentials",
            )
            return ApiPartner(partner.id, partner.client_id, issued.access_token)

    return build


@dataclass
class Received:
    """One notification the receiver accepted off the wire."""

    jti: str
    claims: dict[str, Any]
    header: dict[str, Any]
    content_type: str
    path: str
    financial_id: str | None


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that verifies notifications and records their ``jti``.

    ``statuses`` is consumed one per request (then ``default_status``); ``hold`` makes the
    next request wait until ``release`` is set; ``delay`` slows every request down.
    """

    jwks: dict[str, Any]
    audience: str | None = None
    statuses: list[int] = field(default_factory=list)
    default_status: int = 202
    delay: float = 0.0
    hold: threading.Event | None = None
    release: threading.Event = field(default_factory=threading.Event)
    received: list[Received] = field(default_factory=list)
    bad_signatures: int = 0
    overlaps: int = 0
    inflight: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def verify(self, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Verify ``token`` against the bank's published keys; return (header, claims)."""
        header = jwt.get_unverified_header(token)
        jwk = next(k for k in self.jwks["keys"] if k["kid"] == header["kid"])
        key = jwt.PyJWK(jwk).key
        claims = jwt.decode(
            token,
            key,
            algorithms=["ES256"],
            audience=self.audience,
            options={"verify_aud": self.audience is not None},
        )
        return header, claims

    @property
    def unique_jtis(self) -> set[str]:
        """Return the de-duplicated event ids received, as a receiver would keep them."""
        with self.lock:
            return {r.jti for r in self.received}

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        """Wait until ``count`` requests have arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return
            time.sleep(0.02)
        raise AssertionError(f"receiver got {len(self.received)} requests, expected {count}")


@pytest.fixture()
def receiver(db: Database) -> Iterator[Receiver]:
    """Serve a verifying webhook receiver on a random local port for one test."""
    from wendu.identity.keys import KeyRing

    with db.session() as session:
        jwks = KeyRing().jwks(session)
    state = Receiver(jwks=jwks)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
            try:
                header, claims = state.verify(body)
            except Exception:
                with state.lock:
                    state.bad_signatures += 1
                self._answer(400)
                return
            jti = str(claims["jti"])
            with state.lock:
                if jti in state.inflight:
                    state.overlaps += 1
                state.inflight.add(jti)
                state.received.append(
                    Received(
                        jti,
                        claims,
                        header,
                        self.headers.get("content-type", ""),
                        self.path,
                        self.headers.get("x-fapi-financial-id"),
                    )
                )
                status = state.statuses.pop(0) if state.statuses else state.default_status
                hold = state.hold
                state.hold = None
            try:
                if hold is not None:
                    hold.set()  # tell the test the request is being held
                    state.release.wait(60)
                if state.delay:
                    time.sleep(state.delay)
            finally:
                with state.lock:
                    state.inflight.discard(jti)
            self._answer(status)

        def _answer(self, status: int) -> None:
            try:
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()
            except OSError:
                pass  # the worker that sent this was killed

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/tpp/callbacks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


def fast_settings(**overrides: Any) -> EventSettings:
    """Return event settings with test-sized backoffs and leases."""
    values: dict[str, Any] = {
        "max_attempts": 3,
        "backoff_base_seconds": 0.05,
        "backoff_max_seconds": 0.2,
        "lease_seconds": 5.0,
        "request_timeout_seconds": 3.0,
        "idle_sleep_seconds": 0.05,
        "concurrency": 2,
    }
    values.update(overrides)
    return EventSettings(**values)


@pytest.fixture()
def make_worker(db: Database, settings: Settings) -> Iterator[Callable[..., Worker]]:
    """Return a builder of in-process workers, closed after the test."""
    workers: list[Worker] = []

    def build(
        events: EventSettings | None = None, app_settings: Settings | None = None, **kw: Any
    ) -> Worker:
        worker = Worker(db, app_settings or settings, events or fast_settings(), **kw)
        workers.append(worker)
        return worker

    yield build
    for worker in workers:
        worker.close()


def drain(worker: Worker, db: Database, delivery_ids: list[str], timeout: float = 20.0) -> None:
    """Run ``worker`` until every delivery in ``delivery_ids`` reaches a final status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.run(once=True)
        with db.session(write=False) as session:
            rows = session.execute(
                select(EventDelivery.status).where(EventDelivery.id.in_(delivery_ids))
            ).scalars()
            if all(status != "pending" for status in rows):
                return
        time.sleep(0.03)
    raise AssertionError("deliveries did not finish in time")


def deliveries_of(db: Database, event_ids: list[str]) -> list[EventDelivery]:
    """Return the deliveries of ``event_ids``."""
    with db.session(write=False) as session:
        return list(
            session.execute(
                select(EventDelivery).where(EventDelivery.event_id.in_(event_ids))
            ).scalars()
        )


def attempts_of(db: Database, delivery_id: str) -> list[DeliveryAttempt]:
    """Return the attempt log of a delivery, oldest first."""
    with db.session(write=False) as session:
        return list(
            session.execute(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.delivery_id == delivery_id)
                .order_by(DeliveryAttempt.id)
            ).scalars()
        )


@dataclass
class Spec:
    """JSON-schema validators for components of the OB event spec files."""

    events: dict[str, Any]
    notifications: dict[str, Any]

    def validate(self, component: str, instance: Any, *, notification: bool = False) -> None:
        """Validate ``instance`` against ``#/components/schemas/<component>``."""
        doc = self.notifications if notification else self.events
        schema = {"$ref": f"#/components/schemas/{component}", "components": doc["components"]}
        Draft7Validator(schema).validate(instance)


@pytest.fixture(scope="session")
def spec(shared_dir: Path) -> Spec:
    """Load the event spec files from ../shared at run time (skip when absent)."""
    base = shared_dir.joinpath(*SPEC_DIR)
    return Spec(
        events=json.loads((base / "events-openapi.json").read_text()),
        notifications=json.loads((base / "event-notifications-openapi.json").read_text()),
    )
