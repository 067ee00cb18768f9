"""Render consents and payments in the UK OB v4 PIS response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wendu.identity.models import Consent
from wendu.openbanking.pisp.models import Payment
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
    for field in ("ReadRefundAccount", "Initiation", "Authorisation"):
        if field in stored:
            data[field] = stored[field]
    return resource(data, self_url, Risk=consent.risk or {})


def payment_body(payment: Payment, self_url: str) -> dict[str, Any]:
    """Render ``OBWriteDomesticResponse5``."""
    data: dict[str, Any] = {
        "DomesticPaymentId": payment.id,
        "ConsentId": payment.consent_id,
        "CreationDateTime": iso(payment.created_at),
        "Status": payment.status,
        "StatusUpdateDateTime": iso(payment.status_updated_at),
    }
    if payment.status == "RJCT":
        data["StatusReason"] = [
            {
                "StatusReasonCode": INSUFFICIENT_FUNDS_REASON,
                "StatusReasonDescription": payment.status_reason or "Rejected",
            }
        ]
    data["Initiation"] = payment.initiation
    return resource(data, self_url)


def payment_details_body(payment: Payment, self_url: str) -> dict[str, Any]:
    """Render ``OBWritePaymentDetailsResponse1``: every status the payment went through."""
    transaction_id = str(payment.ledger_transaction_id or payment.id)
    statuses = [
        {
            "PaymentTransactionId": transaction_id,
            "Status": entry["Status"],
            "StatusUpdateDateTime": iso(datetime.fromisoformat(entry["At"])),
        }
        for entry in payment.status_history
    ]
    return resource({"PaymentStatus": statuses}, self_url)


def funds_body(available: bool, at: datetime, self_url: str) -> dict[str, Any]:
    """Render ``OBWriteFundsConfirmationResponse1``."""
    result = {"FundsAvailableDateTime": iso(at), "FundsAvailable": available}
    return resource({"FundsAvailableResult": result}, self_url)
