"""Domestic standing orders: consents, submission (a standing order in the ledger), and
paying the instalments as they fall due.

Submitting creates a ``wendu.ledger.models.StandingOrder`` on the debtor account (so AIS
lists it) and the payment resource with status ``INCO`` (the order is set up). The executor
(``execute_standing_order``) locks the ledger standing order, then pays every instalment due
by ``now`` in order; each instalment is a row with a unique (payment, sequence) pair and a
ledger transfer with a unique ``external_ref``, so an instalment is paid once whatever runs
twice or at the same time. An instalment the debtor cannot fund is recorded ``RJCT`` (AM04)
with no posting and the order goes on.

The dates come from ``schedule`` on the bank's working days (``bank_working_days``: the
public holidays and make-up working days of ``settings.country`` in ``settings.timezone``),
which every entry point receives from its caller.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import utcnow
from wendu.errors import bad_request, missing_field
from wendu.identity.models import Consent
from wendu.identity.tokens import AccessContext
from wendu.kit.holidays import WorkingDays, working_days
from wendu.kit.ids import new_id
from wendu.ledger.models import StandingOrder
from wendu.openbanking.pisp.models import Instalment, Payment
from wendu.openbanking.pisp.schedule import Plan, check_frequency, check_frequency_options
from wendu.openbanking.pisp.schemas import (
    OBStandingOrderInitiation,
    StandingOrderConsentRequest,
    StandingOrderRequest,
)
from wendu.openbanking.pisp.service import (
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
    positive_minor,
    record_submission,
    store_consent,
)

DOMESTIC_STANDING_ORDER = "domestic-standing-order"
SET_UP = "INCO"
MANDATE = "Data.Initiation.MandateRelatedInformation"
# At most this many instalments of one order are paid in one executor transaction.
MAX_PER_RUN = 100
MAX_IDENTIFICATION = 34


def bank_working_days(settings: Settings) -> WorkingDays:
    """Return the bank's working days: ``settings.country``'s calendar in its time zone."""
    return working_days(settings.country, settings.timezone)


def new_consent_id() -> str:
    """Return an unguessable standing order consent id such as ``pso-3f9c…``."""
    return f"pso-{secrets.token_hex(16)}"


def new_order_id() -> str:
    """Return an id for a new standing order payment resource."""
    return new_id("dso", 16)


def _utc(value: datetime | None, path: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise bad_request("Date-times must include a timezone", code="U003", path=path)
    return value.astimezone(UTC)


def plan_of(
    initiation: OBStandingOrderInitiation,
    now: datetime | None = None,
    *,
    working_days: WorkingDays,
) -> Plan:
    """Validate the order's amounts, dates and frequency and return its instalment plan
    on ``working_days``.

    With ``now``, the first payment must be after it (400 U003). Unsupported frequencies,
    mixed currencies and contradictory end conditions are 400 U002.
    """
    mandate = initiation.MandateRelatedInformation
    frequency = mandate.Frequency.Type
    check_frequency(frequency)
    currency = initiation.FirstPaymentAmount.Currency
    first_minor = positive_minor(
        initiation.FirstPaymentAmount, "Data.Initiation.FirstPaymentAmount.Amount"
    )
    recurring_minor, final_minor = first_minor, None
    for name in ("RecurringPaymentAmount", "FinalPaymentAmount"):
        value = getattr(initiation, name)
        if value is None:
            continue
        if value.Currency != currency:
            raise bad_request(
                "Every payment of a standing order must be in one currency",
                path=f"Data.Initiation.{name}.Currency",
            )
        minor = positive_minor(value, f"Data.Initiation.{name}.Amount")
        if name == "RecurringPaymentAmount":
            recurring_minor = minor
        else:
            final_minor = minor
    if mandate.FirstPaymentDateTime is None:
        raise missing_field(f"{MANDATE}.FirstPaymentDateTime")
    first_path = f"{MANDATE}.FirstPaymentDateTime"
    first_at = _utc(mandate.FirstPaymentDateTime, first_path)
    assert first_at is not None
    if now is not None:
        first_at = future_utc(first_at, now, first_path)
    recurring_at = _utc(mandate.RecurringPaymentDateTime, f"{MANDATE}.RecurringPaymentDateTime")
    final_at = _utc(mandate.FinalPaymentDateTime, f"{MANDATE}.FinalPaymentDateTime")
    for name, value in (
        ("RecurringPaymentDateTime", recurring_at),
        ("FinalPaymentDateTime", final_at),
    ):
        if value is not None and value <= first_at:
            raise bad_request(
                f"{name} must be after FirstPaymentDateTime", code="U003", path=f"{MANDATE}.{name}"
            )
    count: int | None = None
    if initiation.NumberOfPayments is not None:
        if final_at is not None:
            raise bad_request(
                "Give NumberOfPayments or FinalPaymentDateTime, not both",
                path="Data.Initiation.NumberOfPayments",
            )
        if not initiation.NumberOfPayments.isdigit() or int(initiation.NumberOfPayments) < 1:
            raise bad_request(
                "NumberOfPayments must be a whole number of at least 1",
                path="Data.Initiation.NumberOfPayments",
            )
        count = int(initiation.NumberOfPayments)
    if final_minor is not None and count is None and final_at is None:
        raise bad_request(
            "A FinalPaymentAmount needs NumberOfPayments or FinalPaymentDateTime",
            path="Data.Initiation.FinalPaymentAmount",
        )
    return Plan(
        frequency=frequency,
        first_at=first_at,
        first_minor=first_minor,
        recurring_minor=recurring_minor,
        recurring_at=recurring_at,
        final_at=final_at,
        final_minor=final_minor,
        count=count,
        working_days=working_days,
    )


def _check(
    session: Session,
    initiation: OBStandingOrderInitiation,
    now: datetime,
    working_days: WorkingDays,
) -> Plan:
    plan = plan_of(initiation, now, working_days=working_days)
    # Checked on new requests only, so an order stored before is still executed.
    frequency = initiation.MandateRelatedInformation.Frequency
    check_frequency_options(frequency.CountPerPeriod, frequency.PointInTime)
    check_accounts(session, initiation, initiation.FirstPaymentAmount.Currency)
    if len(initiation.CreditorAccount.Identification) > MAX_IDENTIFICATION:
        raise bad_request(
            f"A standing order's creditor identification has at most {MAX_IDENTIFICATION} "
            "characters",
            path="Data.Initiation.CreditorAccount.Identification",
        )
    return plan


def create_consent(
    session: Session,
    *,
    partner_id: str,
    body: StandingOrderConsentRequest,
    working_days: WorkingDays,
    consent_id: str | None = None,
) -> Consent:
    """Validate a standing order consent request and store it awaiting authorisation."""
    now = utcnow()
    _check(session, body.Data.Initiation, now, working_days)
    consent_id = consent_id or new_consent_id()
    return store_consent(
        session,
        body,
        kind=DOMESTIC_STANDING_ORDER,
        partner_id=partner_id,
        consent_id=consent_id,
        now=now,
    )


def get_consent(session: Session, *, partner_id: str, consent_id: str) -> Consent:
    """Return the partner's standing order consent or raise 400 U004."""
    return find_consent(
        session, kind=DOMESTIC_STANDING_ORDER, partner_id=partner_id, consent_id=consent_id
    )


