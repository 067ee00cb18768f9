"""Expected figures, read through the bank's Open Banking API with the customer's token.

``period`` names a window of local dates in the bank's zone relative to ``today``:
``today``, ``yesterday``, ``this_week``, ``last_week`` (Monday to Sunday), ``this_month``,
``last_month``, ``last_N_days`` (N days ending today, today included), ``last_N_months``
(from the day after today N months ago to today), ``month_M`` (the latest month M not after
this month), ``this_year``, ``last_year``, ``all``. The window becomes aware UTC instants: from
local midnight of its first day to local midnight after its last.

"Spending" is money out, except money moved between the customer's own accounts (a card
repayment, a sweep to savings): a debit whose matching credit (same booking moment, amount
and description) lands on another of the customer's accounts.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

AISP = "/open-banking/v4.0/aisp"
_LAST_N = re.compile(r"^last_(\d{1,3})_days$")
_MONTH = re.compile(r"^month_(\d{1,2})$")
_LAST_MONTHS = re.compile(r"^last_(\d{1,2})_months$")


class OracleError(ValueError):
    """A story asks for a figure the oracle cannot define (a bad period, say)."""


def window(period: str, today: date) -> tuple[date, date] | None:
    """Return the local dates (first, last) ``period`` means on ``today`` (None: all)."""
    if period == "all":
        return None
    if period == "today":
        return today, today
    if period == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    monday = today - timedelta(days=today.weekday())
    if period == "this_week":
        return monday, today
    if period == "last_week":
        return monday - timedelta(days=7), monday - timedelta(days=1)
    first = today.replace(day=1)
    if period == "this_month":
        return first, today
    if period == "last_month":
        last = first - timedelta(days=1)
        return last.replace(day=1), last
    if m := _LAST_N.match(period):
        return today - timedelta(days=int(m.group(1)) - 1), today
    if m := _LAST_MONTHS.match(period):
        back = today.year * 12 + today.month - 1 - int(m.group(1))
        year, month = divmod(back, 12)
        dom = min(today.day, calendar.monthrange(year, month + 1)[1])
        return date(year, month + 1, dom) + timedelta(days=1), today
    if period == "this_year":
        return date(today.year, 1, 1), today
    if period == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if m := _MONTH.match(period):
        month = int(m.group(1))
        if not 1 <= month <= 12:
            raise OracleError(f"no month {month}")
        year = today.year if month <= today.month else today.year - 1
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    raise OracleError(f"unknown period {period!r}")


def instants(span: tuple[date, date], zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the aware UTC [start, end) of local dates ``span`` in ``zone``."""
    start = datetime.combine(span[0], time.min, zone).astimezone(UTC)
    end = datetime.combine(span[1] + timedelta(days=1), time.min, zone).astimezone(UTC)
    return start, end


def booked_at(txn: dict[str, Any]) -> datetime:
    """Return a transaction's booking moment as an aware datetime."""
    moment = datetime.fromisoformat(str(txn["BookingDateTime"]).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Figure:
    """An expected total and how many transactions make it."""

    total: Decimal
    count: int
    currency: str
    window: tuple[date, date] | None


def _leg(txn: dict[str, Any]) -> tuple[str, str, str]:
    return (
        str(txn["BookingDateTime"]),
        str(txn["Amount"]["Amount"]),
        str(txn.get("TransactionInformation", "")),
    )


def own_transfers(rows: list[dict[str, Any]]) -> set[str]:
    """Return the ids of debits whose credit leg lands on another of the customer's accounts."""
    credits: dict[tuple[str, str, str], set[str]] = {}
    for txn in rows:
        if txn["CreditDebitIndicator"] == "Credit":
            key = _leg(txn)
            credits.setdefault(key, set()).add(txn["AccountId"])
    own = set()
    for txn in rows:
        if txn["CreditDebitIndicator"] != "Debit":
            continue
        key = _leg(txn)
        if credits.get(key, set()) - {txn["AccountId"]}:
            own.add(txn["TransactionId"])
    return own


def merchant_of(txn: dict[str, Any]) -> str:
    """Return the merchant name the API gives a transaction ('' without one)."""
    return str(txn.get("MerchantDetails", {}).get("MerchantName", ""))


def spending(
    rows: Iterable[dict[str, Any]],
    span: tuple[date, date] | None,
    zone: ZoneInfo,
    *,
    merchant: str | None = None,
    info: str | None = None,
    direction: str = "out",
) -> Figure:
    """Return the money out (``direction='out'``, own transfers left out), in (``'in'``) or
    every movement (``'any'``: for counts) over the transactions in ``span``, at
    ``merchant`` if given (its exact name in the API), whose description contains ``info``
    if given."""
    rows = list(rows)
    own = own_transfers(rows)
    start, end = instants(span, zone) if span else (None, None)
    total = Decimal(0)
    count = 0
    currencies = set()
    for txn in rows:
        if start is not None and end is not None and not start <= booked_at(txn) < end:
            continue
        if merchant is not None and merchant_of(txn).lower() != merchant.lower():
            continue
        if info is not None and info.lower() not in txn.get("TransactionInformation", "").lower():
            continue
        if direction != "any":
            wanted = "Debit" if direction == "out" else "Credit"
            if txn["CreditDebitIndicator"] != wanted or txn["TransactionId"] in own:
                continue
        total += Decimal(txn["Amount"]["Amount"])
        count += 1
        currencies.add(txn["Amount"]["Currency"])
    if len(currencies) > 1:
        raise OracleError(f"the window mixes currencies {sorted(currencies)}")
    return Figure(total, count, next(iter(currencies), "CNY"), span)


def all_transactions(get: Any) -> list[dict[str, Any]]:
    """Return every transaction the token may read, following the API's pages."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        body = get(f"{AISP}/transactions", page=page)
        rows.extend(body["Data"].get("Transaction", []))
        if not body.get("Links", {}).get("Next") or page >= 200:
            return rows
        page += 1


def balances(get: Any) -> list[dict[str, Any]]:
    """Return each account with its kind and available balance: account_id, kind, nickname,
    currency, available (signed Decimal)."""
    accounts = get(f"{AISP}/accounts")["Data"].get("Account", [])
    found: dict[str, dict[str, Any]] = {}
    for entry in get(f"{AISP}/balances")["Data"].get("Balance", []):
        sign = -1 if entry["CreditDebitIndicator"] == "Debit" else 1
        amount = Decimal(entry["Amount"]["Amount"]) * sign
        slot = found.setdefault(entry["AccountId"], {})
        slot[entry["Type"]] = amount
    out = []
    for account in accounts:
        kinds = found.get(account["AccountId"], {})
        available = kinds.get("ITAV", kinds.get("ITBD"))
        out.append(
            {
                "account_id": account["AccountId"],
                "kind": _kind(account),
                "nickname": account.get("Nickname", ""),
                "currency": account.get("Currency", ""),
                "available": available,
                "booked": kinds.get("ITBD", available),
            }
        )
    return out


_KINDS = {"CACC": "current", "SVGS": "savings", "CARD": "credit_card", "LOAN": "loan"}


def _kind(account: dict[str, Any]) -> str:
    return _KINDS.get(str(account.get("AccountTypeCode", "")), "other")
