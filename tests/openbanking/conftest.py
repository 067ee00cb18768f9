"""Builders for Open Banking tests: partners, authorised consents and their tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import Database
from wendu.identity.authorisation import authorise_consent
from wendu.identity.keys import KeyRing
from wendu.identity.models import Consent, Partner
from wendu.identity.tokens import issue_access_token
from wendu.kit.ids import new_id
from wendu.openbanking.consents import create_account_access_consent
from wendu.openbanking.permissions import PERMISSIONS

AISP = "/open-banking/v4.0/aisp"
ALL_PERMISSIONS: tuple[str, ...] = PERMISSIONS


@dataclass
class Grant:
    """An authorised consent and a customer token bound to it."""

    partner: Partner
    consent_id: str
    customer_id: str
    account_ids: list[str]
    token: str
    headers: dict[str, str] = field(default_factory=dict)


def make_partner(session: Session, name: str = "Test TPP") -> Partner:
    """Create an active partner (TPP) with the AISP role."""
    partner = Partner(
        id=new_id("ptn"),
        client_id=new_id("cli"),
        client_secret_hash="not-used-in-these-tests",
        name=name,
        redirect_uris=["https://tpp.example/cb"],
        roles=["AISP", "PISP", "CBPII"],
    )
    session.add(partner)
    session.flush()
    return partner


@pytest.fixture(scope="session")
def new_partner(db: Database) -> Callable[..., Partner]:
    """Return a function that creates and commits a partner."""

    def create(name: str = "Test TPP") -> Partner:
        with db.session() as s:
            return make_partner(s, name)

    return create


def bearer(token: str) -> dict[str, str]:
    """Return the Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def keyring(app: FastAPI) -> KeyRing:
    """Return the app's key ring so tokens issued here verify in the app."""
    ring: KeyRing = app.state.keyring
    return ring


@pytest.fixture(scope="session")
def client_token(db: Database, settings: Settings, keyring: KeyRing) -> Callable[[Partner], str]:
    """Return a function that issues a client-credentials token for a partner."""

    def issue(partner: Partner) -> str:
        with db.session() as s:
            row = s.get(Partner, partner.id)
            assert row is not None
            return issue_access_token(
                s,
                keyring,
                settings,
                partner=row,
                scope="accounts payments",
                grant_type="client_credentials",
            ).access_token

    return issue


@pytest.fixture(scope="session")
def grant(db: Database, settings: Settings, keyring: KeyRing) -> Callable[..., Grant]:
    """Return a function that authorises a consent for a customer and issues its token."""

    def authorise(
        partner: Partner,
        customer_id: str,
        account_ids: Iterable[str],
        permissions: Iterable[str] = ALL_PERMISSIONS,
        *,
        transaction_from: datetime | None = None,
        transaction_to: datetime | None = None,
        expiration: datetime | None = None,
    ) -> Grant:
        with db.session() as s:
            consent = create_account_access_consent(
                s,
                partner_id=partner.id,
                permissions=permissions,
                transaction_from=transaction_from,
                transaction_to=transaction_to,
                expiration=expiration,
            )
            # The same rules the customer's consent page applies.
            authorise_consent(s, consent, customer_id, list(account_ids))
            row = s.get(Partner, partner.id)
            assert row is not None
            token = issue_access_token(
                s,
                keyring,
                settings,
                partner=row,
                scope="accounts",
                grant_type="authorization_code",
                customer_id=customer_id,
                consent_id=consent.id,
            ).access_token
            consent_id = consent.id
        return Grant(partner, consent_id, customer_id, list(account_ids), token, bearer(token))

    return authorise


@pytest.fixture(scope="session")
def consent_row(db: Database) -> Callable[[str], Consent]:
    """Return a function that reads a fresh copy of a consent row."""

    def read(consent_id: str) -> Consent:
        with db.session(write=False) as s:
            row = s.get(Consent, consent_id)
            assert row is not None
            return row

    return read
