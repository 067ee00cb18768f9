"""Render consents and payments (domestic, scheduled, standing orders) in the UK OB v4 PIS
response shapes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from wendu.identity.models import Consent
from wendu.openbanking.pisp.models import Instalment, Payment
from wendu.openbanking.pisp.service import INSUFFICIENT_FUNDS_REASON, consent_status
from wendu.openbanking.wire import iso, resource


def consent_body(consent: Consent, self_url: str) -> dict[str, Any]:
    """Render ``OBWriteDomesticConsentResponse5``."""
    status, reasons = consent_status(consent)
    stored = consent.data or {}
    data: dict[str, Any] = {
        "ConsentId": consent.id,
        "CreationDateTime": iso(consent.created_at),
        "Status": status,
        "StatusUpdateDateTime": iso(consent.status_updated_at),
    }
    if reasons:
        data["StatusReason"] = reasons
    for field in ("Permission", "ReadRefundAccount", "Initiation", "Authorisation"):
        if field in stored:
            data[field] = stored[field]
    return resource(data, self_url, Risk=consent.risk or {})


# The id field of each payment resource, by kind.
ID_FIELDS = {
    "domestic-payment": "DomesticPaymentId",
    "domestic-scheduled-payment": "DomesticScheduledPaymentId",
    "domestic-standing-order": "DomesticStandingOrderId",
}
# payment-details has no INCO: a standing order that is set up has been accepted (ACCP).
DETAIL_STATUS = {"INCO": "ACCP"}


def payment_body(
    payment: Payment, self_url: str, instalments: Sequence[Instalment] | None = None
) -> dict[str, Any]:
    """Render ``OBWriteDomesticResponse5``, ``OBWriteDomesticScheduledResponse5`` or
    ``OBWriteDomesticStandingOrderResponse6`` (by the payment's kind)."""
    data: dict[str, Any] = {
        ID_FIELDS[payment.kind]: payment.id,
        "ConsentId": payment.consent_id,
        "CreationDateTime": iso(payment.created_at),
        "Status": payment.status,
        "StatusUpdateDateTime": iso(payment.status_updated_at),
    }
    if payment.status == "RJCT":
        data["StatusReason"] = [_rejected(payment.status_reason)]
    elif instalments and instalments[-1].status == "RJCT":
        data["StatusReason"] = [_rejected(f"Instalment {instalments[-1].sequence + 1} failed")]
    if payment.execute_at is not None:
        data["ExpectedExecutionDateTime"] = iso(payment.execute_at)
    data["Initiation"] = payment.initiation
    return resource(data, self_url)


def _rejected(description: str | None) -> dict[str, str]:
    return {
        "StatusReasonCode": INSUFFICIENT_FUNDS_REASON,
        "StatusReasonDescription": description or "Rejected",
    }


def payment_details_body(
    payment: Payment, self_url: str, instalments: Sequence[Instalment] = ()
) -> dict[str, Any]:
    """Render ``OBWritePaymentDetailsResponse1``: every status the payment went through,
    then one entry per standing-order instalment."""
    transaction_id = str(payment.ledger_transaction_id or payment.id)
    statuses: list[dict[str, Any]] = [
        {
            "PaymentTransactionId": transaction_id,
            "Status": DETAIL_STATUS.get(entry["Status"], entry["Status"]),
            "StatusUpdateDateTime": iso(datetime.fromisoformat(entry["At"])),
        }
        for entry in payment.status_history
    ]
    for instalment in instalments:
        entry: dict[str, Any] = {
            "PaymentTransactionId": str(
                instalment.ledger_transaction_id or f"{payment.id}-{instalment.sequence}"
            ),
            "Status": instalment.status,
            "StatusUpdateDateTime": iso(instalment.executed_at),
        }
        if instalment.status == "RJCT":
            entry["StatusDetail"] = {
                "Status": "RJCT",
                "StatusReason": INSUFFICIENT_FUNDS_REASON,
                "StatusReasonDescription": (instalment.status_reason or "Rejected")[:256],
            }
        statuses.append(entry)
    return resource({"PaymentStatus": statuses}, self_url)


def funds_body(available: bool, at: datetime, self_url: str) -> dict[str, Any]:
    """Render ``OBWriteFundsConfirmationResponse1``."""
    result = {"FundsAvailableDateTime": iso(at), "FundsAvailable": available}
    return resource({"FundsAvailableResult": result}, self_url)
