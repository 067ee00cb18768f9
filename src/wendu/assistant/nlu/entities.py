"""Rule-based entity extraction for zh and en: amounts, dates, accounts/cards, merchants.

Offsets (``start``/``end``) index the original text. Matching runs on a copy folded
character by character (full-width to half-width, lower case) so offsets survive.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from wendu.assistant.nlu.dates import resolve_all
from wendu.assistant.nlu.gazetteer import best_names
from wendu.assistant.nlu.numbers import (
    EN_NUMBER_WORDS,
    ZH_NUMERAL_CHARS,
    format_decimal,
    parse_number,
)


@dataclass(frozen=True)
class Entity:
    """One extracted entity in Rasa's shape, with type-specific extras."""

    entity: str
    value: str
    start: int
    end: int
    text: str
    extras: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the Rasa-style JSON object (extras as additional keys)."""
        out: dict[str, Any] = {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }
        out.update(self.extras)
        return out


def fold(text: str) -> str:
    """Fold full-width forms and case without changing the string's length."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch).lower()
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


# ---------------------------------------------------------------- amounts

_CURRENCY_WORDS = {
    "元": "CNY", "块钱": "CNY", "块": "CNY", "塊錢": "CNY", "塊": "CNY", "圓": "CNY",
    "蚊": "HKD", "港幣": "HKD", "英鎊": "GBP", "歐元": "EUR",
    "人民币": "CNY", "rmb": "CNY", "cny": "CNY",
    "yuan": "CNY", "美元": "USD", "美金": "USD", "刀": "USD", "usd": "USD", "dollars": "USD",
    "dollar": "USD", "bucks": "USD", "英镑": "GBP", "gbp": "GBP", "pounds": "GBP",
    "pound": "GBP", "quid": "GBP", "欧元": "EUR", "eur": "EUR", "euros": "EUR",
    "euro": "EUR", "港币": "HKD", "港元": "HKD", "hkd": "HKD", "日元": "JPY", "yen": "JPY",
    "jpy": "JPY",
}  # fmt: skip
_CURRENCY_PREFIX = {
    "¥": "CNY",
    "$": "USD",
    "£": "GBP",
    "€": "EUR",
    "hk$": "HKD",
    "us$": "USD",
    "rmb": "CNY",
    "cny": "CNY",
    "usd": "USD",
    "gbp": "GBP",
    "eur": "EUR",
    "hkd": "HKD",
}

_DIGITS = r"\d[\d,]*(?:\.\d+)?(?:\s?(?:k|w|m|million|thousand)\b|[千万萬亿])?"
_ZH_NUM = f"[{ZH_NUMERAL_CHARS}]+"
_EN_NUM = r"(?:(?:{})(?:[\s-]+(?:and\s+)?)?)+".format("|".join(EN_NUMBER_WORDS))
_SUFFIX_WORDS = "|".join(sorted(map(re.escape, _CURRENCY_WORDS), key=len, reverse=True))
_PREFIX_WORDS = "|".join(sorted(map(re.escape, _CURRENCY_PREFIX), key=len, reverse=True))

_AMOUNT_PREFIX_RE = re.compile(
    rf"(?<![a-z])(?P<cur>{_PREFIX_WORDS})\s?(?P<num>{_DIGITS})", re.ASCII
)
_AMOUNT_SUFFIX_RE = re.compile(
    rf"(?<![a-z0-9.,])(?P<num>{_DIGITS}|{_ZH_NUM}|\b{_EN_NUM})\s?(?P<cur>{_SUFFIX_WORDS})(?![a-z])",
    re.ASCII,
)


