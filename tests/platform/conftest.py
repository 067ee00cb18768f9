"""Fixtures for the platform plumbing: apps with a probe route behind the real dependencies.

The probe routes live under ``/open-banking/`` and use the real ``CustomerAccess`` and
``SessionDep`` dependencies, so audit, limits and media-type rules are exercised exactly as
the AIS routes are, without depending on another domain's handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from wendu.app import create_app
from wendu.audit import record
from wendu.audit.models import AuditEntry
from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.deps import SessionDep
from wendu.errors import conflict
from wendu.identity.deps import CustomerAccess
from wendu.identity.models import Consent, Partner
from wendu.identity.tokens import issue_access_token
from wendu.kit.ids import new_id

PROBE = "/open-banking/v4.0/platform-probe"

probe_router = APIRouter(prefix=PROBE)


@probe_router.get("/accounts/{account_id}")
def probe_account(account_id: str, access: CustomerAccess, session: SessionDep) -> dict[str, Any]:
    """Answer with what the verified token grants (a consent-checked read)."""
    return {"Data": {"AccountId": account_id, "ConsentId": access.consent_id}}


@probe_router.post("/echo")
def probe_echo(body: dict[str, Any], access: CustomerAccess) -> dict[str, Any]:
    """Echo a JSON body back to the caller."""
    return {"Data": body}


@probe_router.post("/staff-actions")
def probe_staff_action(body: dict[str, Any], access: CustomerAccess, session: SessionDep) -> Any:
    """Audit a staff-style action in the request's transaction; fail after it if asked."""
    record(session, actor_type="staff", actor_id=str(body["actor"]), action="probe.action")
    if body.get("fail"):
        raise conflict("asked to fail after writing")
    return {"Data": {"Recorded": True}}


@dataclass
class Grant:
    """A partner with an authorised consent and a customer access token bound to it."""

    partner_id: str
    client_id: str
    consent_id: str
    customer_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Return the Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}


def build_grant(app: FastAPI, *, rate_limit_per_minute: int | None = None) -> Grant:
    """Create a customer, a partner, an authorised consent and a customer token."""
    from factories import make_account, make_customer

    db: Database = app.state.db
    settings: Settings = app.state.settings
    with db.session() as s:
        customer = make_customer(s)
        account = make_account(s, customer)
        partner = Partner(
            id=new_id("ptn"),
            client_id=new_id("cli"),
            client_secret_hash="unused",
            name="Platform TPP",
            redirect_uris=["https://tpp.example/cb"],
            roles=["AISP"],
            rate_limit_per_minute=rate_limit_per_minute,
        )
        s.add(partner)
        s.flush()
        consent = Consent(
            id=new_id("aac"),
            kind="account-access",
            partner_id=partner.id,
            customer_id=customer.id,
            status="AUTH",
            permissions=["ReadAccountsBasic"],
            account_ids=[account.id],
            expires_at=utcnow() + timedelta(days=1),
        )
        s.add(consent)
        s.flush()
        issued = issue_access_token(
            s,
            app.state.keyring,
            settings,
            partner=partner,
            scope="openid accounts",
            grant_type="authorization_code",
            customer_id=customer.id,
            consent_id=consent.id,
        )
        return Grant(partner.id, partner.client_id, consent.id, customer.id, issued.access_token)


def build_app(settings: Settings, db: Database) -> FastAPI:
    """Return the real app with the probe routes added."""
    app = create_app(settings, database=db)
    app.include_router(probe_router)
    return app


@pytest.fixture()
def make_client(settings: Settings, db: Database) -> Iterator[Callable[..., TestClient]]:
    """Return a factory of started apps (lifespan run) with overridden settings."""
    clients: list[TestClient] = []

    def build(**overrides: Any) -> TestClient:
        app = build_app(settings.model_copy(update=overrides), db)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture()
def probe_client(make_client: Callable[..., TestClient]) -> TestClient:
    """Return a started app with the probe routes and the session's generous limits."""
    return make_client()


def query_audit(db: Database, **where: Any) -> list[AuditEntry]:
    """Return the audit entries matching column equality filters, in chain order."""
    with db.session(write=False) as s:
        query = select(AuditEntry).order_by(AuditEntry.id)
        for column, value in where.items():
            query = query.where(getattr(AuditEntry, column) == value)
        return list(s.execute(query).scalars())


@pytest.fixture(name="make_grant")
def make_grant_fixture() -> Callable[..., Grant]:
    """Return ``build_grant``: a partner, consent and customer token on an app."""
    return build_grant


@pytest.fixture(name="audit_rows")
def audit_rows_fixture() -> Callable[..., list[AuditEntry]]:
    """Return ``query_audit``: audit entries by column equality, in chain order."""
    return query_audit
