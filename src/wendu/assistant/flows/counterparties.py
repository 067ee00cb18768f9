"""The customer's own counterparties (merchants and payees), read through the API.

The merchants and payees a customer may name are the ones in *their* transactions: the
gazetteer is built per chat from the consent-scoped API (``GET /customer-api/v1/merchants``
for the merchants' English and Chinese names, and the transactions being answered for
payees), cached in the chat state for a while, and matched fuzzily (``nlu.gazetteer``).
There is no global merchant list: a word only becomes a merchant when this customer has
paid someone of that name.

Also here: which transactions are transfers between the customer's own accounts (a
savings sweep, a card repayment), so that "spending" leaves them out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from wendu.assistant.flows.api import ApiRefused, BankApi
from wendu.assistant.nlu.gazetteer import best_names, core_name, generic_only

CACHE_FOR = timedelta(minutes=15)
STATE_KEY = "counterparties"
# Transaction codes that move money between the customer's own accounts.
OWN_ACCOUNT_CODES = frozenset({"own_transfer", "card_repayment", "internal_transfer"})
_PAYEE = re.compile(
    r"^(?:transfer|payment|payee)\s+(?:to|from)\s+(?P<name>.+)$|^(?:转账?给|轉賬?俾|转入|来自)(?P<zh>.+)$",
    re.IGNORECASE,
)
_PURCHASE_CODES = ("purchase", "card_payment", "pos")
_HAN = re.compile(r"[\u3400-\u9fff]")


def groups_of(txn: dict[str, Any]) -> list[list[str]]:
    """Return the name groups a transaction can be asked about: its counterparty (the
    merchant's names, or the payee) and, for a transfer, its note ("房租 Rent" -> 房租,
    Rent), kept apart so that two friends paid with the same note stay two payees."""
    info = str(txn.get("TransactionInformation", "")).strip()
    groups = [names_of(txn)]
    if " · " in info and not txn.get("MerchantDetails"):
        note = info.rsplit(" · ", 1)[0].strip()
        han = "".join(_HAN.findall(note))
        latin = re.sub(r"\s+", " ", _HAN.sub(" ", note)).strip()
        groups.append([n for n in (han, latin) if len(n) >= 2])
    return [g for g in groups if g]


def names_of(txn: dict[str, Any]) -> list[str]:
    """Return the names a transaction's counterparty goes by (merchant, or payee)."""
    merchant = str(txn.get("MerchantDetails", {}).get("MerchantName", "")).strip()
    info = str(txn.get("TransactionInformation", "")).strip()
    code = str(txn.get("ProprietaryBankTransactionCode", {}).get("Code", "")).lower()
    names: list[str] = []
    if merchant:
        names.append(merchant)
        label = core_name(info)
        if _HAN.search(label) and not _HAN.search(merchant) and not generic_only(label):
            names.append(label)  # the Chinese name on a zh customer's statement ("蓝鲸咖啡")
    elif " · " in info:
        names.append(info.rsplit(" · ", 1)[1].strip())  # "房租 Rent · 王芳": the payee
    elif info and (payee := _PAYEE.match(info)):
        names.append((payee.group("name") or payee.group("zh") or "").strip())
    elif info and any(c in code for c in _PURCHASE_CODES):
        names.append(core_name(info))
    return [n for n in names if n]


def _merge(groups: list[list[str]]) -> list[list[str]]:
    """Merge groups that share a name (case-insensitively), keeping first-seen order."""
    merged: list[list[str]] = []
    index: dict[str, int] = {}
    for group in groups:
        keys = [n.lower() for n in group]
        at = next((index[k] for k in keys if k in index), None)
        if at is None:
            at = len(merged)
            merged.append([])
        for name, key in zip(group, keys, strict=True):
            if key not in index:
                index[key] = at
                merged[at].append(name)
    return [g for g in merged if g]


