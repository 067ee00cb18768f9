"""Rule-based entity extraction for zh and en: amounts, dates, accounts/cards, merchants.

Offsets (``start``/``end``) index the original text. Matching runs on a copy folded
character by character (full-width to half-width, lower case) so offsets survive.
"""

from __future__ import annotations

import calendar
import difflib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from wendu.assistant.nlu.numbers import (
    EN_NUMBER_WORDS,
    ZH_NUMERAL_CHARS,
    format_decimal,
    parse_number,
)

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


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
    "元": "CNY", "块钱": "CNY", "块": "CNY", "人民币": "CNY", "rmb": "CNY", "cny": "CNY",
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

_AMOUNT_PREFIX_RE = re.compile(rf"(?<![a-z])(?P<cur>{_PREFIX_WORDS})\s?(?P<num>{_DIGITS})")
_AMOUNT_SUFFIX_RE = re.compile(
    rf"(?<![a-z0-9.,])(?P<num>{_DIGITS}|{_ZH_NUM}|\b{_EN_NUM})\s?(?P<cur>{_SUFFIX_WORDS})(?![a-z])"
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
    # "3.5万元" style amounts without a currency marker are ambiguous; leave them.
    return found


# ---------------------------------------------------------------- dates

_WEEKDAYS_EN = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
_WEEKDAYS_ZH = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "末": 5,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
    "5": 4,
    "6": 5,
    "7": 6,
}
_MONTHS_EN = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS_EN.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS_EN["sept"] = 9
_UNITS = {
    "day": "d",
    "days": "d",
    "天": "d",
    "日": "d",
    "week": "w",
    "weeks": "w",
    "周": "w",
    "星期": "w",
    "礼拜": "w",
    "个星期": "w",
    "个礼拜": "w",
    "month": "m",
    "months": "m",
    "个月": "m",
    "月": "m",
    "year": "y",
    "years": "y",
    "年": "y",
}


def _shift(today: date, n: int, unit: str) -> date:
    if unit == "d":
        return today - timedelta(days=n)
    if unit == "w":
        return today - timedelta(weeks=n)
    months = n * (12 if unit == "y" else 1)
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def _closest_year(today: date, month: int, day: int) -> date | None:
    """Pick this year's month/day, or last year's when it lies over a month ahead.

    Customers mostly ask about the past ("3月5日的消费"), but "12月5日" asked in late
    November is the coming date.
    """
    this_year = _make_date(today.year, month, day)
    if this_year is not None and (this_year - today).days <= 31:
        return this_year
    return _make_date(today.year - 1, month, day)


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _small_number(text: str) -> int | None:
    value = parse_number(text)
    return int(value) if value is not None and value == int(value) else None


Resolver = Callable[[re.Match[str], date], "date | tuple[date, date] | None"]
_NUM = rf"\d{{1,3}}|[{ZH_NUMERAL_CHARS}]{{1,4}}|{_EN_NUM.rstrip('+')}+?"


def _month_range(first: date) -> tuple[date, date]:
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _week_start(today: date, offset_weeks: int) -> date:
    return today - timedelta(days=today.weekday()) + timedelta(weeks=offset_weeks)


def _weekday_en(m: re.Match[str], today: date) -> date:
    wd = _WEEKDAYS_EN[m.group("wd")]
    rel = m.group("rel")
    if rel == "last":  # the most recent such day strictly before today
        return today - timedelta(days=(today.weekday() - wd - 1) % 7 + 1)
    if rel == "next":  # the first such day strictly after today
        return today + timedelta(days=(wd - today.weekday() - 1) % 7 + 1)
    return _week_start(today, 0) + timedelta(days=wd)


def _weekday_zh(m: re.Match[str], today: date) -> date:
    offset = {"上": -1, "上上": -2, "下": 1, "这": 0, "本": 0, "": 0}[m.group("rel") or ""]
    return _week_start(today, offset) + timedelta(days=_WEEKDAYS_ZH[m.group("wd")])


def _ago(m: re.Match[str], today: date) -> date | None:
    n = _small_number(m.group("n"))
    return None if n is None else _shift(today, n, _UNITS[m.group("unit")])


def _period(kind: str, offset: int) -> Resolver:
    def resolve(m: re.Match[str], today: date) -> tuple[date, date]:
        if kind == "w":
            start = _week_start(today, offset)
            return start, start + timedelta(days=6)
        year, month = divmod(today.year * 12 + today.month - 1 + offset, 12)
        return _month_range(date(year, month + 1, 1))

    return resolve


def _md(m: re.Match[str], today: date) -> date | None:
    month, day = _small_number(m.group("m")), _small_number(m.group("d"))
    if month is None or day is None:
        return None
    year = m.groupdict().get("y")
    return _make_date(int(year), month, day) if year else _closest_year(today, month, day)


