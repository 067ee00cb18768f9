"""Read queries over the sandbox ledger tables, as Core selects (no ORM objects loaded).

Listings use the per-account indexes (``ix_postings_account_booked``, ``ix_cards_account`` …);
every statement's shape is fixed so SQLAlchemy's compiled-statement cache serves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from wendu.ledger.models import (
    Account,
    Beneficiary,
    Card,
    Customer,
    LedgerTransaction,
    Merchant,
    Posting,
    Product,
    StandingOrder,
)
from wendu.ledger.port import TransactionQuery

ACCOUNT_COLUMNS = (
    Account.id,
    Account.customer_id,
    Account.kind,
    Account.currency,
    Account.nickname,
    Account.scheme_name,
    Account.identification,
    Account.status,
    Account.opened_on,
    Account.product_id,
    Account.balance_minor,
    Account.overdraft_limit_minor,
)
TRANSACTION_COLUMNS = (
    Posting.id,
    Posting.account_id,
    Posting.amount_minor,
    Posting.currency,
    Posting.booked_at,
    LedgerTransaction.value_at,
    LedgerTransaction.kind,
    LedgerTransaction.description,
    LedgerTransaction.reference,
    LedgerTransaction.status,
    Merchant.name,
    Merchant.mcc,
)
BENEFICIARY_COLUMNS = (
    Beneficiary.id,
    Beneficiary.account_id,
    Beneficiary.name,
    Beneficiary.scheme_name,
    Beneficiary.identification,
    Beneficiary.reference,
    Beneficiary.trusted,
)
STANDING_ORDER_COLUMNS = (
    StandingOrder.id,
    StandingOrder.account_id,
    StandingOrder.frequency,
    StandingOrder.reference,
    StandingOrder.first_payment_at,
    StandingOrder.next_payment_at,
    StandingOrder.final_payment_at,
    StandingOrder.amount_minor,
    StandingOrder.currency,
    StandingOrder.creditor_name,
    StandingOrder.creditor_scheme,
    StandingOrder.creditor_identification,
    StandingOrder.status,
)
PRODUCT_COLUMNS = (
    Product.id,
    Product.kind,
    Product.name,
    Product.name_zh,
    Product.description,
    Product.description_zh,
    Product.risk_level,
    Product.currency,
    Product.interest_rate_bps,
    Product.term_months,
    Product.min_amount_minor,
    Product.active,
)
PARTY_COLUMNS = (
    Customer.id,
    Customer.full_name,
    Customer.name_latin,
    Customer.email,
    Customer.phone,
    Customer.country,
    Customer.city,
)
CARD_COLUMNS = (Card.id, Card.account_id, Card.pan, Card.brand, Card.kind, Card.status)


def _in(column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    # A single id compares with "=", which every planner turns into an index range scan.
    if len(values) == 1:
        return column == values[0]
    return column.in_(list(values))


def _posting_filters(query: TransactionQuery) -> list[ColumnElement[bool]]:
    filters = [_in(Posting.account_id, query.account_ids)]
    if query.booked_from is not None:
        filters.append(Posting.booked_at >= query.booked_from)
    if query.booked_to is not None:
        filters.append(Posting.booked_at <= query.booked_to)
    if not query.credits:
        filters.append(Posting.amount_minor < 0)
    if not query.debits:
        filters.append(Posting.amount_minor >= 0)
    return filters


class LedgerReadRepository:
    """Every read the open API makes of the ledger."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _rows(self, statement: Select[Any] | Any) -> Sequence[Any]:
        return self.session.execute(statement).all()

    def accounts(self, customer_id: str, account_ids: Sequence[str]) -> Sequence[Any]:
        """Return the customer's account rows among ``account_ids``."""
        if not account_ids:
            return []
        return self._rows(
            select(*ACCOUNT_COLUMNS).where(
                _in(Account.id, account_ids), Account.customer_id == customer_id
            )
        )

    def customer_accounts(self, customer_id: str) -> Sequence[Any]:
        """Return every non-internal account row of the customer."""
        return self._rows(
            select(*ACCOUNT_COLUMNS)
            .where(Account.customer_id == customer_id, Account.kind != "internal")
            .order_by(Account.opened_on, Account.id)
        )

    def transactions(self, query: TransactionQuery) -> Sequence[Any]:
        """Return one page of posting rows joined to their transaction, newest first."""
        return self._rows(
            select(*TRANSACTION_COLUMNS)
            .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
            .outerjoin(Merchant, Merchant.id == LedgerTransaction.merchant_id)
            .where(*_posting_filters(query))
            .order_by(Posting.booked_at.desc(), Posting.id.desc())
            .limit(query.limit)
            .offset(query.offset)
        )

    def transaction_summary(self, query: TransactionQuery) -> Any:
        """Return ``(count, min booked_at, max booked_at)`` over the query's postings."""
        return self.session.execute(
            select(func.count(), func.min(Posting.booked_at), func.max(Posting.booked_at)).where(
                *_posting_filters(query)
            )
        ).one()

    def beneficiaries(self, account_ids: Sequence[str]) -> Sequence[Any]:
        """Return the payee rows of the accounts."""
        if not account_ids:
            return []
        return self._rows(
            select(*BENEFICIARY_COLUMNS)
            .where(_in(Beneficiary.account_id, account_ids))
            .order_by(Beneficiary.account_id, Beneficiary.name, Beneficiary.id)
        )

    def standing_orders(self, account_ids: Sequence[str]) -> Sequence[Any]:
        """Return the standing-order rows of the accounts."""
        if not account_ids:
            return []
        return self._rows(
            select(*STANDING_ORDER_COLUMNS)
            .where(_in(StandingOrder.account_id, account_ids))
            .order_by(StandingOrder.account_id, StandingOrder.first_payment_at, StandingOrder.id)
        )

    def products(self, product_ids: Sequence[str]) -> Sequence[Any]:
        """Return the product rows with these ids."""
        if not product_ids:
            return []
        return self._rows(select(*PRODUCT_COLUMNS).where(_in(Product.id, product_ids)))

    def catalogue(self, kind: str | None = None) -> Sequence[Any]:
        """Return the active product rows, optionally of one kind."""
        statement = select(*PRODUCT_COLUMNS).where(Product.active.is_(True))
        if kind is not None:
            statement = statement.where(Product.kind == kind)
        return self._rows(statement.order_by(Product.kind, Product.risk_level, Product.id))

    def party(self, customer_id: str) -> Any:
        """Return the customer's party row."""
        return self.session.execute(
            select(*PARTY_COLUMNS).where(Customer.id == customer_id)
        ).one_or_none()

    def cards(self, account_ids: Sequence[str]) -> Sequence[Any]:
        """Return the card rows of the accounts, active cards first."""
        if not account_ids:
            return []
        active_first = case((Card.status == "active", 0), else_=1)
        return self._rows(
            select(*CARD_COLUMNS)
            .where(and_(_in(Card.account_id, account_ids)))
            .order_by(Card.account_id, active_first, Card.id)
        )
