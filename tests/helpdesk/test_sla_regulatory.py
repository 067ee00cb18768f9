"""Regulatory complaint deadlines: calendar days, working days with 调休, business hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from wendu.helpdesk.sla import (
    DeadlineBasis,
    DeadlineRule,
    china_calendar,
    default_regulatory_rules,
)

CST = ZoneInfo("Asia/Shanghai")


def cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST).astimezone(dt.UTC)  # type: ignore[misc]


CAL = china_calendar()


def test_fifteen_calendar_days_end_at_local_midnight() -> None:
    rules = default_regulatory_rules()
    rule = rules.rule_for("credit_card.fees_charges")
    assert rule.basis is DeadlineBasis.CALENDAR_DAYS and rule.amount == 15
    # Received Thu 25 Sep 2025: day 15 is Fri 10 Oct, a working day.
    due = rules.deadline("credit_card.fees_charges", cst(2025, 9, 25, 20, 0), CAL)
    assert due == cst(2025, 10, 11, 0, 0)
    # Extended to 30 days: Sat 25 Oct is a day off, so the period ends Mon 27 Oct.
    assert rules.deadline(
        "credit_card.fees_charges", cst(2025, 9, 25, 20, 0), CAL, extended=True
    ) == cst(2025, 10, 28, 0, 0)


def test_last_day_on_a_holiday_moves_to_the_next_working_day() -> None:
    # 20 Jan 2025 + 15 days = 4 Feb, the last day of Spring Festival: moves to Wed 5 Feb.
    due = default_regulatory_rules().deadline("deposit.interest_rates", cst(2025, 1, 20, 10), CAL)
    assert due == cst(2025, 2, 6, 0, 0)


def test_working_days_count_makeup_days_and_skip_golden_week() -> None:
    received = cst(2025, 9, 26, 15, 0)
    due = default_regulatory_rules().deadline("debit_card.unauthorised_transaction", received, CAL)
    # Count working days independently with chinesecalendar.
    day, left = dt.date(2025, 9, 26), 7
    while left:
        day += dt.timedelta(days=1)
        left -= chinese_calendar.is_workday(day)
    assert day == dt.date(2025, 10, 13)
    assert due == cst(2025, 10, 14, 0, 0)


def test_business_hours_rule_and_lookup_order() -> None:
    rule = DeadlineRule(DeadlineBasis.BUSINESS_HOURS, 10)
    assert rule.deadline(cst(2025, 9, 30, 17, 0), CAL) == cst(2025, 10, 10, 10, 0)
    rules = default_regulatory_rules()
    assert rules.rule_for("open_banking.unauthorised_transaction").amount == 7  # issue wins
    assert rules.rule_for("open_banking.app_fault").extended_amount == 30
    with pytest.raises(ValueError, match="extension"):
        DeadlineRule(DeadlineBasis.WORKING_DAYS, 3).deadline(cst(2025, 3, 3), CAL, extended=True)