def _last_due(plan: Plan) -> datetime | None:
    if plan.final_at is not None:
        return plan.final_at
    if plan.count is not None:
        last = plan.instalment(plan.count - 1)
        return last[0] if last else None
    return None


def submit(
    session: Session,
    access: AccessContext,
    body: StandingOrderRequest,
    *,
    working_days: WorkingDays,
    payment_id: str | None = None,
    public_url: str = "",
) -> Payment:
    """Set up the consented standing order in the ledger on the customer's account."""
    now = utcnow()
    initiation = body.Data.Initiation
    consent = authorised_consent(session, access, body, kind=DOMESTIC_STANDING_ORDER, now=now)
    plan = _check(session, initiation, now, working_days)
    currency = initiation.FirstPaymentAmount.Currency
    creditor_wire = initiation.CreditorAccount
    currency_path = "Data.Initiation.FirstPaymentAmount.Currency"
    parties = payment_parties(session, access, consent, creditor_wire, currency, currency_path)
    payment_id = payment_id or new_order_id()
    remittance = initiation.RemittanceInformation
    lines = remittance.Unstructured if remittance and remittance.Unstructured else []
    order = StandingOrder(
        id=new_id("so", 12),
        account_id=parties.debtor.id,
        frequency=plan.frequency,
        reference=lines[0][:35] if lines else None,
        first_payment_at=plan.first_at,
        next_payment_at=plan.first_at,
        final_payment_at=_last_due(plan),
        amount_minor=plan.recurring_minor,
        currency=currency,
        creditor_name=creditor_wire.Name[:140],
        creditor_scheme=creditor_wire.SchemeName,
        creditor_identification=creditor_wire.Identification,
        status="Active",
        details={
            "payment_id": payment_id,
            "first_amount_minor": plan.first_minor,
            "final_amount_minor": plan.final_minor,
            "number_of_payments": plan.count,
        },
    )
    session.add(order)
    session.flush()
    return record_submission(
        session,
        access,
        parties,
        kind=DOMESTIC_STANDING_ORDER,
        payment_id=payment_id,
        minor=plan.first_minor,
        currency=currency,
        initiation=initiation,
        history=[history_entry(SET_UP, now)],
        created_at=now,
        status_updated_at=now,
        public_url=public_url,
        standing_order_id=order.id,
    )