def find_amounts(text: str) -> list[Entity]:
    """Find money amounts such as ¥100, 100元, 一百元, 3.5万元, $20, 20 pounds, £12.50."""
    folded = fold(text)
    found: list[Entity] = []
    for pattern, table in (
        (_AMOUNT_PREFIX_RE, _CURRENCY_PREFIX),
        (_AMOUNT_SUFFIX_RE, _CURRENCY_WORDS),
    ):
        for m in pattern.finditer(folded):
            raw = m.group("num").strip().rstrip("-").strip()
            value = parse_number(re.sub(r"\s+", "", raw) if raw[:1].isdigit() else raw)
            if value is None or value <= 0:
                continue
            start, end = m.start(), m.end()
            if m.group("num") != raw:  # trailing separators captured by the word pattern
                start = m.start("num") if pattern is _AMOUNT_SUFFIX_RE else start
            currency = table[m.group("cur")]
            found.append(
                Entity(
                    "amount",
                    format_decimal(value),
                    start,
                    end,
                    text[start:end],
                    {"currency": currency},
                )
            )
    found.extend(_bare_amounts(folded, text))
    return found


# Money said without a currency: a number with cents ("29.83"), or a number next to a money
# word ("花了129", "扣了 56", "the 129 charge", "paid 45"). Bare integers elsewhere (card
# digits, counts, days) are not amounts.
_BARE_CENTS_RE = re.compile(
    r"(?<![\d.,:/-])(?P<num>\d{1,3}(?:,\d{3})+\.\d{2}|\d{1,9}\.\d{2})(?![\d.%])", re.ASCII
)
_MONEY_BEFORE_RE = re.compile(
    r"(?:花了?|付了?|扣了?|扣款|转了?|轉了?|退了?|收了?|消费了?|消費了?|支付了?|刷了?|充了?|"
    r"俾咗|畀咗|使咗|金额|金額|\b(?:paid|pay|charged?|spent|spend|cost|refund(?:ed)?|"
    r"amount\s+of|for|of|the)\s+)\s*(?P<num>\d{1,9}(?:\.\d{1,2})?)(?![\d.%:/a-z-])"
    r"(?!\s*(?:days?|weeks?|months?|years?|hours?|minutes?|times?|am|pm|天|日|号|號|月|年|次|个|個|笔|筆|张|張|位|%))",
    re.ASCII,
)
_MONEY_AFTER_RE = re.compile(
    r"(?<![\d.,:/-])(?P<num>\d{1,9}(?:\.\d{1,2})?)\s*"
    r"(?=(?:的|嘅)?(?:那笔|那筆|嗰笔|嗰筆|这笔|這筆|的消费|的消費|的扣款|的交易|的款|块|塊)|"
    r"\s*(?:charge|payment|transaction|purchase|debit|refund)s?\b)",
    re.ASCII,
)


def _bare_amounts(folded: str, text: str) -> list[Entity]:
    found = []
    for pattern in (_BARE_CENTS_RE, _MONEY_BEFORE_RE, _MONEY_AFTER_RE):
        for m in pattern.finditer(folded):
            value = parse_number(m.group("num"))
            if value is None or value <= 0:
                continue
            start, end = m.start("num"), m.end("num")
            found.append(Entity("amount", format_decimal(value), start, end, text[start:end]))
    return found


# ---------------------------------------------------------------- dates


def find_dates(text: str, today: date) -> list[Entity]:
    """Find dates and periods, resolved against TODAY (a local calendar day), as ISO dates
    (``date``) or inclusive ranges (``date_range`` with ``start_date``/``end_date``)."""
    found: list[Entity] = []
    for start, end, resolved in resolve_all(fold(text), today):
        span = text[start:end]
        if isinstance(resolved, tuple):
            first, last = resolved
            value = f"{first.isoformat()}/{last.isoformat()}"
            extras = {"start_date": first.isoformat(), "end_date": last.isoformat()}
            found.append(Entity("date_range", value, start, end, span, extras))
        else:
            found.append(Entity("date", resolved.isoformat(), start, end, span))
    return _resolve_overlaps(found)  # "上周五" is Friday, not the week of "上周"


# ---------------------------------------------------------------- accounts and cards

