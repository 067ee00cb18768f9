"""Domestic scheduled payments: consents, submission, and execution when the date arrives.

Submitting stores the payment as ``PDNG`` (v4's code for the v3 ``InitiationPending``) and
moves no money. ``execute_scheduled`` pays it once its ``RequestedExecutionDateTime`` has
come: it locks the payment row and only acts while the status is still ``PDNG`` (a
compare-and-set), and the ledger transfer carries the payment id as its unique
``external_ref``, so running the executor twice or concurrently moves the money once.
Insufficient funds at execution end the payment as ``RJCT`` (AM04) with no posting.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.identity.models import Consent
from wendu.identity.tokens import AccessContext
from wendu.kit.ids import new_id
from wendu.openbanking.pisp.models import Payment
from wendu.openbanking.pisp.schemas import (
    OBScheduledInitiation,
    ScheduledConsentRequest,
    ScheduledPaymentRequest,
)
from wendu.openbanking.pisp.service import (
    amount_minor,
    announce_execution,
    attempt_transfer,
    authorised_consent,
    check_accounts,
    description,
    find_consent,
    future_utc,
    history_entry,
    payment_accounts,
    payment_parties,
    record_submission,
    store_consent,
)

DOMESTIC_SCHEDULED = "domestic-scheduled-payment"
PENDING = "PDNG"
EXECUTION_PATH = "Data.Initiation.RequestedExecutionDateTime"


def new_consent_id() -> str:
    """Return an unguessable scheduled payment consent id such as ``psc-3f9c…``."""
    return f"psc-{secrets.token_hex(16)}"


def new_payment_id() -> str:
    """Return an id for a new scheduled payment."""
    return new_id("spay", 16)


def execution_time(initiation: OBScheduledInitiation, now: datetime) -> datetime:
    """Return the requested execution time in UTC; 400 U003 unless it is after ``now``."""
    return future_utc(initiation.RequestedExecutionDateTime, now, EXECUTION_PATH)


def create_consent(
    session: Session,
    *,
    partner_id: str,
    body: ScheduledConsentRequest,
    consent_id: str | None = None,
) -> Consent:
    """Validate a scheduled payment consent request and store it awaiting authorisation."""
    initiation = body.Data.Initiation
    now = utcnow()
    amount_minor(initiation)
    execution_time(initiation, now)
    check_accounts(session, initiation, initiation.InstructedAmount.Currency)
    consent_id = consent_id or new_consent_id()
    return store_consent(
        session,
        body,
        kind=DOMESTIC_SCHEDULED,
        partner_id=partner_id,
        consent_id=consent_id,
        now=now,
    )


def get_consent(session: Session, *, partner_id: str, consent_id: str) -> Consent:
    """Return the partner's scheduled payment consent or raise 400 U004."""
    return find_consent(
        session, kind=DOMESTIC_SCHEDULED, partner_id=partner_id, consent_id=consent_id
    )


def submit(
    session: Session,
    access: AccessContext,
    body: ScheduledPaymentRequest,
    *,
    payment_id: str | None = None,
    public_url: str = "",
) -> Payment:
    """Accept a scheduled payment against its authorised consent, to be paid when due."""
    now = utcnow()
    initiation = body.Data.Initiation
    consent = authorised_consent(session, access, body, kind=DOMESTIC_SCHEDULED, now=now)
    execute_at = execution_time(initiation, now)
    minor = amount_minor(initiation)
    currency = initiation.InstructedAmount.Currency
    currency_path = "Data.Initiation.InstructedAmount.Currency"
    parties = payment_parties(
        session, access, consent, initiation.CreditorAccount, currency, currency_path
    )
    return record_submission(
        session,
        access,
        parties,
        kind=DOMESTIC_SCHEDULED,
        payment_id=payment_id or new_payment_id(),
        minor=minor,
        currency=currency,
        initiation=initiation,
        history=[history_entry(PENDING, now)],
        created_at=now,
        status_updated_at=now,
        public_url=public_url,
        execute_at=execute_at,
    )


def due_payments(session: Session, now: datetime, limit: int = 100) -> list[str]:
    """Return the ids of scheduled payments waiting to be paid at ``now``, oldest first."""
    return list(
        session.execute(
            select(Payment.id)
            .where(
                Payment.kind == DOMESTIC_SCHEDULED,
                Payment.status == PENDING,
                Payment.execute_at <= now,
            )
            .order_by(Payment.execute_at, Payment.id)
            .limit(limit)
        ).scalars()
    )


def execute_scheduled(
    session: Session, payment_id: str, now: datetime, *, public_url: str = ""
) -> Payment | None:
    """Pay one due scheduled payment; return it, or None when it is not (or no longer) due.

    The row is locked and re-read with ``status = PDNG`` in the condition, so of two
    executors the second finds nothing to do once the first commits.
    """
    payment = session.execute(
        select(Payment)
        .where(
            Payment.id == payment_id,
            Payment.kind == DOMESTIC_SCHEDULED,
            Payment.status == PENDING,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if payment is None or payment.execute_at is None or payment.execute_at > now:
        return None
    debtor, creditor = payment_accounts(session, payment)
    initiation = OBScheduledInitiation.model_validate(payment.initiation)
    ledger_id, reason = attempt_transfer(
        session,
        debtor=debtor,
        creditor=creditor,
        minor=payment.amount_minor,
        currency=payment.currency,
        description=description(initiation),
        reference=(initiation.EndToEndIdentification or initiation.InstructionIdentification),
        external_ref=payment.id,
        now=now,
    )
    if ledger_id is None:
        payment.status, payment.status_reason = "RJCT", reason
    else:
        payment.status, payment.ledger_transaction_id = "ACSC", ledger_id
    payment.status_history = [*payment.status_history, history_entry(payment.status, now)]
    payment.status_updated_at = now
    announce_execution(
        session,
        payment,
        public_url=public_url,
        action="pisp.scheduled_payment.execute",
        detail={"payment_id": payment.id, "status": payment.status},
    )
    session.flush()
    return payment
