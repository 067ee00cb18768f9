"""Task flows that read through the bank API and turn the answers into replies."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from wendu.assistant.dialogue.texts import say
from wendu.assistant.flows.api import BankApi

SHOWN = 5
# Merchant names the NLU recognises; a match on any alias filters by all of them.
MERCHANTS = (
    "星巴克|Starbucks",
    "麦当劳|McDonald's",
    "肯德基|KFC",
    "淘宝|Taobao",
    "京东|JD.com|JD",
    "美团|Meituan",
    "滴滴|DiDi",
    "盒马|Hema",
    "携程|Trip.com|Ctrip",
    "拼多多|Pinduoduo",
)


def merchant_names(entity: dict[str, Any] | None) -> list[str]:
    """Return every alias of the merchant an NLU entity names (or what it said)."""
    if entity is None:
        return []
    said = {str(entity.get("value", "")).lower(), str(entity.get("text", "")).lower()}
    for group in MERCHANTS:
        aliases = group.split("|")
        if said & {a.lower() for a in aliases}:
            return aliases
    return [n for n in said if n]


def _iso(day: date, end: bool = False) -> str:
    moment = datetime.combine(day, time.max if end else time.min).replace(microsecond=0)
    return moment.isoformat()


async def balance_lines(api: BankApi, lang: str) -> list[str]:
    """Return one line per consented account with its available and booked balance."""
    balances = await api.balances()
    if not balances:
        return [say("balance_none", lang)]
    by_account: dict[str, dict[str, Any]] = {}
    for entry in balances:
        sign = "-" if entry["CreditDebitIndicator"] == "Debit" else ""
        by_account.setdefault(entry["AccountId"], {})[entry["Type"]] = (
            f"{sign}{entry['Amount']['Amount']}",
            entry["Amount"]["Currency"],
        )
    lines = []
    for account_id, kinds in by_account.items():
        available = kinds.get("ITAV") or kinds.get("ITBD") or ("?", "")
        booked = kinds.get("ITBD") or available
        lines.append(
            say(
                "balance_line",
                lang,
                account="…" + account_id[-6:],
                available=available[0],
                booked=booked[0],
                currency=available[1],
            )
        )
    return ["\n".join(lines)]


def _matches(txn: dict[str, Any], names: list[str]) -> bool:
    if not names:
        return True
    haystack = " ".join(
        [
            txn.get("MerchantDetails", {}).get("MerchantName", ""),
            txn.get("TransactionInformation", ""),
        ]
    ).lower()
    return any(n and n.lower() in haystack for n in names)


def describe(txn: dict[str, Any]) -> dict[str, str]:
    """Return the facts of an OB transaction used in replies."""
    what = txn.get("MerchantDetails", {}).get("MerchantName") or txn.get(
        "TransactionInformation", txn["ProprietaryBankTransactionCode"]["Code"]
    )
    return {
        "date": txn["BookingDateTime"][:10],
        "amount": txn["Amount"]["Amount"],
        "currency": txn["Amount"]["Currency"],
        "sign": "-" if txn["CreditDebitIndicator"] == "Debit" else "+",
        "what": str(what),
        "ref": txn.get("TransactionReference", txn["TransactionId"]),
    }


def totals(rows: list[dict[str, Any]], lang: str) -> str:
    """Return money out and in over ``rows``, per currency ("out 12.50 CNY, in 0.00 CNY")."""
    sums: dict[str, list[Decimal]] = {}
    for txn in rows:
        out_in = sums.setdefault(txn["Amount"]["Currency"], [Decimal(0), Decimal(0)])
        out_in[0 if txn["CreditDebitIndicator"] == "Debit" else 1] += Decimal(
            txn["Amount"]["Amount"]
        )
    return say("list_separator", lang).join(
        say("tx_out_in", lang, out=f"{out:.2f}", into=f"{into:.2f}", currency=currency)
        for currency, (out, into) in sorted(sums.items())
    )


async def transaction_lines(
    api: BankApi, lang: str, start: date | None, end: date | None, merchants: list[str]
) -> list[str]:
    """Return the recent transactions, filtered by booking dates and merchant names."""
    rows = await api.transactions(
        _iso(start) if start else None, _iso(end, end=True) if end else None
    )
    rows = [t for t in rows if _matches(t, merchants)]
    filters = ""
    if start and end:
        filters += say("filter_dates", lang, start=start, end=end)
    if merchants:
        filters += say("filter_merchant", lang, merchant=merchants[0 if lang == "zh" else -1])
    if not rows:
        return [say("tx_none", lang, filters=filters)]
    lines = [say("tx_header", lang, n=len(rows), filters=filters)]
    if filters:  # "how much did I spend at Starbucks last month?": the sums answer it
        lines.append(say("tx_totals", lang, totals=totals(rows, lang)))
    for txn in rows[:SHOWN]:
        facts = describe(txn)
        lines.append(say("tx_line", lang, **facts))
    return ["\n".join(lines)]


async def find_transfer(api: BankApi, since: date, amount: str | None) -> dict[str, Any] | None:
    """Return the newest outgoing transfer since ``since`` (matching ``amount`` if given)."""
    rows = await api.transactions(_iso(since), None)
    for txn in rows:
        code = txn["ProprietaryBankTransactionCode"]["Code"].lower()
        if txn["CreditDebitIndicator"] != "Debit" or not (
            "transfer" in code or ("payment" in code and "card" not in code)
        ):
            continue
        if amount is None or _same_amount(txn, amount):
            return txn
    return None


async def find_transaction(
    api: BankApi, since: date, amount: str | None, merchants: list[str]
) -> dict[str, Any] | None:
    """Return the newest debit matching the amount and/or merchant (None without either)."""
    if amount is None and not merchants:
        return None
    for txn in await api.transactions(_iso(since), None, pages=5):
        if txn["CreditDebitIndicator"] != "Debit" or not _matches(txn, merchants):
            continue
        if amount is None or _same_amount(txn, amount):
            return txn
    return None


def _same_amount(txn: dict[str, Any], amount: str) -> bool:
    try:
        return abs(float(txn["Amount"]["Amount"]) - float(amount)) < 0.005
    except ValueError:
        return False


# What a customer calls each kind of product in the catalogue (zh and en).
PRODUCT_KINDS = {
    "current": re.compile(r"current account|checking|活期|结算账户", re.I),
    "savings": re.compile(r"sav(e|ing|er)|储蓄|存钱|攒钱", re.I),
    "deposit": re.compile(r"deposit|savings|定期|存款|存单", re.I),
    "wealth": re.compile(r"wealth|fund|invest|bond|equit|stock|理财|基金|投资|债券|股票", re.I),
    "loan": re.compile(r"loan|mortgage|borrow|贷款|房贷|车贷|借钱", re.I),
    "card": re.compile(r"credit card|信用卡", re.I),
}
_LOW_RISK = re.compile(r"low[- ]?risk|safe|conservative|stable|低风险|稳健|保本|安全|稳妥", re.I)
_HIGH_RISK = re.compile(r"high[- ]?(risk|return)|aggressive|高风险|高收益|激进", re.I)
PRODUCTS_SHOWN = 8
SHOWN_FIRST = ("wealth", "deposit", "savings", "current", "loan", "card")


def wanted_products(products: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Return the products the message asks about: the kinds it names, then its risk
    appetite (low: R1–R2, products without a risk level count as low; high: R4–R5).

    Nothing named (or nothing left): the whole catalogue. Listed in ``SHOWN_FIRST`` order,
    lower risk first.
    """
    kinds = {kind for kind, words in PRODUCT_KINDS.items() if words.search(text)}
    chosen = [p for p in products if not kinds or p["kind"] in kinds]
    if _LOW_RISK.search(text):
        chosen = [p for p in chosen if (p.get("risk_level") or "R1") <= "R2"]
    elif _HIGH_RISK.search(text):
        chosen = [p for p in chosen if (p.get("risk_level") or "R1") >= "R4"]
    if not chosen:
        chosen = products
    rank = {kind: i for i, kind in enumerate(SHOWN_FIRST)}
    return sorted(chosen, key=lambda p: (rank.get(p["kind"], len(rank)), p.get("risk_level") or ""))


async def product_lines(api: BankApi, lang: str, text: str = "") -> list[str]:
    """Return the products the customer asks about (see ``wanted_products``) in their
    language, with each wealth product's risk level."""
    products = wanted_products(await api.products(), text)
    lines = [say("products_header", lang)]
    for product in products[:PRODUCTS_SHOWN]:
        rate = product.get("interest_rate_percent")
        risk = product.get("risk_level")
        lines.append(
            "- "
            + say(
                "product_line",
                lang,
                name=product["name"].get(lang) or product["name"]["en"],
                kind=product["kind"] + (f", {risk}" if risk else ""),
                rate=f", {rate}%" if rate else "",
            )
        )
    return ["\n".join(lines)]
