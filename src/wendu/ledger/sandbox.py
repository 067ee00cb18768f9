"""The sandbox ledger as a ``CoreBank``: the port's reads over wendu's own ledger tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from wendu.ledger.port import (
    AccountRecord,
    BeneficiaryRecord,
    CardRecord,
    CoreBank,
    PartyRecord,
    ProductRecord,
    StandingOrderRecord,
    TransactionQuery,
    TransactionRecord,
    TransactionSummary,
)
from wendu.ledger.repository import LedgerReadRepository


class SandboxCoreBank:
    """Implements ``wendu.ledger.port.CoreBank`` over the request's session."""

    def __init__(self, session: Session) -> None:
        self.repo = LedgerReadRepository(session)

    def accounts(self, customer_id: str, account_ids: Sequence[str]) -> list[AccountRecord]:
        """Return the customer's accounts among ``account_ids``, in that order."""
        found = {
            r.id: AccountRecord(*r) for r in self.repo.accounts(customer_id, list(account_ids))
        }
        return [found[i] for i in account_ids if i in found]

    def customer_accounts(self, customer_id: str) -> list[AccountRecord]:
        """Return every account the customer holds."""
        return [AccountRecord(*r) for r in self.repo.customer_accounts(customer_id)]

    def transactions(self, query: TransactionQuery) -> list[TransactionRecord]:
        """Return one page of postings, newest first."""
        return [TransactionRecord(*r) for r in self.repo.transactions(query)]

    def transaction_summary(self, query: TransactionQuery) -> TransactionSummary:
        """Return the count and booking-time range of every posting the query matches."""
        count, first, last = self.repo.transaction_summary(query)
        return TransactionSummary(int(count), first, last)

    def beneficiaries(self, account_ids: Sequence[str]) -> list[BeneficiaryRecord]:
        """Return the payees saved on the accounts."""
        return [BeneficiaryRecord(*r) for r in self.repo.beneficiaries(account_ids)]

    def standing_orders(self, account_ids: Sequence[str]) -> list[StandingOrderRecord]:
        """Return the standing orders of the accounts."""
        return [_standing_order(r) for r in self.repo.standing_orders(account_ids)]

    def products(self, product_ids: Sequence[str]) -> list[ProductRecord]:
        """Return the products with these ids."""
        return [ProductRecord(*r) for r in self.repo.products(product_ids)]

    def catalogue(self, *, kind: str | None = None) -> list[ProductRecord]:
        """Return the active products on offer, optionally of one kind."""
        return [ProductRecord(*r) for r in self.repo.catalogue(kind)]

    def party(self, customer_id: str) -> PartyRecord | None:
        """Return the customer as a party, or None."""
        row = self.repo.party(customer_id)
        return PartyRecord(*row) if row is not None else None

    def cards(self, account_ids: Sequence[str]) -> list[CardRecord]:
        """Return the cards on the accounts, active first."""
        return [CardRecord(*r) for r in self.repo.cards(account_ids)]


def core_bank_for(app_state: Any, session: Session) -> CoreBank:
    """Return the core bank an app is wired to: its configured adapter, else the sandbox ledger.

    A bank plugs in its real core by setting ``app.state.core_bank`` to a factory that takes
    the request's session.
    """
    factory: Callable[[Session], CoreBank] | None = getattr(app_state, "core_bank", None)
    return factory(session) if factory is not None else SandboxCoreBank(session)


def _standing_order(row: Sequence[Any]) -> StandingOrderRecord:
    """Build the record from a row whose last column is the ``details`` JSON."""
    amounts = row[13] if isinstance(row[13], dict) else {}
    return StandingOrderRecord(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        row[11],
        row[12],
        first_amount_minor=amounts.get("first_amount_minor"),
        final_amount_minor=amounts.get("final_amount_minor"),
    )
