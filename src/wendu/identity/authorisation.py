"""The customer's decision on a consent: authorise it with chosen accounts, or reject it.

The consent page and the sandbox automation both go through these functions, so the
rules (who may authorise, which accounts qualify, which statuses move) live in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import bad_request, conflict
from wendu.identity.models import Consent
from wendu.ledger.models import Account

ACCOUNT_ACCESS = "account-access"
FUNDS_CONFIRMATION = "funds-confirmation"
PAYMENT_KINDS = frozenset(
    {"domestic-payment", "domestic-scheduled-payment", "domestic-standing-order"}
)


def consent_scope(kind: str) -> str:
    """Return the OAuth scope a token for a consent of ``kind`` carries."""
    if kind == ACCOUNT_ACCESS:
        return "accounts"
    if kind == FUNDS_CONFIRMATION:
        return "fundsconfirmations"
    return "payments"


def customer_accounts(session: Session, customer_id: str) -> list[Account]:
    """Return the customer's enabled accounts, in a stable order."""
    return list(
        session.execute(
            select(Account)
            .where(
                Account.customer_id == customer_id,
                Account.kind != "internal",
                Account.status == "Enabled",
            )
            .order_by(Account.opened_on, Account.id)
        ).scalars()
    )


def _debtor_identification(consent: Consent) -> str | None:
    data: dict[str, Any] = consent.data or {}
    initiation = data.get("Initiation")
    debtor = initiation.get("DebtorAccount") if isinstance(initiation, dict) else None
    if debtor is None:
        debtor = data.get("DebtorAccount")
    if isinstance(debtor, dict) and debtor.get("Identification"):
        return str(debtor["Identification"])
    return None


def selectable_accounts(session: Session, consent: Consent, customer_id: str) -> list[Account]:
    """Return the customer's accounts the consent may be authorised for.

    A payment or funds-confirmation consent that names its debtor account allows only
    that account; an account-access consent allows any of the customer's accounts.
    """
    accounts = customer_accounts(session, customer_id)
    if consent.kind == ACCOUNT_ACCESS:
        return accounts
    named = _debtor_identification(consent)
    if named is None:
        return accounts
    return [a for a in accounts if a.identification == named]


def _check_awaiting(consent: Consent) -> None:
    now = utcnow()
    if consent.status == "AWAU" and consent.expires_at is not None and consent.expires_at <= now:
        consent.status = "EXPD"
        consent.status_updated_at = now
        raise conflict("The consent has expired", code="U006")
    if consent.status != "AWAU":
        raise conflict("The consent is not awaiting authorisation", code="U005")


def authorise_consent(
    session: Session, consent: Consent, customer_id: str, account_ids: Sequence[str]
) -> Consent:
    """Move an AWAU consent to AUTH for ``customer_id`` over ``account_ids``.

    Account-access consents take one or more accounts; payment and funds-confirmation
    consents take exactly one (the debtor account).
    """
    _check_awaiting(consent)
    chosen = list(dict.fromkeys(account_ids))
    if not chosen:
        raise bad_request("Choose at least one account", code="U001", path="account_ids")
    if consent.kind != ACCOUNT_ACCESS and len(chosen) != 1:
        raise bad_request("Choose exactly one account for this consent", path="account_ids")
    allowed = {a.id for a in selectable_accounts(session, consent, customer_id)}
    if any(a not in allowed for a in chosen):
        raise bad_request("An account chosen is not available for this consent", code="U004")
    now = utcnow()
    consent.status = "AUTH"
    consent.customer_id = customer_id
    consent.account_ids = chosen
    consent.authorised_at = now
    consent.status_updated_at = now
    session.flush()
    return consent


def reject_consent(
    session: Session,
    consent: Consent,
    customer_id: str | None = None,
    reason: str = "Rejected by the customer",
) -> Consent:
    """Move an AWAU consent to RJCT (the customer declined)."""
    _check_awaiting(consent)
    now = utcnow()
    consent.status = "RJCT"
    if customer_id is not None:
        consent.customer_id = customer_id
    consent.status_reason = reason[:140]
    consent.status_updated_at = now
    session.flush()
    return consent
