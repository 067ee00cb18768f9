"""A payment's audit record commits with the payment, not after the response.

The request log is buffered and written after the response: a process killed in between
(SIGKILL mid-burst) used to leave confirmed payments without any audit record while
``wendu audit verify`` still said the chain was intact. Here the buffer is never flushed
while requests run (as if the process died), and each consent and payment must already be
named by a committed effect record; the coverage check finds rows and requests that are not.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from payments.support import PISP, Bank, payment_body, payment_consent_body
from wendu.app import create_app
from wendu.audit import record
from wendu.audit.coverage import check_coverage
from wendu.audit.models import AuditEntry
from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.identity.models import Consent
from wendu.kit.ids import new_id

CONSENTS = f"{PISP}/domestic-payment-consents"
PAYMENTS = f"{PISP}/domestic-payments"


@pytest.fixture()
def unflushed(settings: Settings, db: Database) -> Iterator[tuple[Bank, TestClient]]:
    """An app whose buffered request log is never written while the test runs."""
    slow = settings.model_copy(update={"audit_flush_interval_seconds": 3600.0})
    app = create_app(slow, database=db)
    with TestClient(app) as client:
        yield Bank(db, client, slow, app.state.keyring), client


def _named(db: Database, table: str, ident: str) -> list[AuditEntry]:
    with db.session(write=False) as s:
        entries = s.execute(
            select(AuditEntry).where(AuditEntry.action.startswith("effect "))
        ).scalars()
        return [
            e for e in entries if ident in ((e.detail or {}).get("created") or {}).get(table, [])
        ]


def test_each_payment_is_audited_in_its_own_transaction(
    unflushed: tuple[Bank, TestClient], db: Database
) -> None:
    bank, client = unflushed
    tpp = bank.tpp()
    payer = bank.payer(100_00)
    paid: list[tuple[str, str]] = []
    for _ in range(3):
        request = payment_consent_body(amount="1.00")
        created = bank.post(CONSENTS, request, tpp.client_token, tpp)
        assert created.status_code == 201, created.text
        consent_id = created.json()["Data"]["ConsentId"]
        token = bank.authorise(tpp, payer, consent_id)
        payment = bank.post(PAYMENTS, payment_body(consent_id, request), token, tpp)
        assert payment.status_code == 201, payment.text
        paid.append((consent_id, payment.json()["Data"]["DomesticPaymentId"]))
    # The request log is still in memory: a SIGKILL now would lose it ...
    assert client.app.state.audit.pending() >= 6  # type: ignore[attr-defined]
    # ... but every consent and payment is already named by a committed record.
    for consent_id, payment_id in paid:
        [consent_entry] = _named(db, "consents", consent_id)
        assert consent_entry.action == f"effect POST {CONSENTS}"
        assert consent_entry.partner_id == tpp.partner_id
        [payment_entry] = _named(db, "payments", payment_id)
        assert payment_entry.action == f"effect POST {PAYMENTS}"
        assert payment_entry.consent_id == consent_id
        assert payment_entry.detail is not None and payment_entry.detail["seq"] == 1
    with db.engine.connect() as conn:
        coverage = check_coverage(conn)
    for consent_id, payment_id in paid:
        assert consent_id not in coverage.unaudited.get("consents", [])
        assert payment_id not in coverage.unaudited.get("payments", [])


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WENDU_DATABASE_URL": url}
    wendu = Path(sys.executable).with_name("wendu")
    return subprocess.run(
        [str(wendu), "audit", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_verify_reports_unaudited_rows_and_holes(tmp_path: Path) -> None:
    from wendu.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'gaps.db'}"
    upgrade(url)
    own = Database(url)
    with own.session() as s:
        from factories import make_customer

        customer = make_customer(s)
        partner_id = new_id("ptn")
        from wendu.identity.models import Partner

        s.add(
            Partner(
                id=partner_id,
                client_id=new_id("cli"),
                client_secret_hash="x",
                name="P",
                redirect_uris=[],
                roles=["AISP"],
            )
        )
        s.flush()
        s.add(
            Consent(
                id=new_id("aac"),
                kind="account-access",
                partner_id=partner_id,
                customer_id=customer.id,
                status="AWAU",
                permissions=[],
                account_ids=[],
            )
        )
    ok = _cli(url, "verify")
    assert ok.returncode == 0, ok.stderr
    assert "consents" in ok.stdout
    # A consent committed without its record (a writer that bypasses the ORM session).
    with own.engine.begin() as conn:
        conn.execute(
            insert(Consent.__table__).values(
                id="aac-unaudited",
                kind="account-access",
                partner_id=partner_id,
                customer_id=customer.id,
                status="AWAU",
                permissions=[],
                account_ids=[],
                created_at=utcnow(),
                status_updated_at=utcnow(),
            )
        )
    gap = _cli(url, "verify")
    assert gap.returncode == 1
    assert "aac-unaudited" in gap.stderr
    # A request whose second effect record is missing (the first cut off).
    with own.session() as s:
        record(
            s,
            actor_type="partner",
            action="effect POST /x",
            status_code=0,
            interaction_id="iid-1",
            detail={"request": "r1", "seq": 2},
        )
    with own.engine.connect() as conn:
        coverage = check_coverage(conn)
    own.dispose()
    assert coverage.unaudited == {"consents": ["aac-unaudited"]}
    assert coverage.holes == ["iid-1/r1"]
