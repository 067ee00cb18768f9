"""Relative and named dates resolved in the bank's zone under pinned clocks, as UTC windows.

The NLU resolves words to local days against the bank's today; ``BankClock`` turns those
days into aware UTC windows. Each case pins the instant (00:30, 08:30, 16:30, 23:30 UTC,
and dates across month, year and Chinese New Year boundaries) and the zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from wendu.assistant.flows.clock import BankClock, app_clock
from wendu.assistant.nlu.entities import extract_entities, find_dates

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")


def clock(zone: ZoneInfo, *args: int) -> BankClock:
    """A bank clock pinned at the UTC instant ARGS (year, month, day, hour, minute)."""
    pinned = datetime(*args, tzinfo=UTC)  # type: ignore[misc]
    return BankClock(zone, lambda: pinned)


def days(text: str, bank: BankClock) -> tuple[str, str]:
    """Return the first and last local day TEXT names (a single day twice)."""
    found = find_dates(text, bank.today())
    assert len(found) == 1, (text, found)
    ent = found[0]
    if ent.entity == "date":
        return ent.value, ent.value
    return ent.extras["start_date"], ent.extras["end_date"]


# 2026-11-24 at four UTC hours: Shanghai (UTC+8) is on the 24th until 16:00 UTC, then the 25th.
@pytest.mark.parametrize(
    ("hour", "shanghai_today", "london_today"),
    [
        (0, "2026-11-24", "2026-11-24"),
        (8, "2026-11-24", "2026-11-24"),
        (16, "2026-11-25", "2026-11-24"),
        (23, "2026-11-25", "2026-11-24"),
    ],
)
def test_yesterday_is_a_local_day_at_every_hour(
    hour: int, shanghai_today: str, london_today: str
) -> None:
    for zone, today in ((SHANGHAI, shanghai_today), (LONDON, london_today)):
        bank = clock(zone, 2026, 11, 24, hour, 30)
        assert bank.today().isoformat() == today
        yesterday = (date.fromisoformat(today) - timedelta(days=1)).isoformat()
        for word in ("昨天", "昨日", "琴日", "yesterday"):
            assert days(word, bank) == (yesterday, yesterday), (word, zone, hour)
        start, end = bank.window(date.fromisoformat(yesterday), date.fromisoformat(yesterday))
        # The window is the local day, in UTC: Shanghai's starts at 16:00 UTC the day before.
        assert start.tzinfo is not None and end - start == timedelta(days=1)
        assert start.astimezone(zone).hour == 0
        assert start.astimezone(zone).date().isoformat() == yesterday


def test_windows_are_the_local_days_in_utc() -> None:
    bank = clock(SHANGHAI, 2026, 11, 24, 16, 30)  # 00:30 on the 25th in Shanghai
    start, end = bank.window(date(2026, 11, 24), date(2026, 11, 24))
    assert (start, end) == (
        datetime(2026, 11, 23, 16, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
    )
    london = clock(LONDON, 2026, 7, 1, 23, 30)  # summer time: 00:30 BST on 2 July
    assert london.today() == date(2026, 7, 2)
    start, end = london.window(date(2026, 7, 1), date(2026, 7, 1))
    assert start == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 7, 1, 23, 0, tzinfo=UTC)
    # The day the clocks go back has 25 hours.
    start, end = london.window(date(2026, 10, 25), date(2026, 10, 25))
    assert end - start == timedelta(hours=25)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("today", "2026-11-25", "2026-11-25"),
        ("今天花了多少", "2026-11-25", "2026-11-25"),
        ("前天", "2026-11-23", "2026-11-23"),
        ("前日", "2026-11-23", "2026-11-23"),
        ("上周", "2026-11-16", "2026-11-22"),
        ("上個禮拜", "2026-11-16", "2026-11-22"),
        ("上星期", "2026-11-16", "2026-11-22"),
        ("last week", "2026-11-16", "2026-11-22"),
        ("上个月", "2026-10-01", "2026-10-31"),
        ("上個月", "2026-10-01", "2026-10-31"),
        ("How much did I spend last month?", "2026-10-01", "2026-10-31"),
        ("11月份花了多少", "2026-11-01", "2026-11-30"),
        ("十一月", "2026-11-01", "2026-11-30"),
        ("in November", "2026-11-01", "2026-11-30"),
        ("12月份", "2025-12-01", "2025-12-31"),  # December has not begun: last year's
        ("in March", "2026-03-01", "2026-03-31"),
        ("last November", "2025-11-01", "2025-11-30"),
        ("2025年11月", "2025-11-01", "2025-11-30"),
        ("去年3月", "2025-03-01", "2025-03-31"),
        ("最近一周", "2026-11-19", "2026-11-25"),
        ("最近7天", "2026-11-19", "2026-11-25"),
        ("past 7 days", "2026-11-19", "2026-11-25"),
        ("last 30 days", "2026-10-27", "2026-11-25"),
        ("过去三个月", "2026-08-26", "2026-11-25"),
        ("本月", "2026-11-01", "2026-11-30"),
        ("this month", "2026-11-01", "2026-11-30"),
        ("呢個月", "2026-11-01", "2026-11-30"),
        ("今年", "2026-01-01", "2026-12-31"),
        ("last year", "2025-01-01", "2025-12-31"),
        ("周一", "2026-11-23", "2026-11-23"),  # the latest Monday, not next week's
        ("星期五", "2026-11-20", "2026-11-20"),  # Friday has not come yet this week
        ("上周五", "2026-11-20", "2026-11-20"),
        ("on Friday", "2026-11-20", "2026-11-20"),
        ("last friday", "2026-11-20", "2026-11-20"),
        ("周末", "2026-11-21", "2026-11-22"),
        ("last weekend", "2026-11-21", "2026-11-22"),
        ("5号那笔", "2026-11-05", "2026-11-05"),
        ("28号", "2026-10-28", "2026-10-28"),  # the 28th is still to come: last month's
        ("the payment on the 5th", "2026-11-05", "2026-11-05"),
        ("2026-11-03", "2026-11-03", "2026-11-03"),
        ("3rd November", "2026-11-03", "2026-11-03"),
        ("11月3日", "2026-11-03", "2026-11-03"),
    ],
)
def test_named_and_relative_dates(text: str, first: str, last: str) -> None:
    bank = clock(SHANGHAI, 2026, 11, 25, 4, 0)  # Wednesday 25 November, 12:00 in Shanghai
    assert days(text, bank) == (first, last)


def test_month_and_year_ends_and_chinese_new_year() -> None:
    # 16:30 UTC on 31 December is already 1 January 2027 in Shanghai, not yet in London.
    shanghai = clock(SHANGHAI, 2026, 12, 31, 16, 30)
    london = clock(LONDON, 2026, 12, 31, 16, 30)
    assert days("上个月", shanghai) == ("2026-12-01", "2026-12-31")
    assert days("上个月", london) == ("2026-11-01", "2026-11-30")
    assert days("去年", shanghai) == ("2026-01-01", "2026-12-31")
    assert days("昨天", shanghai) == ("2026-12-31", "2026-12-31")
    assert days("本月", shanghai) == ("2027-01-01", "2027-01-31")
    assert days("12月份", shanghai) == ("2026-12-01", "2026-12-31")
    assert days("last week", shanghai) == ("2026-12-21", "2026-12-27")
    # Chinese New Year 2027 falls on 6 February: 00:30 that day in Shanghai.
    new_year = clock(SHANGHAI, 2027, 2, 5, 16, 30)
    assert days("昨天", new_year) == ("2027-02-05", "2027-02-05")
    assert days("上个月", new_year) == ("2027-01-01", "2027-01-31")
    assert days("最近一周", new_year) == ("2027-01-31", "2027-02-06")
    # 1 March after a 28-day February.
    march = clock(LONDON, 2027, 3, 1, 0, 30)
    assert days("上个月", march) == ("2027-02-01", "2027-02-28")
    assert days("one month ago", march) == ("2027-02-01", "2027-02-01")
    assert days("最近一个月", march) == ("2027-02-02", "2027-03-01")


def test_no_zone_in_the_nlu_the_caller_passes_the_local_now() -> None:
    late_utc = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    assert extract_entities("today", now=late_utc.astimezone(SHANGHAI))[0].value == "2026-11-25"
    assert extract_entities("today", now=late_utc.astimezone(LONDON))[0].value == "2026-11-24"


def test_the_app_clock_comes_from_settings_unless_pinned() -> None:
    app = SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(timezone="Europe/London")))
    assert app_clock(app).zone == LONDON
    pinned = clock(SHANGHAI, 2026, 1, 1, 0, 0)
    app.state.assistant_clock = pinned
    assert app_clock(app) is pinned


@pytest.mark.parametrize(
    "text",
    [
        "How much did I spend?",
        "who did I pay",
        "May I see my balance",
        "my card number is 6222 0000 1111 2222",
        "尾号3582的卡",
        "转账给李华",
        "I sent money to June",
    ],
)
def test_words_that_are_no_dates(text: str) -> None:
    found = find_dates(text, date(2026, 11, 25))
    assert found == [], found