def instalments(session: Session, payment_id: str) -> list[Instalment]:
    """Return the instalments the order has paid or failed, in order."""
    return list(
        session.execute(
            select(Instalment)
            .where(Instalment.payment_id == payment_id)
            .order_by(Instalment.sequence)
        ).scalars()
    )


def due_orders(session: Session, now: datetime, limit: int = 100) -> list[str]:
    """Return the ids of standing order payments with an instalment due at ``now``."""
    return list(
        session.execute(
            select(Payment.id)
            .join(StandingOrder, StandingOrder.id == Payment.standing_order_id)
            .where(
                Payment.kind == DOMESTIC_STANDING_ORDER,
                StandingOrder.status == "Active",
                StandingOrder.next_payment_at <= now,
            )
            .order_by(StandingOrder.next_payment_at, Payment.id)
            .limit(limit)
        ).scalars()
    )


def execute_standing_order(
    session: Session,
    payment_id: str,
    now: datetime,
    *,
    working_days: WorkingDays,
    public_url: str = "",
) -> list[Instalment]:
    """Pay every instalment of the order due by ``now`` that is not paid yet; return them.

    The ledger standing order row is locked first, so concurrent executors queue and the
    second sees the instalments the first wrote.
    """
    payment = session.get(Payment, payment_id)
    if payment is None or payment.kind != DOMESTIC_STANDING_ORDER:
        return []
    order = session.execute(
        select(StandingOrder)
        .where(StandingOrder.id == payment.standing_order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if order is None or order.status != "Active":
        return []
    plan = plan_of(
        OBStandingOrderInitiation.model_validate(payment.initiation), working_days=working_days
    )
    initiation = OBStandingOrderInitiation.model_validate(payment.initiation)
    debtor, creditor = payment_accounts(session, payment)
    sequence = int(
        session.execute(
            select(func.count()).select_from(Instalment).where(Instalment.payment_id == payment.id)
        ).scalar_one()
    )
    made: list[Instalment] = []
    while len(made) < MAX_PER_RUN:
        item = plan.instalment(sequence)
        if item is None:
            order.status, order.next_payment_at = "Expired", None
            break
        due, minor = item
        if due > now:
            order.next_payment_at = due
            break
        ledger_id, reason = attempt_transfer(
            session,
            debtor=debtor,
            creditor=creditor,
            minor=minor,
            currency=payment.currency,
            description=description(initiation),
            reference=order.reference or payment.id,
            external_ref=f"{payment.id}-{sequence:05d}",
            now=now,
        )
        instalment = Instalment(
            payment_id=payment.id,
            sequence=sequence,
            due_at=due,
            amount_minor=minor,
            status="ACSC" if ledger_id is not None else "RJCT",
            status_reason=reason,
            ledger_transaction_id=ledger_id,
            executed_at=now,
        )
        session.add(instalment)
        session.flush()
        made.append(instalment)
        sequence += 1
    if made:
        announce_execution(
            session,
            payment,
            public_url=public_url,
            action="pisp.standing_order.execute",
            detail={
                "payment_id": payment.id,
                "instalments": [[i.sequence, i.status] for i in made],
            },
        )
    session.flush()
    return made
