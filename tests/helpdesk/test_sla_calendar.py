"""Business-hours calendars across weekends, Chinese holidays and 调休, DST and long spans."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from wendu.helpdesk.sla.calendar import (
    BusinessCalendar,
    always_open,
    china_calendar,
    default_calendars,
)
from wendu.kit.holidays import DayKind

UTC = dt.UTC
CST = ZoneInfo("Asia/Shanghai")
LON = ZoneInfo("Europe/London")
H = dt.timedelta(hours=1)


def cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


def lon(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LON).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture(scope="module")
def cn() -> BusinessCalendar:
    return china_calendar(("09:00-12:00", "13:00-18:00"))


@pytest.fixture(scope="module")
def london() -> BusinessCalendar:
    return BusinessCalendar.weekdays("Europe/London", ("09:00-17:00",), country="GB", subdiv="ENG")


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (dt.date(2025, 1, 26), DayKind.MAKEUP_WORKDAY),  # Sunday worked before Spring Festival
        (dt.date(2025, 1, 28), DayKind.HOLIDAY),
        (dt.date(2025, 2, 1), DayKind.HOLIDAY),  # a Saturday inside the holiday block
        (dt.date(2025, 2, 4), DayKind.HOLIDAY),
        (dt.date(2025, 2, 5), DayKind.WORKDAY),
        (dt.date(2025, 2, 8), DayKind.MAKEUP_WORKDAY),
        (dt.date(2025, 2, 9), DayKind.WEEKEND),
        (dt.date(2025, 9, 28), DayKind.MAKEUP_WORKDAY),  # National Day make-up Sunday
        (dt.date(2025, 10, 1), DayKind.HOLIDAY),
        (dt.date(2025, 10, 8), DayKind.HOLIDAY),
        (dt.date(2025, 10, 11), DayKind.MAKEUP_WORKDAY),
    ],
)
def test_china_day_kinds_agree_with_chinesecalendar(
    cn: BusinessCalendar, day: dt.date, kind: DayKind
) -> None:
    assert cn.day_kind(day) is kind
    assert cn.is_working_day(day) == chinese_calendar.is_workday(day)


def test_every_2025_day_matches_chinesecalendar_workdays(cn: BusinessCalendar) -> None:
    day = dt.date(2025, 1, 1)
    while day.year == 2025:
        assert bool(cn.hours_on(day)) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_friday_evening_ticket_runs_into_makeup_sunday(cn: BusinessCalendar) -> None:
    # Fri 2025-01-24 17:00: one hour left that day, Saturday closed, Sunday 26th is worked.
    assert cn.add_business_time(cst(2025, 1, 24, 17, 0), 2 * H) == cst(2025, 1, 26, 10, 0)


def test_spring_festival_block_is_skipped(cn: BusinessCalendar) -> None:
    due = cn.add_business_time(cst(2025, 1, 27, 17, 30), H)
    assert due == cst(2025, 2, 5, 9, 30)
    assert cn.business_time_between(cst(2025, 1, 27, 9, 0), cst(2025, 2, 5, 9, 0)) == 8 * H


def test_makeup_saturday_after_spring_festival_is_open(cn: BusinessCalendar) -> None:
    assert cn.add_business_time(cst(2025, 2, 7, 18, 0), H) == cst(2025, 2, 8, 10, 0)
    assert cn.is_open(cst(2025, 2, 8, 9, 0))
    assert not cn.is_open(cst(2025, 2, 9, 10, 0))


def test_national_day_2025_with_makeup_days(cn: BusinessCalendar) -> None:
    # Fri 26 Sep 17:00: 1 h Friday + 3 h on make-up Sunday 28 Sep ends exactly at 12:00.
    assert cn.add_business_time(cst(2025, 9, 26, 17, 0), 4 * H) == cst(2025, 9, 28, 12, 0)
    # Tue 30 Sep 17:00: 1 h, then Golden Week until Thu 9 Oct.
    assert cn.add_business_time(cst(2025, 9, 30, 17, 0), 2 * H) == cst(2025, 10, 9, 10, 0)
    assert cn.business_time_between(cst(2025, 10, 1), cst(2025, 10, 9)) == dt.timedelta(0)
    assert cn.next_open(cst(2025, 10, 3, 10, 0)) == cst(2025, 10, 9, 9, 0)


def test_utc_ticket_against_shanghai_calendar(cn: BusinessCalendar) -> None:
    created = dt.datetime(2025, 3, 3, 23, 30, tzinfo=UTC)  # Tue 07:30 in Shanghai
    assert not cn.is_open(created)
    assert cn.next_open(created) == dt.datetime(2025, 3, 4, 1, 0, tzinfo=UTC)
    due = cn.add_business_time(created, H)
    assert due == dt.datetime(2025, 3, 4, 2, 0, tzinfo=UTC)
    assert due.tzinfo is UTC
    # The same instant expressed in another zone gives the same answer.
    assert cn.add_business_time(created.astimezone(ZoneInfo("America/New_York")), H) == due


def test_lunch_break_and_boundaries(cn: BusinessCalendar) -> None:
    assert cn.is_open(cst(2025, 3, 4, 9, 0))
    assert not cn.is_open(cst(2025, 3, 4, 12, 0))  # intervals are half-open
    assert cn.next_open(cst(2025, 3, 4, 12, 30)) == cst(2025, 3, 4, 13, 0)
    assert cn.add_business_time(cst(2025, 3, 4, 11, 0), H) == cst(2025, 3, 4, 12, 0)
    assert cn.add_business_time(cst(2025, 3, 4, 11, 0), 2 * H) == cst(2025, 3, 4, 14, 0)
    assert cn.add_business_time(cst(2025, 3, 4, 12, 30), dt.timedelta(0)) == cst(2025, 3, 4, 13)


def test_dst_spring_forward_in_london(london: BusinessCalendar) -> None:
    # Clocks go forward on Sun 30 Mar 2025: Monday 09:00 BST is 08:00 UTC.
    assert london.add_business_time(lon(2025, 3, 28, 16, 0), 3 * H) == lon(2025, 3, 31, 11, 0)
    assert lon(2025, 3, 31, 11, 0) == dt.datetime(2025, 3, 31, 10, 0, tzinfo=UTC)
    assert london.business_time_between(lon(2025, 3, 28, 9), lon(2025, 4, 1, 9)) == 16 * H


def test_dst_fall_back_in_london(london: BusinessCalendar) -> None:
    assert london.add_business_time(lon(2025, 10, 24, 16, 0), 2 * H) == lon(2025, 10, 27, 10, 0)
    assert lon(2025, 10, 27, 10, 0) == dt.datetime(2025, 10, 27, 10, 0, tzinfo=UTC)


def test_round_the_clock_day_lengths_follow_dst() -> None:
    cal = always_open("Europe/London")
    assert cal.business_time_between(lon(2025, 3, 30), lon(2025, 3, 31)) == 23 * H
    assert cal.business_time_between(lon(2025, 10, 26), lon(2025, 10, 27)) == 25 * H
    # Across midnight in the calendar zone.
    assert cal.add_business_time(lon(2025, 6, 1, 23, 0), 2 * H) == lon(2025, 6, 2, 1, 0)


def test_english_bank_holidays_close_the_desk(london: BusinessCalendar) -> None:
    # Easter 2025: Good Friday 18 Apr and Easter Monday 21 Apr.
    assert london.add_business_time(lon(2025, 4, 17, 16, 30), H) == lon(2025, 4, 22, 9, 30)


def test_extra_closures_and_several_intervals() -> None:
    cal = BusinessCalendar.build(
        "Asia/Shanghai",
        {0: ["09:00-12:00", "13:00-17:00"], 2: ["10:00-11:00"], 5: ["10:00-14:00"]},
        country="CN",
        closures=[dt.date(2025, 3, 5)],
    )
    # Mon 3 Mar 16:00 + 3 h: 1 h Mon, Wed 5 Mar closed, Sat 8 Mar 10:00-12:00.
    assert cal.add_business_time(cst(2025, 3, 3, 16, 0), 3 * H) == cst(2025, 3, 8, 12, 0)
    assert not cal.is_working_day(dt.date(2025, 3, 5))


def test_makeup_day_uses_configured_hours() -> None:
    cal = china_calendar(("09:00-18:00",), makeup_hours=("10:00-16:00",))
    assert cal.open_periods(dt.date(2025, 1, 26)) == ((cst(2025, 1, 26, 10), cst(2025, 1, 26, 16)),)


def test_years_beyond_chinesecalendar_fall_back_to_holidays_package(cn: BusinessCalendar) -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(2035, 10, 1))
    assert cn.day_kind(dt.date(2035, 10, 1)) is DayKind.HOLIDAY
    assert cn.day_kind(dt.date(2035, 10, 9)) is DayKind.WORKDAY


def test_long_durations_are_fast_and_consistent(cn: BusinessCalendar) -> None:
    rng = random.Random(7)
    started = time.perf_counter()
    for _ in range(20):
        start = cst(2024, 6, 1) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 700))
        duration = dt.timedelta(minutes=rng.randrange(0, 60 * 8 * 400))
        due = cn.add_business_time(start, duration)
        assert cn.business_time_between(start, due) == duration
        assert cn.business_time_between(due, start) == -duration
    assert time.perf_counter() - started < 2.0
    # 2 000 business hours from 2025-01-02 lands in 2026 and is exactly 250 working days.
    due = cn.add_business_time(cst(2025, 1, 2, 9, 0), 2000 * H)
    assert cn.business_time_between(cst(2025, 1, 2, 9, 0), due) == 2000 * H
    assert due.astimezone(CST).year == 2026


def test_naive_datetimes_and_closed_calendars_are_refused() -> None:
    cal = china_calendar()
    with pytest.raises(ValueError, match="naive"):
        cal.is_open(dt.datetime(2025, 3, 4, 10, 0))
    never = BusinessCalendar.build("UTC", {})
    with pytest.raises(ValueError, match="never opens"):
        never.next_open(dt.datetime(2025, 1, 1, tzinfo=UTC))


def test_calendar_round_trips_through_json() -> None:
    cal = BusinessCalendar.build(
        "Europe/London",
        {0: ["09:00-12:00", "13:00-17:30"], 5: ["10:00-14:00"]},
        country="gb",
        subdiv="ENG",
        closures=[dt.date(2025, 12, 24)],
        name="uk-desk",
    )
    restored = BusinessCalendar.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert restored == cal
    assert restored.day_kind(dt.date(2025, 12, 25)) is DayKind.HOLIDAY
    calendars = default_calendars()
    assert set(calendars) == {"default", "24x7"}
    assert calendars["24x7"].is_open(cst(2025, 1, 29, 3, 0))  # Spring Festival night
    assert not calendars["default"].is_open(cst(2025, 1, 29, 10, 0))
