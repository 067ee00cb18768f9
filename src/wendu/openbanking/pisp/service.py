"""Domestic payment consents and payments: the rules, and the money movement, with the
steps scheduled payments and standing orders share: on submission ``store_consent``,
``authorised_consent``, ``payment_parties`` and ``record_submission`` (the payment row, its
resource-update event, the consent consumed); on execution ``payment_accounts``,
``attempt_transfer`` and ``announce_execution`` (event and audit record).

A payment is one database transaction: the payment row, the double-entry ledger transfer
(``wendu.ledger.postings.transfer`` with the payment id as its ``external_ref``), the consent
becoming consumed and the idempotency record all commit together or not at all. Services
flush; the request's session commits once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wendu.audit import record
from wendu.db import utcnow
from wendu.errors import WenduError, bad_request, forbidden, unknown_resource
from wendu.events.service import ob_subject, publish
from wendu.events.types import RESOURCE_UPDATE
from wendu.identity.models import Consent
from wendu.identity.tokens import AccessContext
from wendu.kit.ids import new_id
from wendu.kit.money import to_minor
from wendu.ledger.models import Account
from wendu.ledger.postings import InsufficientFunds, transfer
from wendu.openbanking.pisp.models import Payment
from wendu.openbanking.pisp.schemas import (
    ACCOUNT_SCHEMES,
    ConsentRequest,
    OBAmount,
    OBCreditorAccount,
    OBInitiation,
    PaymentRequest,
    ScheduledConsentRequest,
    ScheduledPaymentRequest,
    StandingOrderConsentRequest,
    StandingOrderRequest,
    dump,
)

DOMESTIC_PAYMENT = "domestic-payment"
CONSENT_TTL = timedelta(hours=24)
# ISO 20022 ExternalStatusReason1Code for "insufficient funds".
INSUFFICIENT_FUNDS_REASON = "AM04"
INSUFFICIENT_FUNDS = "Insufficient funds"


def new_consent_id() -> str:
    """Return an unguessable domestic payment consent id such as ``pdc-3f9c…``."""
    return f"pdc-{secrets.token_hex(16)}"


def positive_minor(amount: OBAmount, path: str) -> int:
    """Return ``amount`` in minor units, refusing (at ``path``) zero and excess precision."""
    try:
        minor = to_minor(amount.Amount, amount.Currency)
    except ValueError as exc:
        raise bad_request(str(exc), path=path) from exc
    if minor <= 0:
        raise bad_request("The amount must be greater than zero", path=path)
    return minor


def amount_minor(initiation: OBInitiation) -> int:
    """Return the instructed amount in minor units, refusing zero and excess precision."""
    return positive_minor(initiation.InstructedAmount, "Data.Initiation.InstructedAmount.Amount")


def check_scheme(scheme_name: str, path: str) -> None:
    """Refuse (400) an account scheme the bank does not support; ``path`` names the account."""
    if scheme_name not in ACCOUNT_SCHEMES:
        raise bad_request("The account scheme is not supported", path=f"{path}.SchemeName")


def debtor_account(session: Session, identification: str) -> Account:
    """Return the customer account with ``identification`` or raise 400 U004."""
    account = _account_by_identification(session, identification)
    if account is None or account.kind == "internal":
        raise unknown_resource("debtor account")
    return account


def future_utc(value: datetime, now: datetime, path: str) -> datetime:
    """Return ``value`` in UTC, refusing (400 U003) one without a timezone or not after ``now``."""
    if value.tzinfo is None:
        raise bad_request("Date-times must include a timezone", code="U003", path=path)
    if value <= now:
        field = path.rsplit(".", 1)[-1]
        raise bad_request(f"{field} must be in the future", code="U003", path=path)
    return value.astimezone(UTC)


def add_consent(
    session: Session,
    *,
    kind: str,
    consent_id: str,
    partner_id: str,
    expires_at: datetime | None,
    data: dict[str, Any],
    risk: dict[str, Any] | None = None,
    now: datetime,
) -> Consent:
    """Store a consent of ``kind`` awaiting the customer's authorisation (AWAU)."""
    consent = Consent(
        id=consent_id,
        kind=kind,
        partner_id=partner_id,
        status="AWAU",
        permissions=[],
        account_ids=[],
        expires_at=expires_at,
        data=data,
        risk=risk,
        created_at=now,
        status_updated_at=now,
    )
    session.add(consent)
    session.flush()
    return consent


