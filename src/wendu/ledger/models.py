"""ORM tables of the sandbox core bank."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from wendu.db import Base, UTCDateTime, utcnow

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for ledgers.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class Customer(Base):
    """A retail customer of the bank (the PSU in Open Banking terms)."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(140))
    name_latin: Mapped[str | None] = mapped_column(String(140))
    kind: Mapped[str] = mapped_column(String(20), default="individual")
    email: Mapped[str | None] = mapped_column(String(256))
    phone: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2), default="CN")
    city: Mapped[str | None] = mapped_column(String(70))
    birth_date: Mapped[date | None] = mapped_column(Date)
    preferred_language: Mapped[str] = mapped_column(String(5), default="zh")
    risk_grade: Mapped[str] = mapped_column(String(2), default="C3")
    risk_assessed_on: Mapped[date | None] = mapped_column(Date)
    segment: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Product(Base):
    """A product in the catalogue: deposits, wealth (risk R1–R5), loans, cards."""

    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # current|savings|deposit|wealth|loan|card
    name: Mapped[str] = mapped_column(String(140))
    name_zh: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    risk_level: Mapped[str | None] = mapped_column(String(2))  # R1..R5
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    interest_rate_bps: Mapped[int | None] = mapped_column(Integer)
    term_months: Mapped[int | None] = mapped_column(Integer)
    min_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Account(Base):
    """A customer account or an internal (bank-owned) ledger account."""

    __tablename__ = "accounts"
    __table_args__ = (Index("ix_accounts_customer", "customer_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"))
    kind: Mapped[str] = mapped_column(String(20))  # current|savings|credit_card|internal
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    nickname: Mapped[str | None] = mapped_column(String(70))
    scheme_name: Mapped[str] = mapped_column(String(40), default="UK.OBIE.BBAN")
    identification: Mapped[str] = mapped_column(String(34), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="Enabled")
    opened_on: Mapped[date] = mapped_column(Date)
    overdraft_limit_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Derived from postings and kept in the same transaction as every posting.
    balance_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class Card(Base):
    """A payment card on an account; the full PAN is shown only with ReadPAN."""

    __tablename__ = "cards"
    __table_args__ = (Index("ix_cards_account", "account_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    pan: Mapped[str] = mapped_column(String(19))
    brand: Mapped[str] = mapped_column(String(20), default="UnionPay")
    kind: Mapped[str] = mapped_column(String(10), default="debit")  # debit|credit
    expiry: Mapped[str] = mapped_column(String(5))  # MM/YY
    status: Mapped[str] = mapped_column(String(20), default="active")  # active|frozen|cancelled
    status_reason: Mapped[str | None] = mapped_column(String(140))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def masked_pan(self) -> str:
        """Return the PAN with all but the last four digits masked."""
        return "*" * (len(self.pan) - 4) + self.pan[-4:]


class Merchant(Base):
    """A merchant that appears on card transactions, with its category code (MCC)."""

    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(140))
    name_zh: Mapped[str | None] = mapped_column(String(140))
    mcc: Mapped[str] = mapped_column(String(4))
    category: Mapped[str] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(70))


class LedgerTransaction(Base):
    """One business event that moves money: the header of a balanced set of postings."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    value_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500))
    reference: Mapped[str | None] = mapped_column(String(35))
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))
    status: Mapped[str] = mapped_column(String(10), default="Booked")
    # Set when a payment or other idempotent request created this transaction.
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)


class Posting(Base):
    """One leg of a transaction on one account; the legs of a transaction sum to zero.

    ``amount_minor`` is signed from the account holder's view: positive credits the account,
    negative debits it. ``booked_at`` repeats the header's so the per-account history
    index serves transaction listings without a join.
    """

    __tablename__ = "postings"
    __table_args__ = (Index("ix_postings_account_booked", "account_id", "booked_at", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Beneficiary(Base):
    """A payee saved on an account."""

    __tablename__ = "beneficiaries"
    __table_args__ = (Index("ix_beneficiaries_account", "account_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(140))
    scheme_name: Mapped[str] = mapped_column(String(40), default="UK.OBIE.BBAN")
    identification: Mapped[str] = mapped_column(String(34))
    reference: Mapped[str | None] = mapped_column(String(35))
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)


class StandingOrder(Base):
    """A recurring payment instruction on an account."""

    __tablename__ = "standing_orders"
    __table_args__ = (Index("ix_standing_orders_account", "account_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    frequency: Mapped[str] = mapped_column(String(40))  # OB frequency, e.g. "IntrvlMnthDay:01:15"
    reference: Mapped[str | None] = mapped_column(String(35))
    first_payment_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_payment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_payment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    creditor_name: Mapped[str] = mapped_column(String(140))
    creditor_scheme: Mapped[str] = mapped_column(String(40), default="UK.OBIE.BBAN")
    creditor_identification: Mapped[str] = mapped_column(String(34))
    status: Mapped[str] = mapped_column(String(20), default="Active")
    details: Mapped[dict[str, object] | None] = mapped_column(JSON)
