"""The ``CoreBank`` port: the reads the open API needs from a core banking system.

The sandbox ledger implements it (``wendu.ledger.sandbox``); a bank plugs its real core in
by implementing the same Protocol and setting ``app.state.core_bank`` to a factory that
takes the request's session (see ``wendu.openbanking.deps.get_core_bank``). Records are
plain values — never ORM objects — with money in integer minor units and aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A customer account."""

    id: str
    customer_id: str
    kind: str  # current|savings|credit_card
    currency: str
    nickname: str | None
    scheme_name: str
    identification: str
    status: str
    opened_on: date
    product_id: str | None
    balance_minor: int
    overdraft_limit_minor: int


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """One posting on a customer account with its transaction's details."""

    id: int  # the posting id: unique per account leg
    account_id: str
    amount_minor: int  # signed: positive credits the account
    currency: str
    booked_at: datetime
    value_at: datetime | None
    kind: str
    description: str
    reference: str | None
    status: str
    merchant_name: str | None
    merchant_mcc: str | None


@dataclass(frozen=True, slots=True)
class TransactionQuery:
    """Which postings to list: accounts, a booking-time window, directions, one page."""

    account_ids: Sequence[str]
    booked_from: datetime | None = None
    booked_to: datetime | None = None
    credits: bool = True
    debits: bool = True
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class TransactionSummary:
    """How many postings match a query and the booking-time range they span."""

    count: int
    first_booked_at: datetime | None
    last_booked_at: datetime | None


@dataclass(frozen=True, slots=True)
class BeneficiaryRecord:
    """A saved payee on an account."""

    id: str
    account_id: str
    name: str
    scheme_name: str
    identification: str
    reference: str | None
    trusted: bool


@dataclass(frozen=True, slots=True)
class StandingOrderRecord:
    """A recurring payment instruction on an account."""

    id: str
    account_id: str
    frequency: str
    reference: str | None
    first_payment_at: datetime
    next_payment_at: datetime | None
    final_payment_at: datetime | None
    amount_minor: int
    currency: str
    creditor_name: str
    creditor_scheme: str
    creditor_identification: str
    status: str
    # Set when the first or final instalment differs from the recurring ``amount_minor``.
    first_amount_minor: int | None = None
    final_amount_minor: int | None = None


@dataclass(frozen=True, slots=True)
class ProductRecord:
    """A catalogue product (bilingual), with its risk level for wealth products."""

    id: str
    kind: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    risk_level: str | None
    currency: str
    interest_rate_bps: int | None
    term_months: int | None
    min_amount_minor: int | None
    active: bool


@dataclass(frozen=True, slots=True)
class PartyRecord:
    """The customer behind accounts (the PSU)."""

    id: str
    full_name: str
    name_latin: str | None
    email: str | None
    phone: str | None
    country: str
    city: str | None


@dataclass(frozen=True, slots=True)
class CardRecord:
    """A payment card on an account; ``pan`` is the full number and must be masked on output."""

    id: str
    account_id: str
    pan: str
    brand: str
    kind: str
    status: str


class CoreBank(Protocol):
    """Reads of the core bank, always scoped to one customer's accounts."""

    def accounts(self, customer_id: str, account_ids: Sequence[str]) -> list[AccountRecord]:
        """Return the customer's accounts among ``account_ids``, in that order."""
        ...

    def customer_accounts(self, customer_id: str) -> list[AccountRecord]:
        """Return every account the customer holds."""
        ...

    def transactions(self, query: TransactionQuery) -> list[TransactionRecord]:
        """Return one page of postings, newest first."""
        ...

    def transaction_summary(self, query: TransactionQuery) -> TransactionSummary:
        """Return the count and booking-time range of every posting the query matches."""
        ...

    def beneficiaries(self, account_ids: Sequence[str]) -> list[BeneficiaryRecord]:
        """Return the payees saved on the accounts."""
        ...

    def standing_orders(self, account_ids: Sequence[str]) -> list[StandingOrderRecord]:
        """Return the standing orders of the accounts."""
        ...

    def products(self, product_ids: Sequence[str]) -> list[ProductRecord]:
        """Return the products with these ids."""
        ...

    def catalogue(self, *, kind: str | None = None) -> list[ProductRecord]:
        """Return the active products on offer, optionally of one kind."""
        ...

    def party(self, customer_id: str) -> PartyRecord | None:
        """Return the customer as a party, or None."""
        ...

    def cards(self, account_ids: Sequence[str]) -> list[CardRecord]:
        """Return the cards on the accounts, active first."""
        ...
