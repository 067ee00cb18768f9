"""Funds-confirmation consents and the funds checks a card-based payment instrument issuer makes.

A check reads the authorised debtor account's available funds (balance plus overdraft) and
answers yes or no; it never reveals the balance and never moves money.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import bad_request, forbidden, unknown_resource
from wendu.identity.models import Consent
from wendu.identity.tokens import AccessContext, revoke_consent_tokens
from wendu.kit.money import to_minor
from wendu.ledger.models import Account
from wendu.openbanking.cbpii.schemas import ConfirmationRequest, ConsentRequest
from wendu.openbanking.pisp.schemas import ACCOUNT_SCHEMES, dump

FUNDS_CONFIRMATION = "funds-confirmation"
LIVE = frozenset({"AWAU", "AUTH"})


def new_consent_id() -> str:
    """Return an unguessable funds-confirmation consent id such as ``fcc-3f9c…``."""
    return f"fcc-{secrets.token_hex(16)}"


def create_consent(session: Session, *, partner_id: str, body: ConsentRequest) -> Consent:
    """Store a funds-confirmation consent for one debtor account, awaiting authorisation."""
    now = utcnow()
    debtor = body.Data.DebtorAccount
    if debtor.SchemeName not in ACCOUNT_SCHEMES:
        raise bad_request(
            "The account scheme is not supported", path="Data.DebtorAccount.SchemeName"
        )
    account = session.execute(
        select(Account).where(Account.identification == debtor.Identification)
    ).scalar_one_or_none()
    if account is None or account.kind == "internal":
        raise unknown_resource("debtor account")
    expires_at = body.Data.ExpirationDateTime
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise bad_request(
                "Date-times must include a timezone",
                code="U003",
                path="Data.ExpirationDateTime",
            )
        if expires_at <= now:
            raise bad_request(
                "ExpirationDateTime must be in the future",
                code="U003",
                path="Data.ExpirationDateTime",
            )
        expires_at = expires_at.astimezone(UTC)
    consent = Consent(
        id=new_consent_id(),
        kind=FUNDS_CONFIRMATION,
        partner_id=partner_id,
        status="AWAU",
        permissions=[],
        account_ids=[],
        expires_at=expires_at,
        data=dump(body.Data),
        created_at=now,
        status_updated_at=now,
    )
    session.add(consent)
    session.flush()
    return consent


def get_consent(session: Session, *, partner_id: str, consent_id: str) -> Consent:
    """Return the partner's funds-confirmation consent or raise 400 U004."""
    consent = session.execute(
        select(Consent).where(
            Consent.id == consent_id,
            Consent.partner_id == partner_id,
            Consent.kind == FUNDS_CONFIRMATION,
        )
    ).scalar_one_or_none()
    if consent is None:
        raise unknown_resource("consent")
    return consent


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
    try:
        minor = to_minor(amount.Amount, amount.Currency)
    except ValueError as exc:
        raise bad_request(str(exc), path="Data.InstructedAmount.Amount") from exc
    if minor <= 0:
        raise bad_request(
            "The amount must be greater than zero", path="Data.InstructedAmount.Amount"
        )
    account = session.get(Account, access.account_ids[0]) if access.account_ids else None
    if account is None or account.status != "Enabled":
        raise unknown_resource("account")
    if account.currency != amount.Currency:
        raise bad_request(
            "The currency does not match the account's currency",
            path="Data.InstructedAmount.Currency",
        )
    return account.balance_minor + account.overdraft_limit_minor >= minor