_TYPES_EN = {
    "savings": "savings",
    "saving": "savings",
    "current": "current",
    "checking": "current",
    "cheque": "current",
    "credit": "credit_card",
    "debit": "debit_card",
    "virtual": "virtual_card",
    "salary": "salary_card",
}
_TYPES_ZH = {
    "储蓄账户": "savings",
    "储蓄帐户": "savings",
    "活期账户": "current",
    "活期帐户": "current",
    "定期账户": "fixed_deposit",
    "定期存款": "fixed_deposit",
    "信用卡": "credit_card",
    "借记卡": "debit_card",
    "借記卡": "debit_card",
    "儲蓄卡": "debit_card",
    "储蓄卡": "debit_card",
    "工资卡": "salary_card",
    "虚拟卡": "virtual_card",
}
_TYPE_WORDS_EN = "|".join(_TYPES_EN)
_LAST4_EN_RE = re.compile(
    rf"\b(?:(?P<type>{_TYPE_WORDS_EN})\s+)?(?P<kind>card|account|acct)\b"
    r"(?:\s+(?:number|no\.?))?\s*(?:(?:that\s+)?(?:ending|ends|ended)\s*(?:in|with)?\s*"
    r"|with\s+(?:the\s+)?last\s+(?:4|four)\s+digits\s*(?:of\s*)?|[*x]+\s*)"
    r"(?P<last4>\d{4})(?!\d)",
    re.ASCII,
)
_ENDING_EN_RE = re.compile(r"\b(?:ending|ends)\s*(?:in|with)?\s*(?P<last4>\d{4})(?!\d)", re.ASCII)
_LAST4_ZH_RE = re.compile(
    r"(?:卡号|卡號|账号|帐号|賬號)?(?:尾号|尾號|后四位|後四位|末四位|尾数|尾數|最后四位|最後四位)"
    r"(?:为|為|是|係)?\s*(?P<last4>\d{4})(?!\d)"
    r"(?:的)?(?P<kind>信用卡|借记卡|借記卡|储蓄卡|儲蓄卡|工资卡|銀行卡|银行卡|卡|账户|帳戶|帐户)?"
)
# "2956嗰張", "3582那张卡", "3582的卡": four digits said right before the card itself.
_LAST4_BEFORE_ZH_RE = re.compile(
    r"(?<!\d)(?P<last4>\d{4})(?!\d)\s*(?:嗰|那|这|這|的)?(?P<kind>張卡|张卡|張|张|卡)"
)
# Card schemes: "the Visa one", "my Mastercard", "银联卡".
_BRANDS = {
    "visa": "Visa", "mastercard": "Mastercard", "master card": "Mastercard",
    "unionpay": "UnionPay", "union pay": "UnionPay", "银联": "UnionPay", "銀聯": "UnionPay",
    "amex": "American Express", "american express": "American Express", "jcb": "JCB",
}  # fmt: skip
_BRAND_RE = re.compile(
    r"(?<![a-z])(?P<brand>{})(?![a-z])".format(
        "|".join(sorted(map(re.escape, _BRANDS), key=len, reverse=True))
    )
)
_TYPE_EN_RE = re.compile(
    rf"\b(?P<type>{_TYPE_WORDS_EN})\s+(?P<kind>account|acct|card)s?\b", re.ASCII
)
_TYPE_ZH_RE = re.compile("|".join(sorted(_TYPES_ZH, key=len, reverse=True)))


