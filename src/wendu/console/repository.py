"""Read-only queries behind the console's overview pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wendu.audit.models import AuditEntry
from wendu.db import utcnow
from wendu.identity.models import Consent, Partner
from wendu.ledger.models import Account, Customer


@dataclass(frozen=True)
class Overview:
    """Headline counts for the console home page."""

    customers: int
    accounts: int
    partners: int
    consents_by_status: dict[str, int]
    api_calls_24h: int
    api_errors_24h: int


@dataclass(frozen=True)
class PartnerRow:
    """One partner with its consents counted by status."""

    partner: Partner
    consents_by_status: dict[str, int]


def overview(session: Session) -> Overview:
    """Return the headline counts."""
    since = utcnow() - timedelta(hours=24)
    by_status = dict(
        session.execute(select(Consent.status, func.count()).group_by(Consent.status)).all()
    )
    calls, errors = session.execute(
        select(
            func.count(),
            func.count().filter(AuditEntry.status_code >= 400),
        ).where(AuditEntry.at >= since)
    ).one()
    return Overview(
        customers=session.execute(select(func.count()).select_from(Customer)).scalar_one(),
        accounts=session.execute(
            select(func.count()).select_from(Account).where(Account.customer_id.is_not(None))
        ).scalar_one(),
        partners=session.execute(select(func.count()).select_from(Partner)).scalar_one(),
        consents_by_status={str(k): int(v) for k, v in by_status.items()},
        api_calls_24h=int(calls),
        api_errors_24h=int(errors or 0),
    )


def partners_with_consents(session: Session) -> list[PartnerRow]:
    """Return every partner with its consents counted by status."""
    partners = session.execute(select(Partner).order_by(Partner.created_at)).scalars().all()
    counts: dict[str, dict[str, int]] = {}
    for partner_id, status, n in session.execute(
        select(Consent.partner_id, Consent.status, func.count()).group_by(
            Consent.partner_id, Consent.status
        )
    ):
        counts.setdefault(partner_id, {})[status] = int(n)
    return [PartnerRow(p, counts.get(p.id, {})) for p in partners]
