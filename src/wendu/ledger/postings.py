"""Move money in the sandbox ledger: balanced double-entry transactions, locked and idempotent.

Every movement is one ``LedgerTransaction`` header plus postings that sum to zero, and the
``accounts.balance_minor`` of every account touched changes in the same database transaction.

Concurrency: the accounts of a movement are locked in one consistent order (by id) with
``SELECT … FOR NO KEY UPDATE`` on PostgreSQL, so concurrent movements over the same accounts queue
instead of deadlocking; on SQLite the write session (``Database.session(write=True)``) has
already taken the database write lock at ``BEGIN IMMEDIATE``. Callers that make more than one
movement in one database transaction give up the consistent order and should not.

Idempotency: ``external_ref`` is unique. A repeated call with the same reference and the same
legs returns the existing transaction and moves nothing; the same reference with different
legs is refused (U009). Errors are raised before anything is written, so a caller may catch
one (e.g. to record a rejected payment) and still commit its own rows safely.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import ErrorItem, WenduError, bad_request, unknown_resource
from wendu.ledger.models import Account, LedgerTransaction, Posting

Leg = tuple[str, int]

ENABLED = "Enabled"
MAX_DESCRIPTION = 500
MAX_REFERENCE = 35
MAX_EXTERNAL_REF = 64
MAX_KIND = 20


class InsufficientFunds(WenduError):
    """The movement would take an account below its overdraft limit (OB U012)."""


def insufficient_funds() -> InsufficientFunds:
    """Return the U012 error (which account refused is not echoed: the caller knows)."""
    return InsufficientFunds(400, [ErrorItem("U012", "Insufficient funds")])


def transfer(
    session: Session,
    *,
    debit_account_id: str,
    credit_account_id: str,
    amount_minor: int,
    currency: str,
    description: str,
    reference: str | None = None,
    external_ref: str | None = None,
    kind: str = "transfer",
    booked_at: datetime | None = None,
) -> LedgerTransaction:
    """Move ``amount_minor`` from the debit account to the credit account as one transaction."""
    if not _is_positive_int(amount_minor):
        raise bad_request(
            "The amount must be a positive whole number of minor units", path="amount"
        )
    if debit_account_id == credit_account_id:
        raise bad_request("The debit and credit accounts must differ", path="account")
    return post(
        session,
        legs=[(debit_account_id, -amount_minor), (credit_account_id, amount_minor)],
        currency=currency,
        description=description,
        reference=reference,
        external_ref=external_ref,
        kind=kind,
        booked_at=booked_at,
    )


def post(
    session: Session,
    *,
    legs: Sequence[Leg],
    currency: str,
    description: str,
    reference: str | None = None,
    external_ref: str | None = None,
    kind: str = "transfer",
    booked_at: datetime | None = None,
    merchant_id: int | None = None,
) -> LedgerTransaction:
    """Book a balanced multi-leg entry: ``legs`` are ``(account_id, signed amount)`` pairs.

    A positive amount credits the account, a negative one debits it; the legs must sum to
    zero and be in ``currency``. No account may end below ``-overdraft_limit_minor`` because
    of this entry (an account already below its limit may still be credited).
    """
    _check_shape(legs, description, reference, external_ref, kind)
    deltas: dict[str, int] = {}
    for account_id, amount in legs:
        deltas[account_id] = deltas.get(account_id, 0) + amount

    accounts = _lock_accounts(session, sorted(deltas))
    try:
        _check_accounts(accounts, deltas, currency)
    except WenduError:
        # A replay is answered with the first result even if it could not be made today.
        if external_ref is not None:
            existing = _existing(session, external_ref)
            if existing is not None:
                return _replayed(session, existing, legs)
        raise

    when = booked_at or utcnow()
    header = _insert_header(
        session,
        booked_at=when,
        value_at=when,
        kind=kind,
        description=description,
        reference=reference,
        merchant_id=merchant_id,
        status="Booked",
        external_ref=external_ref,
    )
    if header is None:
        # The reference is taken: a replay, or a concurrent first attempt that committed first.
        assert external_ref is not None
        existing = _existing(session, external_ref)
        if existing is None:  # pragma: no cover - the conflict proves the row exists
            raise WenduError(500, [ErrorItem("U019", "The ledger reference could not be read")])
        return _replayed(session, existing, legs)

    # One multi-row INSERT: the postings are not needed as objects by callers.
    session.execute(
        insert(Posting),
        [
            {
                "transaction_id": header.id,
                "account_id": account_id,
                "amount_minor": amount,
                "currency": currency,
                "booked_at": when,
            }
            for account_id, amount in legs
        ],
    )
    for account_id, delta in deltas.items():
        account = accounts[account_id]
        account.balance_minor = account.balance_minor + delta
    session.flush()
    return header


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_shape(
    legs: Sequence[Leg],
    description: str,
    reference: str | None,
    external_ref: str | None,
    kind: str,
) -> None:
    if len(legs) < 2:
        raise bad_request("A ledger entry needs at least two legs")
    for _account_id, amount in legs:
        if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
            raise bad_request("Every leg must be a non-zero whole number of minor units")
    if sum(amount for _, amount in legs) != 0:
        raise bad_request("The legs of a ledger entry must sum to zero")
    if len(description) > MAX_DESCRIPTION:
        raise bad_request("The description is too long", path="description")
    if reference is not None and len(reference) > MAX_REFERENCE:
        raise bad_request("The reference is too long", path="reference")
    if external_ref is not None and not 0 < len(external_ref) <= MAX_EXTERNAL_REF:
        raise bad_request("The external reference must be 1 to 64 characters")
    if not 0 < len(kind) <= MAX_KIND:
        raise bad_request("The transaction kind must be 1 to 20 characters")


def _check_accounts(accounts: dict[str, Account], deltas: dict[str, int], currency: str) -> None:
    for account_id in sorted(deltas):
        account = accounts.get(account_id)
        if account is None:
            raise unknown_resource("account")
        if account.status != ENABLED:
            raise bad_request("The account is not enabled for payments", path="account")
        if account.currency != currency:
            raise bad_request("The currency does not match the account's currency", path="currency")
    for account_id in sorted(deltas):
        account = accounts[account_id]
        delta = deltas[account_id]
        if delta < 0 and account.balance_minor + delta < -account.overdraft_limit_minor:
            raise insufficient_funds()


def _lock_accounts(session: Session, account_ids: list[str]) -> dict[str, Account]:
    # ORDER BY before the lock: PostgreSQL locks rows as they leave the sort, so every
    # movement takes its locks in id order. FOR NO KEY UPDATE (key_share) because only the
    # balance changes: it still serialises movements, but does not conflict with the KEY SHARE
    # locks other transactions take by inserting rows that reference an account (payments,
    # postings) — with plain FOR UPDATE two payments deadlocked on exactly that.
    # populate_existing refreshes rows this session already loaded, so the balance checked
    # below is the one now locked.
    rows = session.execute(
        select(Account)
        .where(Account.id.in_(account_ids))
        .order_by(Account.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).scalars()
    return {row.id: row for row in rows}


def _existing(session: Session, external_ref: str) -> LedgerTransaction | None:
    return session.execute(
        select(LedgerTransaction).where(LedgerTransaction.external_ref == external_ref)
    ).scalar_one_or_none()


def _replayed(
    session: Session, existing: LedgerTransaction, legs: Sequence[Leg]
) -> LedgerTransaction:
    booked = session.execute(
        select(Posting.account_id, Posting.amount_minor).where(
            Posting.transaction_id == existing.id
        )
    ).all()
    if Counter((a, m) for a, m in booked) != Counter(legs):
        raise bad_request(
            "The external reference was already used for a different movement", code="U009"
        )
    return existing


def _insert_header(session: Session, **values: object) -> LedgerTransaction | None:
    """Insert the header; return None when ``external_ref`` is already taken."""
    dialect = session.get_bind().dialect.name
    if values.get("external_ref") is None or dialect not in ("postgresql", "sqlite"):
        header = LedgerTransaction(**values)
        session.add(header)
        session.flush()
        return header
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # ON CONFLICT waits for a concurrent holder of the same reference and then skips, so a
    # race between two first attempts never surfaces as an IntegrityError.
    statement = (
        upsert(LedgerTransaction)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["external_ref"])
        .returning(LedgerTransaction)
    )
    return session.scalars(statement).one_or_none()


@dataclass
class LedgerCheck:
    """The ledger's invariants, measured: empty problem lists mean the books are sound."""

    totals_by_currency: dict[str, int] = field(default_factory=dict)
    postings_by_currency: dict[str, int] = field(default_factory=dict)
    accounts_not_matching_postings: list[str] = field(default_factory=list)
    accounts_below_limit: list[str] = field(default_factory=list)
    unbalanced_transactions: list[int] = field(default_factory=list)
    transactions: int = 0
    postings: int = 0

    @property
    def ok(self) -> bool:
        """Return True when every balance equals its postings and every entry balances."""
        return not (
            self.accounts_not_matching_postings
            or self.accounts_below_limit
            or self.unbalanced_transactions
        ) and all(v == 0 for v in self.postings_by_currency.values())