async def merchant_groups(api: BankApi, state: dict[str, Any], now: datetime) -> list[list[str]]:
    """Return the customer's merchants as name groups (English and Chinese names), from
    the chat state when read less than ``CACHE_FOR`` ago, else from the API."""
    cached = state.get(STATE_KEY) or {}
    try:
        fresh = now - datetime.fromisoformat(cached.get("at", "")) < CACHE_FOR
    except (TypeError, ValueError):
        fresh = False
    if fresh:
        return [list(g) for g in cached.get("groups", [])]
    try:
        merchants = await api.merchants()
    except ApiRefused:
        merchants = []
    groups = _merge(
        [[m["name"], *([core_name(m["name_zh"])] if m.get("name_zh") else [])] for m in merchants]
    )
    state[STATE_KEY] = {"at": now.isoformat(), "groups": groups}
    return groups


def gazetteer(merchants: list[list[str]], rows: list[dict[str, Any]]) -> list[list[str]]:
    """Return the name groups of the customer's merchants and of the counterparties in
    ``rows`` (payees, and merchants the cached list does not know yet)."""
    return _merge([*merchants, *(g for t in rows for g in groups_of(t))])


def ground(text: str, groups: list[list[str]]) -> list[list[str]]:
    """Return the groups the customer names in ``text`` (several when equally named)."""
    return [groups[m.group] for m in best_names(text, groups)]


def at_counterparty(txn: dict[str, Any], groups: list[list[str]]) -> bool:
    """Return True when the transaction's counterparty is one of ``groups``."""
    wanted = {n.lower() for g in groups for n in g}
    return any(n.lower() in wanted for g in groups_of(txn) for n in g)


def own_transfers(rows: list[dict[str, Any]]) -> set[str]:
    """Return the ids of transactions between the customer's own accounts: codes that say
    so (card repayment, own transfer) and the two legs of one transfer seen on two of the
    consented accounts (same moment, amount, currency and reference, opposite sides)."""
    own = {
        t["TransactionId"]
        for t in rows
        if t.get("ProprietaryBankTransactionCode", {}).get("Code", "").lower() in OWN_ACCOUNT_CODES
    }
    legs: dict[tuple[str, str, Decimal, str], list[dict[str, Any]]] = defaultdict(list)
    for t in rows:
        key = (
            t["BookingDateTime"],
            t["Amount"]["Currency"],
            Decimal(t["Amount"]["Amount"]),
            t.get("TransactionReference", ""),
        )
        legs[key].append(t)
    for group in legs.values():
        debits = [t for t in group if t["CreditDebitIndicator"] == "Debit"]
        credits = [t for t in group if t["CreditDebitIndicator"] != "Debit"]
        for debit in debits:
            partner = next((c for c in credits if c["AccountId"] != debit["AccountId"]), None)
            if partner is not None:
                credits.remove(partner)
                own.update({debit["TransactionId"], partner["TransactionId"]})
    return own


# A merchant the customer names that is not among their counterparties ("at Starbucks",
# "在星巴克花了多少"): said so, rather than answered with every transaction.
_NAMED_EN = re.compile(r"\b(?:at|from|with)\s+(?P<name>[A-Z][\w'&.-]*(?:\s+[A-Z][\w'&.-]*){0,3})")
_NAMED_ZH = re.compile(
    r"在(?P<name>[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z0-9·&' ]{1,11}?)"
    r"(?:上|里|裡|度)?(?:花|消费|消費|买|買|刷|付|使|吃|喝|的消费|的消費|的交易|的支出)"
)
_NOT_NAMES = re.compile(
    r"^(?:网上|網上|外面|这|這|那|哪|家|店|线上|線上|国外|國外|境外|本月|今天|昨天|这里|這裡|"
    r"I|The|My|This|That|All|Home|Work|Least|Most|Once|Last|Weekend)",
)


def unknown_named(text: str, spans: list[tuple[int, int]]) -> str | None:
    """Return a merchant-like name the message gives ("at Starbucks") outside ``spans``
    (dates, amounts, cards already read), for "no transactions at Starbucks"."""
    for pattern in (_NAMED_EN, _NAMED_ZH):
        for m in pattern.finditer(text):
            start, end = m.start("name"), m.end("name")
            if any(start < e and s < end for s, e in spans):
                continue
            name = m.group("name").strip()
            if name and not _NOT_NAMES.match(name):
                return name
    return None
