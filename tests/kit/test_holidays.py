"""Official working days: Chinese holidays and 调休, other countries, local dates of instants."""

from __future__ import annotations

import datetime as dt

import pytest

from wendu.kit.holidays import DayKind, NoHolidays, holiday_source, working_days

CST = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("day", "kind", "working"),
    [
        (dt.date(2025, 9, 27), DayKind.WEEKEND, False),
        (dt.date(2025, 9, 28), DayKind.MAKEUP_WORKDAY, True),  # Sunday worked for National Day
        (dt.date(2025, 10, 1), DayKind.HOLIDAY, False),
        (dt.date(2025, 10, 8), DayKind.HOLIDAY, False),  # a Wednesday inside the block
        (dt.date(2025, 10, 9), DayKind.WORKDAY, True),
        (dt.date(2025, 10, 11), DayKind.MAKEUP_WORKDAY, True),
    ],
)
def test_china_working_days_follow_the_state_council_schedule(
    day: dt.date, kind: DayKind, working: bool
) -> None:
    assert holiday_source("cn").day_kind(day) is kind
    assert working_days("CN", "Asia/Shanghai").is_working_day(day) is working


def test_an_instant_counts_by_its_local_date() -> None:
    cn = working_days("CN", "Asia/Shanghai")
    # 2025-09-30 17:00 UTC is already 1 October (National Day) in Shanghai.
    late = dt.datetime(2025, 9, 30, 17, tzinfo=dt.UTC)
    assert cn.local_date(late) == dt.date(2025, 10, 1)
    assert not cn.is_working_at(late)
    assert cn.is_working_at(dt.datetime(2025, 9, 30, 15, tzinfo=dt.UTC))
    assert cn.is_working_at(dt.datetime(2025, 9, 30, 23, 59, tzinfo=CST))
    with pytest.raises(ValueError, match="naive"):
        cn.is_working_at(dt.datetime(2025, 9, 30, 12))


def test_other_jurisdictions_and_none() -> None:
    england = working_days("GB", "Europe/London", "ENG")
    assert not england.is_working_day(dt.date(2025, 12, 26))  # Boxing Day
    assert england.is_working_day(dt.date(2025, 12, 29))
    assert holiday_source(None) == NoHolidays()
    assert working_days(None, "UTC").is_working_day(dt.date(2025, 10, 1))
    with pytest.raises(Exception, match="Nowhere"):
        working_days("CN", "Nowhere/Nothing")
