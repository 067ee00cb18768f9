"""Account-access consents: create, read (expiring on the way) and revoke, per UK OB v4.

Services flush and never commit; the caller's session owns the transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import bad_request, unknown_resource
from wendu.identity.models import Consent
from wendu.identity.tokens import revoke_consent_tokens
from wendu.openbanking.permissions import validate_permissions

ACCOUNT_ACCESS = "account-access"
# Statuses from which a consent can still be used or authorised, and so can expire.
LIVE_STATUSES = frozenset({"AWAU", "AUTH"})


def new_consent_id() -> str:
    """Return an unguessable account-access consent id such as ``aac-3f9c…``."""
    return f"aac-{secrets.token_hex(16)}"


def _aware(value: datetime | None, path: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise bad_request("Date-times must include a timezone", code="U003", path=path)
    return value.astimezone(UTC)


def create_account_access_consent(
    session: Session,
    *,
    partner_id: str,
    permissions: Iterable[str],
    expiration: datetime | None = None,
    transaction_from: datetime | None = None,
    transaction_to: datetime | None = None,
) -> Consent:
    """Validate a consent request and store it awaiting the customer's authorisation (AWAU)."""
    codes = validate_permissions(permissions)
    now = utcnow()
    expires_at = _aware(expiration, "Data.ExpirationDateTime")
    start = _aware(transaction_from, "Data.TransactionFromDateTime")
    end = _aware(transaction_to, "Data.TransactionToDateTime")
    if expires_at is not None and expires_at <= now:
        raise bad_request(
            "ExpirationDateTime must be in the future", code="U003", path="Data.ExpirationDateTime"
        )
    if start is not None and end is not None and start > end:
        raise bad_request(
            "TransactionFromDateTime must not be after TransactionToDateTime",
            code="U003",
            path="Data.TransactionFromDateTime",
        )
    consent = Consent(
        id=new_consent_id(),
        kind=ACCOUNT_ACCESS,
        partner_id=partner_id,
        status="AWAU",
        permissions=codes,
        account_ids=[],
        expires_at=expires_at,
        transaction_from=start,
        transaction_to=end,
        created_at=now,
        status_updated_at=now,
    )
    session.add(consent)
    session.flush()
    return consent


def expire_if_due(consent: Consent, now: datetime | None = None) -> bool:
    """Move a live consent past its ExpirationDateTime to EXPD; return True if it changed."""
    now = now or utcnow()
    if (
        consent.status in LIVE_STATUSES
        and consent.expires_at is not None
        and consent.expires_at <= now
    ):
        consent.status = "EXPD"
        consent.status_updated_at = now
        return True
    return False


def get_account_access_consent(session: Session, *, partner_id: str, consent_id: str) -> Consent:
    """Return the partner's consent ``consent_id`` (expired ones become EXPD) or raise 400 U004.

    Another partner's consent is reported exactly like an unknown one.
    """
    consent = session.execute(
        select(Consent).where(
            Consent.id == consent_id,
            Consent.partner_id == partner_id,
            Consent.kind == ACCOUNT_ACCESS,
        )
    ).scalar_one_or_none()
    if consent is None:
        raise unknown_resource("consent")
    if expire_if_due(consent):
        session.flush()
    return consent


def delete_account_access_consent(session: Session, *, partner_id: str, consent_id: str) -> Consent:
    """Revoke the partner's consent (CANC) and every token bound to it, effective at once."""
    consent = get_account_access_consent(session, partner_id=partner_id, consent_id=consent_id)
    if consent.status in LIVE_STATUSES:
        now = utcnow()
        consent.status = "CANC"
        consent.status_updated_at = now
        consent.status_reason = "Revoked by the third party"
    session.flush()
    revoke_consent_tokens(session, consent.id)
    return consent
