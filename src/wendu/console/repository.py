"""Read-only queries behind the console's overview pages, and the names staff see for ids."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wendu.audit.models import AuditEntry
from wendu.console.i18n import translate
from wendu.db import utcnow
from wendu.helpdesk.models import Conversation, Team
from wendu.helpdesk.taxonomy import taxonomy
from wendu.identity.models import Consent, Partner, StaffUser
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


# What a report's group key is an id of; "(none)" is the key of rows without one.
NONE_KEY = "(none)"


def category_label(code: str | None, language: str) -> str:
    """Return the taxonomy label of a category code in ``language`` (the code if unknown)."""
    if not code:
        return "—"
    try:
        return taxonomy().get(code).label(language)
    except KeyError:
        return code


def _by_id(session: Session, by: str, ids: list[str], language: str) -> dict[str, str]:
    """Return the names of ``ids`` (staff, teams or partners) in one query."""
    if not ids:
        return {}
    if by == "agent":
        rows = session.execute(
            select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(ids))
        )
        return {k: v for k, v in rows}
    if by == "team":
        teams = session.execute(select(Team.id, Team.name, Team.name_zh).where(Team.id.in_(ids)))
        return {k: (zh if language == "zh" and zh else en) for k, en, zh in teams}
    if by == "partner":
        rows = session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(ids)))
        return {k: v for k, v in rows}
    return {}


def group_labels(session: Session, by: str, keys: Collection[str], language: str) -> dict[str, str]:
    """Return what staff read for each report group key: a name, never a raw id.

    Staff, teams and partners are looked up in one query for all keys; categories come from
    the taxonomy, channels and priorities from the catalogue. An id with no row left (a
    deleted team) shows itself, so the figure is still traceable.
    """
    ids = sorted(k for k in keys if k != NONE_KEY)
    names = _by_id(session, by, ids, language)
    labels: dict[str, str] = {}
    for key in keys:
        if key == NONE_KEY:
            labels[key] = translate(language, "report.none_key")
        elif by == "category":
            labels[key] = category_label(key, language)
        elif by in ("channel", "priority"):
            labels[key] = translate(language, f"{by}.{key}")
        else:
            labels[key] = names.get(key, key)
    return labels


def conversation_subjects(session: Session, ids: Collection[str]) -> dict[str, str]:
    """Return the subject of each conversation in ``ids`` (one query per 500 ids)."""
    wanted = list(dict.fromkeys(ids))
    subjects: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(
            select(Conversation.id, Conversation.subject).where(Conversation.id.in_(chunk))
        )
        subjects.update({k: v for k, v in rows if v})
    return subjects


def staff_names_by_username(session: Session, usernames: Collection[str | None]) -> dict[str, str]:
    """Return the display name of each staff username in ``usernames`` in one query."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    rows = session.execute(
        select(StaffUser.username, StaffUser.display_name).where(StaffUser.username.in_(wanted))
    )
    return {k: v for k, v in rows}
