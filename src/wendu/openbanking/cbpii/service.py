"""Funds-confirmation consents and the funds checks a card-based payment instrument issuer makes.

A check reads the authorised debtor account's available funds (balance plus overdraft) and
answers yes or no; it never reveals the balance and never moves money.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import bad_request, forbidden, unknown_resource
from wendu.identity.models import Consent
from wendu.identity.tokens import AccessContext, revoke_consent_tokens
from wendu.ledger.models import Account
from wendu.openbanking.cbpii.schemas import ConfirmationRequest, ConsentRequest
from wendu.openbanking.pisp.schemas import dump
from wendu.openbanking.pisp.service import (
    add_consent,
    check_scheme,
    debtor_account,
    find_consent,
    future_utc,
    positive_minor,
)

FUNDS_CONFIRMATION = "funds-confirmation"
LIVE = frozenset({"AWAU", "AUTH"})


def new_consent_id() -> str:
    """Return an unguessable funds-confirmation consent id such as ``fcc-3f9c…``."""
    return f"fcc-{secrets.token_hex(16)}"


def create_consent(session: Session, *, partner_id: str, body: ConsentRequest) -> Consent:
    """Store a funds-confirmation consent for one debtor account, awaiting authorisation."""
    now = utcnow()
    debtor = body.Data.DebtorAccount
    check_scheme(debtor.SchemeName, "Data.DebtorAccount")
    debtor_account(session, debtor.Identification)
    expires_at = body.Data.ExpirationDateTime
    if expires_at is not None:
        expires_at = future_utc(expires_at, now, "Data.ExpirationDateTime")
    return add_consent(
        session,
        kind=FUNDS_CONFIRMATION,
        consent_id=new_consent_id(),
        partner_id=partner_id,
        expires_at=expires_at,
        data=dump(body.Data),
        now=now,
    )


def get_consent(session: Session, *, partner_id: str, consent_id: str) -> Consent:
    """Return the partner's funds-confirmation consent or raise 400 U004."""
    return find_consent(
        session, kind=FUNDS_CONFIRMATION, partner_id=partner_id, consent_id=consent_id
    )


def shown_status(consent: Consent, now: datetime | None = None) -> str:
    """Return the consent's status, reading a live consent past its expiry as EXPD."""
    now = now or utcnow()
    if consent.status in LIVE and consent.expires_at is not None and consent.expires_at <= now:
        return "EXPD"
    return consent.status


def delete_consent(session: Session, *, partner_id: str, consent_id: str) -> None:
    """Revoke the consent (CANC) and every token bound to it."""
    consent = get_consent(session, partner_id=partner_id, consent_id=consent_id)
    if consent.status in LIVE:
        consent.status = "CANC"
        consent.status_updated_at = utcnow()
        consent.status_reason = "Revoked by the third party"
    session.flush()
    revoke_consent_tokens(session, consent.id)


def confirm_funds(session: Session, access: AccessContext, body: ConfirmationRequest) -> bool:
    """Return whether the consented account can fund the instructed amount now."""
    if access.consent_kind != FUNDS_CONFIRMATION or access.consent_id is None:
        raise forbidden("The token is not bound to a funds-confirmation consent", code="U007")
    if body.Data.ConsentId != access.consent_id:
        raise bad_request(
            "Data.ConsentId is not the consent this token was issued for",
            code="U008",
            path="Data.ConsentId",
        )
    amount = body.Data.InstructedAmount
    minor = positive_minor(amount, "Data.InstructedAmount.Amount")
    account = session.get(Account, access.account_ids[0]) if access.account_ids else None
    if account is None or account.status != "Enabled":
        raise unknown_resource("account")
    if account.currency != amount.Currency:
        raise bad_request(
            "The currency does not match the account's currency",
            path="Data.InstructedAmount.Currency",
        )
    return account.balance_minor + account.overdraft_limit_minor >= minor
