"""Connected apps: the partners a customer has given lasting access, and revoking that access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import unknown_resource
from wendu.identity.models import Consent, Partner
from wendu.identity.tokens import revoke_consent_tokens

# Single-use payment consents end by themselves; these kinds give lasting access.
LASTING_KINDS = ("account-access", "funds-confirmation")


@dataclass(frozen=True)
class ConnectedApp:
    """One authorised consent as the customer sees it."""

    consent_id: str
    kind: str
    partner_name: str
    client_id: str
    permissions: list[str]
    account_ids: list[str]
    authorised_at: datetime | None
    expires_at: datetime | None


def list_connected_apps(session: Session, customer_id: str) -> list[ConnectedApp]:
    """Return the customer's live lasting consents, newest first."""
    now = utcnow()
    rows = session.execute(
        select(Consent, Partner)
        .join(Partner, Partner.id == Consent.partner_id)
        .where(
            Consent.customer_id == customer_id,
            Consent.status == "AUTH",
            Consent.kind.in_(LASTING_KINDS),
        )
        .order_by(Consent.authorised_at.desc(), Consent.id)
    ).all()
    return [
        ConnectedApp(
            consent_id=consent.id,
            kind=consent.kind,
            partner_name=partner.name,
            client_id=partner.client_id,
            permissions=list(consent.permissions or []),
            account_ids=list(consent.account_ids or []),
            authorised_at=consent.authorised_at,
            expires_at=consent.expires_at,
        )
        for consent, partner in rows
        if consent.expires_at is None or consent.expires_at > now
    ]


def revoke_connected_app(session: Session, customer_id: str, consent_id: str) -> Consent:
    """Cancel the customer's consent and kill its tokens at once; unknown ids are 400 U004."""
    consent = session.get(Consent, consent_id[:128])
    if (
        consent is None
        or consent.customer_id != customer_id
        or consent.kind not in LASTING_KINDS
        or consent.status != "AUTH"
    ):
        raise unknown_resource("consent")
    now = utcnow()
    consent.status = "CANC"
    consent.status_reason = "Revoked by the customer"
    consent.status_updated_at = now
    session.flush()
    revoke_consent_tokens(session, consent.id)
    return consent
