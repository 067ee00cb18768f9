"""Read queries over the sandbox ledger tables, as Core selects (no ORM objects loaded).

Listings use the per-account indexes (``ix_postings_account_booked``, ``ix_cards_account`` …);
every statement's shape is fixed so SQLAlchemy's compiled-statement cache serves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, bindparam, case, func, select
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
    StandingOrder.details,
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


def _in(column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    # A single id compares with "=", which every planner turns into an index range scan.
    if len(values) == 1:
        return column == values[0]
    return column.in_(list(values))


POSTINGS = Posting.__table__
TRANSACTIONS = LedgerTransaction.__table__
MERCHANTS = Merchant.__table__
CARDS = Card.__table__


def _posting_filters(
    many: bool, has_from: bool, has_to: bool, credits: bool, debits: bool
) -> list[ColumnElement[bool]]:
    p = POSTINGS.c
    filters: list[ColumnElement[bool]] = [
        p.account_id.in_(bindparam("account_ids", expanding=True))
        if many
        else p.account_id == bindparam("account_id")
    ]
    if has_from:
        filters.append(p.booked_at >= bindparam("booked_from"))
    if has_to:
        filters.append(p.booked_at <= bindparam("booked_to"))
    if not credits:
        filters.append(p.amount_minor < 0)
    if not debits:
        filters.append(p.amount_minor >= 0)
    return filters


# Statements are built once per filter shape and reused: building and cache-keying a
# select costs more than running it on an indexed page.
@lru_cache(maxsize=64)
def _page_statement(
    many: bool, has_from: bool, has_to: bool, credits: bool, debits: bool
) -> Select[Any]:
    p, t, m = POSTINGS.c, TRANSACTIONS.c, MERCHANTS.c
    return (
        select(
            p.id,
            p.account_id,
            p.amount_minor,
            p.currency,
            p.booked_at,
            t.value_at,
            t.kind,
            t.description,
            t.reference,
            t.status,
            m.name,
            m.mcc,
        )
        .select_from(
            POSTINGS.join(TRANSACTIONS, t.id == p.transaction_id).outerjoin(
                MERCHANTS, m.id == t.merchant_id
            )
        )
        .where(*_posting_filters(many, has_from, has_to, credits, debits))
        .order_by(p.booked_at.desc(), p.id.desc())
        .limit(bindparam("limit", type_=Integer()))
        .offset(bindparam("offset", type_=Integer()))
    )


@lru_cache(maxsize=64)
def _summary_statement(
    many: bool, has_from: bool, has_to: bool, credits: bool, debits: bool
) -> Any:
    p = POSTINGS.c
    return select(func.count(), func.min(p.booked_at), func.max(p.booked_at)).where(
        *_posting_filters(many, has_from, has_to, credits, debits)
    )


@lru_cache(maxsize=2)
def _cards_statement(many: bool) -> Select[Any]:
    c = CARDS.c
    where = (
        c.account_id.in_(bindparam("account_ids", expanding=True))
        if many
        else c.account_id == bindparam("account_id")
    )
    active_first = case((c.status == "active", 0), else_=1)
    return (
        select(c.id, c.account_id, c.pan, c.brand, c.kind, c.status)
        .where(where)
        .order_by(c.account_id, active_first, c.id)
    )


def _shape(query: TransactionQuery) -> tuple[bool, bool, bool, bool, bool]:
    return (
        len(query.account_ids) != 1,
        query.booked_from is not None,
        query.booked_to is not None,
        query.credits,
        query.debits,
    )


def _params(query: TransactionQuery) -> dict[str, Any]:
    ids = list(query.account_ids)
    return {
        "account_id": ids[0] if len(ids) == 1 else None,
        "account_ids": ids,
        "booked_from": query.booked_from,
        "booked_to": query.booked_to,
        "limit": query.limit,
        "offset": query.offset,
    }


class LedgerReadRepository:
    """Every read the open API makes of the ledger."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _rows(self, statement: Select[Any] | Any) -> Sequence[Any]:
        return self.session.connection().execute(statement).all()

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
        if not query.account_ids:
            return []
        return (
            self.session.connection().execute(_page_statement(*_shape(query)), _params(query)).all()
        )

    def transaction_summary(self, query: TransactionQuery) -> Any:
        """Return ``(count, min booked_at, max booked_at)`` over the query's postings."""
        if not query.account_ids:
            return (0, None, None)
        return (
            self.session.connection()
            .execute(_summary_statement(*_shape(query)), _params(query))
            .one()
        )

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
        return (
            self.session.connection()
            .execute(select(*PARTY_COLUMNS).where(Customer.id == customer_id))
            .one_or_none()
        )

    def cards(self, account_ids: Sequence[str]) -> Sequence[Any]:
        """Return the card rows of the accounts, active cards first."""
        if not account_ids:
            return []
        ids = list(account_ids)
        params = {"account_id": ids[0], "account_ids": ids}
        return self.session.connection().execute(_cards_statement(len(ids) != 1), params).all()