def find_accounts(text: str) -> list[Entity]:
    """Find card/account references: last four digits or an account or card type."""
    folded = fold(text)
    found: list[Entity] = []
    for pattern in (_LAST4_EN_RE, _ENDING_EN_RE, _LAST4_ZH_RE, _LAST4_BEFORE_ZH_RE):
        for m in pattern.finditer(folded):
            groups = m.groupdict()
            kind_word = groups.get("kind") or "card"
            kind = "account" if kind_word in {"account", "acct", "账户", "帐户", "帳戶"} else "card"
            extras = {"kind": kind, "last4": m.group("last4")}
            type_word = groups.get("type")
            if type_word:
                extras["account_type"] = _TYPES_EN[type_word]
            elif kind_word in _TYPES_ZH:
                extras["account_type"] = _TYPES_ZH[kind_word]
            span = text[m.start() : m.end()]
            value = f"*{m.group('last4')}"
            found.append(Entity("account", value, m.start(), m.end(), span, extras))
    for m in _TYPE_EN_RE.finditer(folded):
        kind = "card" if m.group("kind") == "card" else "account"
        value = _TYPES_EN[m.group("type")]
        if kind == "account" and value.endswith("_card"):
            continue  # "credit account" is not a card product
        if kind == "card" and value in {"savings", "current"}:
            value = "debit_card"
        span = text[m.start() : m.end()]
        found.append(
            Entity(
                "account", value, m.start(), m.end(), span, {"kind": kind, "account_type": value}
            )
        )
    for m in _BRAND_RE.finditer(folded):
        brand = _BRANDS[m.group("brand")]
        span = text[m.start() : m.end()]
        extras = {"kind": "card", "brand": brand}
        found.append(Entity("account", brand, m.start(), m.end(), span, extras))
    for m in _TYPE_ZH_RE.finditer(folded):
        value = _TYPES_ZH[m.group(0)]
        kind = "card" if value.endswith("_card") else "account"
        found.append(
            Entity(
                "account",
                value,
                m.start(),
                m.end(),
                m.group(0),
                {"kind": kind, "account_type": value},
            )
        )
    return found


# ---------------------------------------------------------------- merchants


def find_merchants(text: str, merchants: Sequence[str | Sequence[str]]) -> list[Entity]:
    """Find merchants from a gazetteer: each entry is one counterparty's names, as a list or
    as "星巴克|Starbucks"; the first name is the canonical value. Matching is fuzzy and
    partial (see ``nlu.gazetteer``); names that tie for the best match are all returned,
    each with ``group`` (its index in MERCHANTS) and ``score``."""
    groups = [
        [n.strip() for n in (entry.split("|") if isinstance(entry, str) else entry) if n.strip()]
        for entry in merchants
    ]
    found = []
    for match in best_names(text, groups):
        start, end = match.start, match.end
        extras = {"score": f"{match.score:.2f}", "group": str(match.group)}
        canonical = groups[match.group][0]
        found.append(Entity("merchant", canonical, start, end, text[start:end], extras))
    return found


# ---------------------------------------------------------------- all together


def _resolve_overlaps(entities: list[Entity]) -> list[Entity]:
    """Keep the longest of overlapping entities (earliest first on ties)."""
    kept: list[Entity] = []
    for ent in sorted(entities, key=lambda e: (-(e.end - e.start), e.start)):
        if all(ent.end <= k.start or ent.start >= k.end for k in kept):
            kept.append(ent)
    return sorted(kept, key=lambda e: e.start)


def today_in(now: date | datetime | None) -> date:
    """Return the calendar day of NOW as the caller gives it.

    Pass the bank's *local* now (``BankClock.now()``: an aware datetime in
    ``Settings.timezone``) or a local date; its own date is used, never converted, so
    this module needs no time zone. Without NOW, the machine's local day (CLI use only).
    """
    if now is None:
        return datetime.now().astimezone().date()
    if isinstance(now, datetime):
        return now.date()
    return now


def extract_entities(
    text: str,
    *,
    merchants: Sequence[str | Sequence[str]] = (),
    now: date | datetime | None = None,
) -> list[Entity]:
    """Extract amounts, dates, account references and merchants from TEXT."""
    today = today_in(now)
    candidates = [
        *find_amounts(text),
        *find_dates(text, today),
        *find_accounts(text),
        *find_merchants(text, merchants),
    ]
    return _resolve_overlaps(candidates)


def amount_value(entity: Entity) -> Decimal:
    """Return an amount entity's value as a Decimal."""
    return Decimal(entity.value)
