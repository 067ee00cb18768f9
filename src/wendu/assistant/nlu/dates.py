"""Relative and named dates in zh-Hans, zh-Hant (incl. Cantonese) and en, as local dates.

Everything here works on *local calendar days*: the caller says which day "today" is in
the bank's time zone (``Settings.timezone``) and turns the resolved days into UTC windows
(``wendu.assistant.flows.clock``). No time zone is known, or needed, in this module.

A rule resolves to one day ("昨天", "last Monday", "3月5日") or to an inclusive range of
days ("上个月", "最近一周", "in November", "last 30 days"). Matching runs on text folded
by ``fold`` (same length as the original), so spans index the customer's own text.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta

from wendu.assistant.nlu.numbers import EN_NUMBER_WORDS, ZH_NUMERAL_CHARS, parse_number

Resolver = Callable[[re.Match[str], date], "date | tuple[date, date] | None"]

_WEEKDAYS_EN = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
_WEEKDAY_NAMES_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
                "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}  # fmt: skip
_MONTHS_EN = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTH_ABBR_EN = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTH_ABBR_EN["sept"] = 9
_ALL_MONTHS_EN = {**_MONTH_ABBR_EN, **_MONTHS_EN}
_UNITS = {
    "day": "d", "days": "d", "天": "d", "日": "d",
    "week": "w", "weeks": "w", "周": "w", "週": "w", "星期": "w", "礼拜": "w", "禮拜": "w",
    "个星期": "w", "個星期": "w", "个礼拜": "w", "個禮拜": "w", "个周": "w",
    "month": "m", "months": "m", "个月": "m", "個月": "m", "月": "m",
    "year": "y", "years": "y", "年": "y",
}  # fmt: skip

# Script variants and Cantonese words, written once as character classes.
_GE = "[个個]"  # measure word
_WEEK = "(?:周|週|星期|礼拜|禮拜)"
_THIS = "(?:这|這|本|今|呢)"
_LAST = "上"
_ZH_N = rf"\d{{1,3}}|[{ZH_NUMERAL_CHARS}兩]{{1,4}}"
_EN_N = r"\d{{1,3}}|(?:{})(?:[\s-]+(?:{}))*".format(
    "|".join(EN_NUMBER_WORDS), "|".join(EN_NUMBER_WORDS)
)


def _number(text: str) -> int | None:
    value = parse_number(text.replace("兩", "两"))
    return int(value) if value is not None and value == int(value) and value >= 0 else None


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def shift(day: date, n: int, unit: str) -> date:
    """Return DAY moved N units ("d", "w", "m", "y") back (forward for negative N); a month
    shift keeps the day of month where it exists (31 March - 1 month = 28/29 February)."""
    if unit == "d":
        return day - timedelta(days=n)
    if unit == "w":
        return day - timedelta(weeks=n)
    months = n * (12 if unit == "y" else 1)
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month_range(year: int, month: int) -> tuple[date, date]:
    """Return the first and last day of a month."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _week_start(today: date, offset_weeks: int) -> date:
    return today - timedelta(days=today.weekday()) + timedelta(weeks=offset_weeks)


def _closest_year(today: date, month: int, day: int) -> date | None:
    """This year's month/day, or last year's when it lies over a month ahead: customers
    mostly ask about the past ("3月5日的消费"), but "12月5日" asked in late November is
    the coming date."""
    this_year = _make_date(today.year, month, day)
    if this_year is not None and (this_year - today).days <= 31:
        return this_year
    return _make_date(today.year - 1, month, day)


def _latest_month(today: date, month: int) -> tuple[date, date]:
    """The most recent MONTH that has begun: "11月份" asked in March is last November."""
    year = today.year if month <= today.month else today.year - 1
    return month_range(year, month)


def _latest_weekday(today: date, weekday: int) -> date:
    """The most recent WEEKDAY on or before today ("星期三花了多少" asked on a Monday)."""
    return today - timedelta(days=(today.weekday() - weekday) % 7)


# ---------------------------------------------------------------- resolvers


def _md(m: re.Match[str], today: date) -> date | None:
    month, day = _number(m.group("m")), _number(m.group("d"))
    if month is None or day is None:
        return None
    year = m.groupdict().get("y")
    return _make_date(int(year), month, day) if year else _closest_year(today, month, day)


def _md_en(m: re.Match[str], today: date) -> date | None:
    month = _ALL_MONTHS_EN[m.group("mon")]
    day = int(m.group("d"))
    year = m.group("y")
    return _make_date(int(year), month, day) if year else _closest_year(today, month, day)