def check_ledger(session: Session, account_ids: Sequence[str] | None = None) -> LedgerCheck:
    """Measure the ledger's invariants over every account (or only ``account_ids``)."""
    result = LedgerCheck()
    sums = (
        select(Posting.account_id, func.coalesce(func.sum(Posting.amount_minor), 0).label("s"))
        .group_by(Posting.account_id)
        .subquery()
    )
    query = select(
        Account.id,
        Account.currency,
        Account.balance_minor,
        Account.overdraft_limit_minor,
        func.coalesce(sums.c.s, 0),
    ).outerjoin(sums, sums.c.account_id == Account.id)
    if account_ids is not None:
        query = query.where(Account.id.in_(list(account_ids)))
    for account_id, currency, balance, limit, posted in session.execute(query):
        result.totals_by_currency[currency] = result.totals_by_currency.get(currency, 0) + int(
            balance
        )
        if int(balance) != int(posted):
            result.accounts_not_matching_postings.append(account_id)
        if int(balance) < -int(limit):
            result.accounts_below_limit.append(account_id)

    unbalanced = session.execute(
        select(Posting.transaction_id)
        .group_by(Posting.transaction_id)
        .having(
            (func.sum(Posting.amount_minor) != 0)
            | (func.count() < 2)
            | (func.count(func.distinct(Posting.currency)) != 1)
        )
    ).scalars()
    result.unbalanced_transactions = [int(t) for t in unbalanced]
    # A header without any postings is half-written too.
    empty = session.execute(
        select(LedgerTransaction.id).where(
            ~select(Posting.id).where(Posting.transaction_id == LedgerTransaction.id).exists()
        )
    ).scalars()
    result.unbalanced_transactions += [int(t) for t in empty]
    for currency, total in session.execute(
        select(Posting.currency, func.sum(Posting.amount_minor)).group_by(Posting.currency)
    ):
        result.postings_by_currency[currency] = int(total)
    result.transactions = int(
        session.execute(select(func.count()).select_from(LedgerTransaction)).scalar_one()
    )
    result.postings = int(session.execute(select(func.count()).select_from(Posting)).scalar_one())
    return result
