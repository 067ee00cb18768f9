"""Account information use cases: read the core bank within a consent and shape OB bodies.

Every function takes the consent's ``Scope`` and only ever asks the core bank for accounts
the consent covers and the customer holds; anything else is 400 U004, like an unknown id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn

from wendu.db import utcnow
from wendu.errors import bad_request, unknown_resource
from wendu.ledger.port import (
    AccountRecord,
    CardRecord,
    CoreBank,
    TransactionQuery,
    TransactionRecord,
)
from wendu.openbanking import wire
from wendu.openbanking.deps import Scope
from wendu.openbanking.pagination import PageRequest, envelope, paged_links, total_pages
from wendu.openbanking.permissions import detail


def parse_filter_datetime(value: str | None, name: str) -> datetime | None:
    """Parse a booking/statement date-time filter as UTC, ignoring any offset (as OB requires)."""
    if value is None or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise bad_request(f"{name} must be an ISO 8601 date-time", code="U003", path=name) from exc
    return parsed.replace(tzinfo=UTC)


def _consented_accounts(
    bank: CoreBank, scope: Scope, account_id: str | None
) -> list[AccountRecord]:
    ids = [scope.account(account_id)] if account_id is not None else list(scope.account_ids)
    records = bank.accounts(scope.customer_id, ids)
    if account_id is not None and not records:
        # Consented once but no longer the customer's: indistinguishable from unknown.
        raise unknown_resource("account")
    return records


def _card_by_account(cards: Sequence[CardRecord]) -> dict[str, CardRecord]:
    chosen: dict[str, CardRecord] = {}
    for card in cards:  # active cards come first for each account
        chosen.setdefault(card.account_id, card)
    return chosen


def accounts(bank: CoreBank, scope: Scope, account_id: str | None, url: str) -> dict[str, Any]:
    """Return ``OBReadAccount6`` for the consented accounts (or one of them)."""
    records = _consented_accounts(bank, scope, account_id)
    is_detail = detail(scope.permissions, "Accounts")
    credit_cards = [r.id for r in records if r.kind == "credit_card"]
    cards = bank.cards(credit_cards) if is_detail and credit_cards else []
    body = [
        wire.account(r, cards, detail=is_detail, read_pan=scope.has("ReadPAN")) for r in records
    ]
    return envelope({"Account": body}, self_url=url)


def balances(bank: CoreBank, scope: Scope, account_id: str | None, url: str) -> dict[str, Any]:
    """Return ``OBReadBalance1`` for the consented accounts (or one of them)."""
    now = utcnow()
    records = _consented_accounts(bank, scope, account_id)
    entries = [entry for r in records for entry in wire.balances(r, now)]
    return envelope({"Balance": entries}, self_url=url)


def transactions(
    bank: CoreBank,
    scope: Scope,
    account_id: str | None,
    page: PageRequest,
    *,
    booked_from: datetime | None,
    booked_to: datetime | None,
) -> dict[str, Any]:
    """Return one page of ``OBReadTransaction6``, newest first, within the consent's window."""
    ids = [scope.account(account_id)] if account_id is not None else list(scope.account_ids)
    if booked_from is not None and booked_to is not None and booked_from > booked_to:
        raise bad_request(
            "fromBookingDateTime must not be after toBookingDateTime",
            code="U003",
            path="fromBookingDateTime",
        )
    start = _latest(booked_from, scope.transaction_from)
    end = _earliest(booked_to, scope.transaction_to)
    query = TransactionQuery(
        account_ids=ids,
        booked_from=start,
        booked_to=end,
        credits=scope.has("ReadTransactionsCredits"),
        debits=scope.has("ReadTransactionsDebits"),
        limit=page.size + 1,  # one extra row says whether a next page exists
        offset=page.offset,
    )
    rows: list[TransactionRecord] = []
    if start is None or end is None or start <= end:
        rows = bank.transactions(query)
    has_next = len(rows) > page.size
    rows = rows[: page.size]
    if page.page == 1 and not has_next:
        # The whole result is in hand: no count query needed.
        count = len(rows)
        first = rows[-1].booked_at if rows else None
        last = rows[0].booked_at if rows else None
    else:
        summary = bank.transaction_summary(query)
        count, first, last = summary.count, summary.first_booked_at, summary.last_booked_at
    pages = total_pages(count, page.size)
    if page.page > pages:
        raise bad_request(f"page must be between 1 and {pages}", path="page")
    read_pan = scope.has("ReadPAN")
    cards: dict[str, CardRecord] = {}
    if any("card" in r.kind for r in rows):
        cards = _card_by_account(bank.cards(ids))
    is_detail = detail(scope.permissions, "Transactions")
    body = [
        wire.transaction(
            r,
            cards.get(r.account_id) if "card" in r.kind else None,
            detail=is_detail,
            read_pan=read_pan,
        )
        for r in rows
    ]
    return envelope(
        {"Transaction": body},
        self_url=page.url,
        pages=pages,
        links=paged_links(page, pages),
        first=first,
        last=last,
    )


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(a, b) if a is not None and b is not None else (a or b)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(a, b) if a is not None and b is not None else (a or b)