def _day_of_month(m: re.Match[str], today: date) -> date | None:
    """ "5号那笔": the 5th of this month, or of last month when that is still to come."""
    day = _number(m.group("d"))
    if day is None or not 1 <= day <= 31:
        return None
    this_month = _make_date(today.year, today.month, day)
    if this_month is not None and this_month <= today:
        return this_month
    back = shift(today.replace(day=1), 1, "m")
    return _make_date(back.year, back.month, day)


def _weekday_en(m: re.Match[str], today: date) -> date:
    wd = _WEEKDAYS_EN[m.group("wd")]
    rel = m.group("rel")
    if rel == "last":  # the most recent such day strictly before today
        return today - timedelta(days=(today.weekday() - wd - 1) % 7 + 1)
    if rel == "next":  # the first such day strictly after today
        return today + timedelta(days=(wd - today.weekday() - 1) % 7 + 1)
    if rel == "this":
        return _week_start(today, 0) + timedelta(days=wd)
    return _latest_weekday(today, wd)


def _weekday_zh(m: re.Match[str], today: date) -> date:
    rel = m.group("rel") or ""
    wd = _WEEKDAYS_ZH[m.group("wd")]
    if not rel:
        return _latest_weekday(today, wd)
    offset = -2 if rel == "上上" else -1 if rel == "上" else 1 if rel == "下" else 0
    return _week_start(today, offset) + timedelta(days=wd)


def _weekend(offset: int) -> Resolver:
    def resolve(m: re.Match[str], today: date) -> tuple[date, date]:
        rel = (m.groupdict().get("rel") or "").strip()
        if rel:
            saturday = _week_start(today, offset) + timedelta(days=5)
        else:  # "周末" / "at the weekend": the latest one that has begun
            saturday = _latest_weekday(today, 5)
        return saturday, saturday + timedelta(days=1)

    return resolve


def _ago(m: re.Match[str], today: date) -> date | None:
    n = _number(m.group("n"))
    return None if n is None else shift(today, n, _UNITS[m.group("unit")])


def _recent(m: re.Match[str], today: date) -> tuple[date, date] | None:
    """ "最近一周" / "past 7 days" / "last 3 months": the N units up to and including today."""
    raw = m.groupdict().get("n")
    n = _number(raw) if raw else 1
    if n is None or n <= 0:
        return None
    return shift(today, n, _UNITS[m.group("unit")]) + timedelta(days=1), today


def _period(kind: str, offset: int) -> Resolver:
    def resolve(m: re.Match[str], today: date) -> tuple[date, date]:
        if kind == "w":
            start = _week_start(today, offset)
            return start, start + timedelta(days=6)
        if kind == "y":
            return date(today.year + offset, 1, 1), date(today.year + offset, 12, 31)
        year, month = divmod(today.year * 12 + today.month - 1 + offset, 12)
        return month_range(year, month + 1)

    return resolve


def _month_zh(m: re.Match[str], today: date) -> tuple[date, date] | None:
    month = _number(m.group("m"))
    if month is None or not 1 <= month <= 12:
        return None
    if m.group("y"):
        return month_range(int(m.group("y")), month)
    rel = m.group("yrel")
    if rel:
        year = today.year + {"今年": 0, "去年": -1, "前年": -2}[rel]
        return month_range(year, month)
    return _latest_month(today, month)


_PERSON_BEFORE = re.compile(r"\b(?:to|from|with|pay|paid|send|sent|and|named|called)\s+$")


def _month_en(m: re.Match[str], today: date) -> tuple[date, date] | None:
    month = _ALL_MONTHS_EN[m.group("mon")]
    if not m.group("y") and not m.group("rel") and _PERSON_BEFORE.search(m.string[: m.start()]):
        return None  # "transfer to June" names a person
    if m.group("y"):
        return month_range(int(m.group("y")), month)
    rel = (m.group("rel") or "").strip()
    if rel == "this":
        return month_range(today.year, month)
    if rel == "last":  # "last November" is never the month we are in
        year = today.year if month < today.month else today.year - 1
        return month_range(year, month)
    return _latest_month(today, month)


def _year(m: re.Match[str], today: date) -> tuple[date, date] | None:
    year = int(m.group("y"))
    return (date(year, 1, 1), date(year, 12, 31)) if 1900 < year < 2200 else None


def _fixed(days: int) -> Resolver:
    return lambda m, today: today + timedelta(days=days)


# ---------------------------------------------------------------- rules