def _md_en(m: re.Match[str], today: date) -> date | None:
    month = _MONTHS_EN[m.group("mon")]
    day = int(m.group("d"))
    year = m.group("y")
    return _make_date(int(year), month, day) if year else _closest_year(today, month, day)


_WD_EN = "|".join(sorted(_WEEKDAYS_EN, key=len, reverse=True))
_MON_EN = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
_DATE_RULES: list[tuple[re.Pattern[str], Resolver]] = [
    (re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"), _md),
    (
        re.compile(
            rf"(?<!\d)(?:(?P<y>\d{{4}})年)?(?P<m>\d{{1,2}}|[{ZH_NUMERAL_CHARS}]{{1,3}})月"
            rf"(?P<d>\d{{1,2}}|[{ZH_NUMERAL_CHARS}]{{1,3}})[日号號]"
        ),
        _md,
    ),
    (
        re.compile(
            rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon>{_MON_EN})\b\.?"
            rf"(?:,?\s+(?P<y>\d{{4}}))?"
        ),
        _md_en,
    ),
    (
        re.compile(rf"\b(?P<mon>{_MON_EN})\.?\s+(?P<d>\d{{1,2}}){_ORD}\b(?:,?\s+(?P<y>\d{{4}}))?"),
        _md_en,
    ),
    (re.compile(r"\b(?:the\s+)?day\s+before\s+yesterday\b"), lambda m, t: t - timedelta(days=2)),
    (re.compile(r"\bday\s+after\s+tomorrow\b"), lambda m, t: t + timedelta(days=2)),
    (re.compile(r"\b(?:today|tonight|this\s+morning|this\s+afternoon)\b"), lambda m, t: t),
    (re.compile(r"\byesterday\b"), lambda m, t: t - timedelta(days=1)),
    (re.compile(r"\btomorrow\b"), lambda m, t: t + timedelta(days=1)),
    (re.compile(rf"\b(?P<rel>last|this|next)\s+(?P<wd>{_WD_EN})\b"), _weekday_en),
    (
        re.compile(
            rf"\b(?P<n>\d{{1,3}}|{_EN_NUM})\s*(?P<unit>days?|weeks?|months?|years?)\s+ago\b"
        ),
        _ago,
    ),
    (re.compile(r"\blast\s+week\b"), _period("w", -1)),
    (re.compile(r"\bthis\s+week\b"), _period("w", 0)),
    (re.compile(r"\blast\s+month\b"), _period("m", -1)),
    (re.compile(r"\bthis\s+month\b"), _period("m", 0)),
    (re.compile(r"大前天"), lambda m, t: t - timedelta(days=3)),
    (re.compile(r"前天"), lambda m, t: t - timedelta(days=2)),
    (re.compile(r"昨天|昨日|昨晚"), lambda m, t: t - timedelta(days=1)),
    (re.compile(r"今天|今日|今儿|今早|今晚"), lambda m, t: t),
    (re.compile(r"明天|明日"), lambda m, t: t + timedelta(days=1)),
    (re.compile(r"后天"), lambda m, t: t + timedelta(days=2)),
    (
        re.compile(r"(?P<rel>上上|上|这|本|下)?个?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])"),
        _weekday_zh,
    ),
    (
        re.compile(
            rf"(?P<n>\d{{1,3}}|[{ZH_NUMERAL_CHARS}]{{1,4}})\s*"
            r"(?P<unit>天|日|个星期|个礼拜|周|星期|礼拜|个月|年)(?:以前|之前|前)"
        ),
        _ago,
    ),
    (re.compile(r"上个?(?:周|星期|礼拜)"), _period("w", -1)),
    (re.compile(r"(?:这|本)个?(?:周|星期|礼拜)"), _period("w", 0)),
    (re.compile(r"上个?月"), _period("m", -1)),
    (re.compile(r"(?:这个|本)月"), _period("m", 0)),
]