def beneficiaries(bank: CoreBank, scope: Scope, account_id: str | None, url: str) -> dict[str, Any]:
    """Return ``OBReadBeneficiary5`` for the consented accounts (or one of them)."""
    ids = [r.id for r in _consented_accounts(bank, scope, account_id)]
    is_detail = detail(scope.permissions, "Beneficiaries")
    read_pan = scope.has("ReadPAN")
    body = [
        wire.beneficiary(r, detail=is_detail, read_pan=read_pan) for r in bank.beneficiaries(ids)
    ]
    return envelope({"Beneficiary": body}, self_url=url)


def standing_orders(
    bank: CoreBank, scope: Scope, account_id: str | None, url: str
) -> dict[str, Any]:
    """Return ``OBReadStandingOrder6`` for the consented accounts (or one of them)."""
    ids = [r.id for r in _consented_accounts(bank, scope, account_id)]
    is_detail = detail(scope.permissions, "StandingOrders")
    read_pan = scope.has("ReadPAN")
    body = [
        wire.standing_order(r, detail=is_detail, read_pan=read_pan)
        for r in bank.standing_orders(ids)
    ]
    return envelope({"StandingOrder": body}, self_url=url)


def products(bank: CoreBank, scope: Scope, account_id: str | None, url: str) -> dict[str, Any]:
    """Return ``OBReadProduct2``: the product behind each consented account (or one of them)."""
    records = _consented_accounts(bank, scope, account_id)
    wanted = sorted({r.product_id for r in records if r.product_id})
    by_id = {p.id: p for p in bank.products(wanted)}
    body = [
        wire.product(r.id, by_id[r.product_id])
        for r in records
        if r.product_id and r.product_id in by_id
    ]
    return envelope({"Product": body}, self_url=url)


def account_party(
    bank: CoreBank, scope: Scope, account_id: str, url: str, base_url: str, *, many: bool
) -> dict[str, Any]:
    """Return the party that holds a consented account (``OBReadParty2`` or ``OBReadParty3``)."""
    _consented_accounts(bank, scope, account_id)
    record = bank.party(scope.customer_id)
    parties = [wire.party(record, account_id=account_id, base_url=base_url)] if record else []
    if many:
        return envelope({"Party": parties}, self_url=url)
    return envelope({"Party": parties[0]} if parties else {}, self_url=url)


def psu_party(bank: CoreBank, scope: Scope, url: str, base_url: str) -> dict[str, Any]:
    """Return the customer who authorised the consent (``OBReadParty2``)."""
    record = bank.party(scope.customer_id)
    data = {"Party": wire.party(record, account_id=None, base_url=base_url)} if record else {}
    return envelope(data, self_url=url)


def empty(
    bank: CoreBank, scope: Scope, account_id: str | None, url: str, key: str
) -> dict[str, Any]:
    """Return an empty listing for data the sandbox ledger does not hold (e.g. direct debits)."""
    if account_id is not None:
        _consented_accounts(bank, scope, account_id)
    return envelope({key: []}, self_url=url)


def no_statement(bank: CoreBank, scope: Scope, account_id: str) -> NoReturn:
    """Refuse every statement id: the sandbox ledger issues no statements."""
    _consented_accounts(bank, scope, account_id)
    raise unknown_resource("statement")