def find_consent(
    session: Session, *, kind: str, partner_id: str, consent_id: str, lock: bool = False
) -> Consent:
    """Return the partner's consent of ``kind`` or raise 400 U004 (never revealing others')."""
    query = select(Consent).where(
        Consent.id == consent_id, Consent.partner_id == partner_id, Consent.kind == kind
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    consent = session.execute(query).scalar_one_or_none()
    if consent is None:
        raise unknown_resource("consent")
    return consent


def _check_initiation(session: Session, initiation: OBInitiation) -> None:
    amount_minor(initiation)
    check_accounts(session, initiation, initiation.InstructedAmount.Currency)


def check_accounts(session: Session, initiation: Any, currency: str) -> None:
    """Check the schemes of an initiation's accounts and that a named debtor exists and
    holds ``currency`` (400 otherwise)."""
    for path, named in (
        ("Data.Initiation.CreditorAccount", initiation.CreditorAccount),
        ("Data.Initiation.DebtorAccount", initiation.DebtorAccount),
    ):
        if named is not None:
            check_scheme(named.SchemeName, path)
    debtor = initiation.DebtorAccount
    if debtor is not None:
        account = debtor_account(session, debtor.Identification)
        check_debtor_currency(account, currency, "Data.Initiation.InstructedAmount.Currency")


def check_debtor_currency(debtor: Account, currency: str, path: str) -> None:
    """Refuse (400 at ``path``) a debtor account not held in ``currency``."""
    if debtor.currency != currency:
        raise bad_request("The currency does not match the debtor account's currency", path=path)


def _account_by_identification(session: Session, identification: str) -> Account | None:
    return session.execute(
        select(Account).where(Account.identification == identification)
    ).scalar_one_or_none()


def store_consent(
    session: Session,
    body: ConsentRequest | ScheduledConsentRequest | StandingOrderConsentRequest,
    *,
    kind: str,
    partner_id: str,
    consent_id: str | None = None,
    now: datetime | None = None,
) -> Consent:
    """Store a validated payment consent request ``body`` of ``kind`` awaiting authorisation.

    It expires after ``CONSENT_TTL`` or at ``Data.Authorisation.CompletionDateTime``.
    """
    now = now or utcnow()
    expires_at = now + CONSENT_TTL
    authorisation = getattr(body.Data, "Authorisation", None)
    if authorisation is not None and authorisation.CompletionDateTime is not None:
        deadline = authorisation.CompletionDateTime
        path = "Data.Authorisation.CompletionDateTime"
        expires_at = min(expires_at, future_utc(deadline, now, path))
    return add_consent(
        session,
        kind=kind,
        consent_id=consent_id or new_consent_id(),
        partner_id=partner_id,
        expires_at=expires_at,
        data=dump(body.Data),
        risk=dump(body.Risk),
        now=now,
    )


def create_payment_consent(
    session: Session, *, partner_id: str, body: ConsentRequest, consent_id: str | None = None
) -> Consent:
    """Validate a domestic payment consent request and store it awaiting authorisation."""
    _check_initiation(session, body.Data.Initiation)
    return store_consent(
        session, body, kind=DOMESTIC_PAYMENT, partner_id=partner_id, consent_id=consent_id
    )


def get_payment_consent(session: Session, *, partner_id: str, consent_id: str) -> Consent:
    """Return the partner's domestic payment consent or raise 400 U004 (never revealing others)."""
    return find_consent(
        session, kind=DOMESTIC_PAYMENT, partner_id=partner_id, consent_id=consent_id
    )


def _consent_initiation(consent: Consent) -> OBInitiation:
    return OBInitiation.model_validate((consent.data or {})["Initiation"])


def funds_available(session: Session, access: AccessContext, consent_id: str) -> bool:
    """Return whether the consent's debtor account can pay its instructed amount now."""
    if access.consent_id != consent_id or access.consent_kind != DOMESTIC_PAYMENT:
        raise unknown_resource("consent")
    consent = get_payment_consent(session, partner_id=access.partner_id, consent_id=consent_id)
    if consent.status != "AUTH":
        raise bad_request("The consent is not authorised", code="U005")
    initiation = _consent_initiation(consent)
    debtor = session.get(Account, consent.account_ids[0])
    if debtor is None or debtor.currency != initiation.InstructedAmount.Currency:
        return False
    return debtor.balance_minor + debtor.overdraft_limit_minor >= amount_minor(initiation)


def clearing_account(session: Session, currency: str) -> Account:
    """Return the bank's outbound clearing account for ``currency``, creating it once."""
    account_id = f"acc_clearing_out_{currency.lower()}"
    account = session.get(Account, account_id)
    if account is not None:
        return account
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Two first payments in a new currency may race to create it; one insert wins quietly.
    session.execute(
        upsert(Account)
        .values(
            id=account_id,
            kind="internal",
            currency=currency,
            nickname=f"Outbound clearing {currency}",
            scheme_name="UK.OBIE.BBAN",
            identification=account_id,
            status="Enabled",
            opened_on=date(2020, 1, 1),
            overdraft_limit_minor=0,
            balance_minor=0,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    account = session.get(Account, account_id)
    assert account is not None
    return account


def creditor_account(
    session: Session, identification: str, currency: str, debtor: Account
) -> Account:
    """Return the account to credit: an account of this bank, else outbound clearing."""
    on_us = _account_by_identification(session, identification)
    if on_us is not None and on_us.kind != "internal":
        if on_us.id == debtor.id:
            raise bad_request(
                "The creditor account is the debtor account",
                path="Data.Initiation.CreditorAccount",
            )
        return on_us
    return clearing_account(session, currency)


def authorised_consent(
    session: Session,
    access: AccessContext,
    body: PaymentRequest | ScheduledPaymentRequest | StandingOrderRequest,
    *,
    kind: str,
    now: datetime,
) -> Consent:
    """Return the token's authorised consent of ``kind``, locked, if the request ``body``
    (its ``Data.ConsentId``, ``Data.Initiation`` and ``Risk``) matches it.

    Refuses a token bound to another kind of consent (403 U007), a body naming another
    consent or differing from it (400 U008), a consumed (U011), unauthorised (U005) or
    expired (U006) consent.
    """
    consent_id = body.Data.ConsentId
    if access.consent_kind != kind or access.consent_id is None:
        raise forbidden(f"The token is not bound to a {kind} consent", code="U007")
    if consent_id != access.consent_id:
        raise bad_request(
            "Data.ConsentId is not the consent this token was issued for",
            code="U008",
            path="Data.ConsentId",
        )
    consent = find_consent(
        session, kind=kind, partner_id=access.partner_id, consent_id=consent_id, lock=True
    )
    if consent.status == "CONS":
        raise bad_request("The consent has already been used for a payment", code="U011")
    if consent.status != "AUTH":
        raise bad_request("The consent is not authorised", code="U005")
    if consent.expires_at is not None and consent.expires_at <= now:
        raise bad_request("The consent has expired", code="U006")
    if dump(body.Data.Initiation) != (consent.data or {}).get("Initiation"):
        raise bad_request(
            "The Initiation does not match the consent's", code="U008", path="Data.Initiation"
        )
    if dump(body.Risk) != (consent.risk or {}):
        raise bad_request("The Risk does not match the consent's", code="U008", path="Risk")
    return consent


def consent_debtor(session: Session, consent: Consent, access: AccessContext) -> Account:
    """Return the debtor account the customer authorised the consent for (400 U004 if gone)."""
    debtor = session.get(Account, consent.account_ids[0]) if consent.account_ids else None
    if debtor is None or debtor.customer_id != access.customer_id:
        raise unknown_resource("debtor account")
    return debtor


@dataclass(frozen=True)
class Parties:
    """The authorised consent of a submission and the accounts its payments move money between."""

    consent: Consent
    debtor: Account
    creditor: Account


def payment_parties(
    session: Session,
    access: AccessContext,
    consent: Consent,
    creditor_wire: OBCreditorAccount,
    currency: str,
    currency_path: str | None = None,
) -> Parties:
    """Return the consent with its debtor (400 U004 if gone) and the account to credit for
    ``creditor_wire`` (the initiation's ``CreditorAccount``).

    With ``currency_path``, a debtor account not held in ``currency`` is refused (400 there).
    """
    debtor = consent_debtor(session, consent, access)
    if currency_path is not None:
        check_debtor_currency(debtor, currency, currency_path)
    creditor = creditor_account(session, creditor_wire.Identification, currency, debtor)
    return Parties(consent=consent, debtor=debtor, creditor=creditor)


def history_entry(status: str, at: datetime) -> dict[str, str]:
    """Return one ``status_history`` item: the status and when the payment reached it."""
    return {"Status": status, "At": at.isoformat()}


def record_submission(
    session: Session,
    access: AccessContext,
    parties: Parties,
    *,
    kind: str,
    payment_id: str,
    minor: int,
    currency: str,
    initiation: BaseModel,
    history: list[dict[str, str]],
    created_at: datetime,
    status_updated_at: datetime,
    public_url: str,
    status_reason: str | None = None,
    ledger_transaction_id: int | None = None,
    execute_at: datetime | None = None,
    standing_order_id: str | None = None,
) -> Payment:
    """Write the submitted payment of ``kind`` (its status is the last of ``history``), put
    the partner's resource-update event in the outbox and consume the consent."""
    payment = Payment(
        id=payment_id,
        kind=kind,
        partner_id=access.partner_id,
        consent_id=parties.consent.id,
        customer_id=parties.debtor.customer_id,
        debtor_account_id=parties.debtor.id,
        creditor_account_id=parties.creditor.id,
        amount_minor=minor,
        currency=currency,
        status=history[-1]["Status"],
        status_reason=status_reason,
        status_history=history,
        initiation=dump(initiation),
        ledger_transaction_id=ledger_transaction_id,
        execute_at=execute_at,
        standing_order_id=standing_order_id,
        created_at=created_at,
        status_updated_at=status_updated_at,
    )
    session.add(payment)
    publish_update(
        session,
        partner_id=access.partner_id,
        public_url=public_url,
        resource=kind,
        resource_id=payment_id,
    )
    consume(session, parties.consent)
    return payment


def consume(session: Session, consent: Consent) -> None:
    """Mark the consent used up by the resource just created (CONS)."""
    consent.status = "CONS"
    consent.status_updated_at = utcnow()
    session.flush()


def move_money(
    session: Session,
    *,
    debtor: Account,
    creditor: Account,
    minor: int,
    currency: str,
    description: str,
    reference: str | None,
    external_ref: str,
    booked_at: datetime | None = None,
) -> int | None:
    """Book the transfer once (``external_ref`` is unique in the ledger); return its ledger
    transaction id, or None when the debtor lacks the funds (nothing is then written)."""
    try:
        txn = transfer(
            session,
            debit_account_id=debtor.id,
            credit_account_id=creditor.id,
            amount_minor=minor,
            currency=currency,
            description=description,
            reference=reference,
            external_ref=external_ref,
            kind="payment",
            booked_at=booked_at,
        )
    except InsufficientFunds:
        return None
    return txn.id


def publish_update(
    session: Session, *, partner_id: str, public_url: str, resource: str, resource_id: str
) -> None:
    """Put the partner's ``resource-update`` event for ``pisp/{resource}s/{id}`` in the outbox."""
    publish(
        session,
        event_type=RESOURCE_UPDATE,
        partner_id=partner_id,
        subject=ob_subject(public_url, f"pisp/{resource}s", resource_id, resource),
        txn=resource_id,
    )


def submit_payment(
    session: Session,
    access: AccessContext,
    body: PaymentRequest,
    *,
    payment_id: str | None = None,
    public_url: str = "",
) -> Payment:
    """Check a payment against its authorised consent and move the money, all or nothing.

    The partner's resource-update event goes into the outbox in the same transaction.
    """
    now = utcnow()
    consent = authorised_consent(session, access, body, kind=DOMESTIC_PAYMENT, now=now)
    initiation = body.Data.Initiation
    minor = amount_minor(initiation)
    currency = initiation.InstructedAmount.Currency
    parties = payment_parties(session, access, consent, initiation.CreditorAccount, currency)

    # The transfer runs first (it takes the account locks), so the payment row is written
    # once with its outcome; the whole request is still one database transaction.
    payment_id = payment_id or new_id("pay", 16)
    history = [history_entry("ACSP", now)]
    ledger_transaction_id = move_money(
        session,
        debtor=parties.debtor,
        creditor=parties.creditor,
        minor=minor,
        currency=currency,
        description=description(initiation),
        reference=initiation.EndToEndIdentification[:35],
        external_ref=payment_id,
    )
    reason: str | None = None
    if ledger_transaction_id is None:
        # A rejected payment is still the outcome of this consent: record it, move nothing.
        status, reason = "RJCT", INSUFFICIENT_FUNDS
    else:
        # Both legs are booked in this bank's ledger, so settlement completes at once.
        status = "ACSC"
    settled = utcnow()
    history.append(history_entry(status, settled))
    return record_submission(
        session,
        access,
        parties,
        kind=DOMESTIC_PAYMENT,
        payment_id=payment_id,
        minor=minor,
        currency=currency,
        initiation=initiation,
        history=history,
        created_at=now,
        status_updated_at=settled,
        public_url=public_url,
        status_reason=reason,
        ledger_transaction_id=ledger_transaction_id,
    )


def payment_accounts(session: Session, payment: Payment) -> tuple[Account | None, Account | None]:
    """Return the payment's debtor and creditor accounts as they are now (None when gone)."""
    debtor = session.get(Account, payment.debtor_account_id)
    creditor = (
        session.get(Account, payment.creditor_account_id) if payment.creditor_account_id else None
    )
    return debtor, creditor


def attempt_transfer(
    session: Session,
    *,
    debtor: Account | None,
    creditor: Account | None,
    minor: int,
    currency: str,
    description: str,
    reference: str,
    external_ref: str,
    now: datetime,
) -> tuple[int | None, str | None]:
    """Move the money of an order that falls due; return (ledger transaction id, None) or
    (None, why it failed). A failure writes nothing, so the caller records it and commits."""
    if debtor is None or creditor is None:
        return None, "The account no longer exists"
    try:
        ledger_id = move_money(
            session,
            debtor=debtor,
            creditor=creditor,
            minor=minor,
            currency=currency,
            description=description,
            reference=reference[:35],
            external_ref=external_ref,
            booked_at=now,
        )
    except WenduError as exc:  # e.g. the debtor account was closed meanwhile
        return None, (exc.items[0].message if exc.items else "Refused")[:140]
    return (ledger_id, None) if ledger_id is not None else (None, INSUFFICIENT_FUNDS)


def announce_execution(
    session: Session, payment: Payment, *, public_url: str, action: str, detail: dict[str, Any]
) -> None:
    """Put the partner's resource-update event for an executed payment in the outbox and
    write the system's audit record ``action`` with ``detail``."""
    publish_update(
        session,
        partner_id=payment.partner_id,
        public_url=public_url,
        resource=payment.kind,
        resource_id=payment.id,
    )
    record(
        session,
        actor_type="system",
        action=action,
        partner_id=payment.partner_id,
        customer_id=payment.customer_id,
        consent_id=payment.consent_id,
        detail=detail,
    )


def description(initiation: Any) -> str:
    """Return the ledger description of an initiation: its remittance lines or the payee."""
    remittance = initiation.RemittanceInformation
    lines = remittance.Unstructured if remittance and remittance.Unstructured else []
    text = " ".join(lines) or f"Payment to {initiation.CreditorAccount.Name}"
    return text[:500]


def get_payment(
    session: Session, *, partner_id: str, payment_id: str, kind: str = DOMESTIC_PAYMENT
) -> Payment:
    """Return the partner's payment of ``kind`` or raise 400 U004."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.partner_id != partner_id or payment.kind != kind:
        raise unknown_resource("payment")
    return payment


def consent_status(consent: Consent) -> tuple[str, list[dict[str, Any]]]:
    """Map the stored status onto the v4 enum (AWAU, RJCT, AUTH, COND) plus a reason."""
    now = utcnow()
    if consent.status == "AWAU" and consent.expires_at is not None and consent.expires_at <= now:
        return "RJCT", [_reason("EXPD", "The consent expired before it was authorised")]
    if consent.status == "CONS":
        return "AUTH", [_reason("CONS", "The consent has been used for a payment")]
    if consent.status in ("AWAU", "AUTH", "RJCT", "COND"):
        reasons = [_reason("RJCT", consent.status_reason)] if consent.status_reason else []
        return consent.status, reasons
    return "RJCT", [_reason(consent.status, consent.status_reason or "The consent ended")]


def _reason(code: str, description: str | None) -> dict[str, Any]:
    reason: dict[str, Any] = {"StatusReasonCode": code[:4]}
    if description:
        reason["StatusReasonDescription"] = description[:500]
    return reason