def find_dates(text: str, today: date) -> list[Entity]:
    """Find dates and periods, resolved against TODAY, as ISO dates (or start/end)."""
    folded = fold(text)
    found: list[Entity] = []
    for pattern, resolve in _DATE_RULES:
        for m in pattern.finditer(folded):
            resolved = resolve(m, today)
            if resolved is None:
                continue
            span = text[m.start() : m.end()]
            if isinstance(resolved, tuple):
                start, end = resolved
                value = f"{start.isoformat()}/{end.isoformat()}"
                extras = {"start_date": start.isoformat(), "end_date": end.isoformat()}
                found.append(Entity("date_range", value, m.start(), m.end(), span, extras))
            else:
                found.append(Entity("date", resolved.isoformat(), m.start(), m.end(), span))
    return found


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
    "储蓄卡": "debit_card",
    "工资卡": "salary_card",
    "虚拟卡": "virtual_card",
}
_TYPE_WORDS_EN = "|".join(_TYPES_EN)
_LAST4_EN_RE = re.compile(
    rf"\b(?:(?P<type>{_TYPE_WORDS_EN})\s+)?(?P<kind>card|account|acct)\b"
    r"(?:\s+(?:number|no\.?))?\s*(?:(?:that\s+)?(?:ending|ends|ended)\s*(?:in|with)?\s*"
    r"|with\s+(?:the\s+)?last\s+(?:4|four)\s+digits\s*(?:of\s*)?|[*x]+\s*)"
    r"(?P<last4>\d{4})(?!\d)"
)
_ENDING_EN_RE = re.compile(r"\b(?:ending|ends)\s*(?:in|with)?\s*(?P<last4>\d{4})(?!\d)")
_LAST4_ZH_RE = re.compile(
    r"(?:卡号|账号|帐号)?(?:尾号|后四位|末四位|尾数)(?:为|是)?\s*(?P<last4>\d{4})(?!\d)"
    r"(?:的)?(?P<kind>信用卡|借记卡|储蓄卡|工资卡|银行卡|卡|账户|帐户)?"
)
_TYPE_EN_RE = re.compile(rf"\b(?P<type>{_TYPE_WORDS_EN})\s+(?P<kind>account|acct|card)s?\b")
_TYPE_ZH_RE = re.compile("|".join(sorted(_TYPES_ZH, key=len, reverse=True)))


def find_accounts(text: str) -> list[Entity]:
    """Find card/account references: last four digits or an account or card type."""
    folded = fold(text)
    found: list[Entity] = []
    for pattern in (_LAST4_EN_RE, _ENDING_EN_RE, _LAST4_ZH_RE):
        for m in pattern.finditer(folded):
            groups = m.groupdict()
            kind_word = groups.get("kind") or "card"
            kind = "account" if kind_word in {"account", "acct", "账户", "帐户"} else "card"
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

_WORD_RE = re.compile(r"[a-z0-9][a-z0-9'’&.-]*")


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9\u3400-\u9fff]", "", fold(text))


def find_merchants(text: str, merchants: Sequence[str], min_ratio: float = 0.85) -> list[Entity]:
    """Find merchants from a gazetteer; "星巴克|Starbucks" lists aliases, first is canonical.

    Chinese names match as substrings; Latin names match whole words ignoring case,
    spacing and punctuation ("McDonalds" finds "McDonald's"), and with small typos
    ("starbuks") when the name has four or more letters.
    """
    folded = fold(text)
    words = [
        (m.start(), m.end(), _squash(re.sub(r"['’]s$", "", m.group(0))))
        for m in _WORD_RE.finditer(folded)
    ]
    found: list[Entity] = []
    for entry in merchants:
        names = [n.strip() for n in entry.split("|") if n.strip()]
        if not names:
            continue
        canonical = names[0]
        for name in names:
            key = _squash(name)
            if not key:
                continue
            if re.search(r"[\u3400-\u9fff]", key):
                for m in re.finditer(re.escape(fold(name)), folded):
                    found.append(
                        Entity("merchant", canonical, m.start(), m.end(), text[m.start() : m.end()])
                    )
                continue
            n_tokens = max(1, len(_WORD_RE.findall(fold(name))))
            matches: list[tuple[float, int, int]] = []
            for size in {n_tokens, n_tokens + 1, max(1, n_tokens - 1)}:
                for i in range(len(words) - size + 1):
                    window = words[i : i + size]
                    joined = "".join(w for _, _, w in window)
                    if joined == key:
                        score = 1.0
                    elif len(key) >= 4 and abs(len(joined) - len(key)) <= 2:
                        score = difflib.SequenceMatcher(None, joined, key).ratio()
                    else:
                        continue
                    if score >= min_ratio:
                        matches.append((score, window[0][0], window[-1][1]))
            # Best score first, then the tightest span, so "to mcdonald's" loses to "mcdonald's".
            taken: list[tuple[int, int]] = []
            for score, start, end in sorted(matches, key=lambda m: (-m[0], m[2] - m[1])):
                if all(end <= s or start >= e for s, e in taken):
                    taken.append((start, end))
                    found.append(
                        Entity(
                            "merchant",
                            canonical,
                            start,
                            end,
                            text[start:end],
                            {"score": f"{score:.2f}"},
                        )
                    )
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
    """Return the local calendar day of NOW (default: the current time in Asia/Shanghai)."""
    if now is None:
        return datetime.now(LOCAL_TZ).date()
    if isinstance(now, datetime):
        return now.astimezone(LOCAL_TZ).date() if now.tzinfo else now.date()
    return now


def extract_entities(
    text: str,
    *,
    merchants: Sequence[str] = (),
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
