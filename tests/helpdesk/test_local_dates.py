"""Dates customers and staff read are the bank's local dates, whatever the UTC hour.

Each test runs at every instant of the ``clock`` fixture: from 16:00 UTC the date in
Asia/Shanghai is already tomorrow, and on 14 February 2026 at 16:30 UTC (a make-up working
day in UTC) it is the first day of the Chinese New Year holiday there.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tests.helpdesk.conftest import Desk

from wendu.config import Settings


def _local_date(at: dt.datetime, settings: Settings) -> dt.date:
    return at.astimezone(ZoneInfo(settings.timezone)).date()


def test_a_ticket_reference_carries_the_bank_s_local_date(
    clock: dt.datetime, desk: Desk, settings: Settings
) -> None:
    desk.staff("a1")
    ticket = desk.ok("a1", "POST", "/tickets", 201, json={"subject": "ATM kept my card"})["ticket"]
    assert ticket["reference"].startswith(f"T{_local_date(clock, settings):%y%m%d}-")


def test_report_days_are_the_bank_s_local_dates(
    clock: dt.datetime, desk: Desk, settings: Settings
) -> None:
    conv = desk.ok(
        "sup",
        "POST",
        "/conversations",
        201,
        json={"channel": "app", "body": "hello", "team_id": desk.team_id},
    )
    window = {
        "start": (clock - dt.timedelta(minutes=1)).isoformat(),
        "end": (clock + dt.timedelta(hours=1)).isoformat(),
        "by": "day",
    }
    groups = desk.ok("sup", "GET", "/reports/summary", params=window)
    (day,) = [g["key"] for g in groups if conv["id"] in g["conversation_ids"]]
    assert day == _local_date(clock, settings).isoformat()