def _rx(pattern: str) -> re.Pattern[str]:
    """Compile with ASCII word boundaries, so "我last month花了" still finds "last month"."""
    return re.compile(pattern, re.ASCII)


_WD_EN = "|".join(sorted(_WEEKDAYS_EN, key=len, reverse=True))
_WD_FULL_EN = "|".join(_WEEKDAY_NAMES_EN)
_MON_EN = "|".join(sorted(_ALL_MONTHS_EN, key=len, reverse=True))
_MON_FULL_EN = "|".join(n for n in _MONTHS_EN if n != "may")
_ORD = r"(?:st|nd|rd|th)?"
_ZH_MONTH = r"1[0-2]|0?[1-9]|十[一二]|[一二三四五六七八九十]"
_ZH_DAY = rf"\d{{1,2}}|[{ZH_NUMERAL_CHARS}]{{1,3}}"
_RECENT_ZH = r"(?:最近|近|过去|過去|这|這)"
_UNIT_ZH = rf"(?P<unit>天|日|{_GE}?(?:星期|礼拜|禮拜)|{_GE}?[周週]|{_GE}月|年)"

DATE_RULES: list[tuple[re.Pattern[str], Resolver]] = [
    # explicit days
    (_rx(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"), _md),
    (
        _rx(
            rf"(?<!\d)(?:(?P<y>\d{{4}})年)?(?P<m>\d{{1,2}}|[{ZH_NUMERAL_CHARS}]{{1,3}})月"
            rf"(?P<d>{_ZH_DAY})[日号號]"
        ),
        _md,
    ),
    (
        _rx(
            rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon>{_MON_EN})\b\.?"
            rf"(?:,?\s+(?P<y>\d{{4}}))?"
        ),
        _md_en,
    ),
    (
        _rx(rf"\b(?P<mon>{_MON_EN})\.?\s+(?P<d>\d{{1,2}}){_ORD}\b(?:,?\s+(?P<y>\d{{4}}))?"),
        _md_en,
    ),
    (
        _rx(
            r"(?<![\d月尾号號码碼])(?P<d>\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
            r"[号號](?![码碼线線])"
        ),
        _day_of_month,
    ),
    (_rx(r"\b(?:on\s+)?the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b(?!\s+of\b)"), _day_of_month),
    # days around today
    (_rx(r"\b(?:the\s+)?day\s+before\s+yesterday\b"), _fixed(-2)),
    (_rx(r"\bday\s+after\s+tomorrow\b"), _fixed(2)),
    (
        _rx(r"\b(?:today|tonight|this\s+morning|this\s+afternoon|this\s+evening)\b"),
        _fixed(0),
    ),
    (_rx(r"\b(?:yesterday|last\s+night)\b"), _fixed(-1)),
    (_rx(r"\btomorrow\b"), _fixed(1)),
    (_rx(r"大前天|大前日"), _fixed(-3)),
    (_rx(r"前天|前日(?!\d)"), _fixed(-2)),
    (_rx(r"昨天|昨日|昨晚|琴日|寻日|尋日|琴晚|寻晚|尋晚"), _fixed(-1)),
    (_rx(r"今天|今日|今儿|今早|今晚|今朝"), _fixed(0)),
    (_rx(r"明天|明日|听日|聽日"), _fixed(1)),
    (_rx(r"后天|後天"), _fixed(2)),
    # weekdays and weekends
    (_rx(rf"\b(?P<rel>last|this|next)\s+(?P<wd>{_WD_EN})\b"), _weekday_en),
    (_rx(rf"\b(?:on\s+)?(?P<rel>)(?P<wd>{_WD_FULL_EN})s?\b"), _weekday_en),
    (_rx(r"\b(?P<rel>last\s+)weekend\b"), _weekend(-1)),
    (_rx(r"\b(?P<rel>this\s+)weekend\b"), _weekend(0)),
    (_rx(r"\b(?:at\s+|over\s+)?the\s+weekend\b"), _weekend(0)),
    (_rx(rf"(?P<rel>上上|上){_GE}?(?:周末|週末)"), _weekend(-1)),
    (_rx(rf"(?P<rel>{_THIS}){_GE}?(?:周末|週末)"), _weekend(0)),
    (_rx(r"(?P<rel>)(?:周末|週末)"), _weekend(0)),
    (
        _rx(rf"(?P<rel>上上|上|这|這|本|今|呢|下)?{_GE}?{_WEEK}(?P<wd>[一二三四五六日天1-7])"),
        _weekday_zh,
    ),
    # N units ago
    (
        _rx(rf"\b(?P<n>{_EN_N})\s*(?P<unit>days?|weeks?|months?|years?)\s+ago\b"),
        _ago,
    ),
    (
        _rx(
            rf"(?P<n>{_ZH_N})\s*(?P<unit>天|日|{_GE}?(?:星期|礼拜|禮拜)|[周週]|{_GE}月|年)"
            r"(?:以前|之前|前)"
        ),
        _ago,
    ),
    # the last N units, up to today
    (
        _rx(
            rf"\b(?:(?:in|over|during|for)\s+)?(?:the\s+)?(?:past|last|previous|recent|latest)"
            rf"\s+(?P<n>{_EN_N})\s*(?P<unit>days?|weeks?|months?|years?)\b"
        ),
        _recent,
    ),
    (
        _rx(r"\b(?:in|over|during)\s+the\s+(?:past|last)\s+(?P<unit>day|week|month|year)\b"),
        _recent,
    ),
    (_rx(r"\b(?:the\s+)?past\s+(?P<unit>day|week|month|year)\b"), _recent),
    (_rx(rf"{_RECENT_ZH}(?P<n>{_ZH_N}){_UNIT_ZH}(?:内|內|里|裏|裡|以来|以來)?"), _recent),
    (_rx(rf"(?:最近|近){_UNIT_ZH}"), _recent),
    # calendar weeks, months and years
    (_rx(r"\b(?:last|previous)\s+week\b"), _period("w", -1)),
    (_rx(r"\bthis\s+week\b"), _period("w", 0)),
    (_rx(r"\bweek\s+before\s+last\b"), _period("w", -2)),
    (_rx(r"\b(?:last|previous)\s+month\b"), _period("m", -1)),
    (_rx(r"\bthis\s+month\b|\bmonth\s+to\s+date\b"), _period("m", 0)),
    (_rx(r"\bmonth\s+before\s+last\b"), _period("m", -2)),
    (_rx(r"\blast\s+year\b"), _period("y", -1)),
    (_rx(r"\bthis\s+year\b|\byear\s+to\s+date\b"), _period("y", 0)),
    (_rx(rf"上上{_GE}?{_WEEK}"), _period("w", -2)),
    (_rx(rf"上{_GE}?{_WEEK}"), _period("w", -1)),
    (_rx(rf"{_THIS}{_GE}?{_WEEK}"), _period("w", 0)),
    (_rx(rf"上上{_GE}月"), _period("m", -2)),
    (_rx(rf"上{_GE}?月(?!\d|[{ZH_NUMERAL_CHARS}]+[日号號])"), _period("m", -1)),
    (_rx(rf"(?:这|這|今|呢){_GE}月|本月"), _period("m", 0)),
    (_rx(r"今年(?![\d一二三四五六七八九十]+月)"), _period("y", 0)),
    (_rx(r"去年(?![\d一二三四五六七八九十]+月)"), _period("y", -1)),
    (_rx(r"(?<!\d)(?P<y>\d{4})年(?!\d{1,2}月|[一二三四五六七八九十]+月)"), _year),
    (_rx(r"\b(?:in|during)\s+(?P<y>(?:19|20)\d{2})\b"), _year),
    # named months
    (
        _rx(
            rf"(?:(?P<y>\d{{4}})年|(?P<yrel>今年|去年|前年))?(?<![\d{ZH_NUMERAL_CHARS}个個上])"
            rf"(?P<m>{_ZH_MONTH})月份?(?![\d{ZH_NUMERAL_CHARS}]+[日号號])"
        ),
        _month_zh,
    ),
    (
        _rx(
            rf"\b(?P<rel>(?:in|during|for|since|of|last|this)\s+)(?P<mon>{_MON_EN})\b\.?"
            rf"(?:,?\s+(?P<y>\d{{4}}))?"
        ),
        _month_en,
    ),
    (_rx(rf"\b(?P<rel>)(?P<mon>{_MON_EN})\.?,?\s+(?P<y>\d{{4}})\b"), _month_en),
    (_rx(rf"\b(?P<rel>)(?P<mon>{_MON_FULL_EN})\b(?P<y>)"), _month_en),
]


def resolve_all(folded: str, today: date) -> list[tuple[int, int, date | tuple[date, date]]]:
    """Return (start, end, day or (first, last)) for every date expression in FOLDED text."""
    found: list[tuple[int, int, date | tuple[date, date]]] = []
    for pattern, resolve in DATE_RULES:
        for m in pattern.finditer(folded):
            resolved = resolve(m, today)
            if resolved is not None:
                found.append((m.start(), m.end(), resolved))
    return found
