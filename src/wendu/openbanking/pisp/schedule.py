"""The dates of a standing order: OB ``Frequency`` patterns and the instalments they make.

Pure functions, no database and no settings: the caller passes the bank's working days
(``wendu.kit.holidays.WorkingDays``, built from ``settings.country`` and
``settings.timezone``). Supported patterns (others are refused with 400 U002):

- ``EvryDay``, ``EvryWorkgDay`` (every working day of the bank's calendar: Monday to Friday
  except public holidays, plus the weekend days worked in exchange for a holiday, such as
  China's 调休上班 days; whether an instant is on a working day is decided by its local date
  in the bank's time zone, not its UTC date),
- ``IntrvlDay:NN`` (every NN calendar days, 02-31),
- ``IntrvlWkDay:0W:0D`` (every W weeks on ISO weekday D, 01 = Monday),
- ``IntrvlMnthDay:MM:DD`` (every MM months, 01-06, 12 or 24, on day DD; a day the month does
  not have is its last day, and -01..-05 count back from the month's last day).

An instalment keeps the time of day of the first payment. Instalment 0 is the first payment
(``FirstPaymentDateTime``); the recurring ones start at ``RecurringPaymentDateTime`` or the
first date after the first payment that the frequency allows; the order ends after
``NumberOfPayments`` instalments or with the final payment at ``FinalPaymentDateTime``, or
runs until cancelled.

Dates the partner gives are paid as given: a ``FirstPaymentDateTime`` (or
``RecurringPaymentDateTime``, ``FinalPaymentDateTime``) on a holiday is not moved, even for
``EvryWorkgDay``. Only the dates the frequency generates skip non-working days; the next one
after a holiday is the next working day. Other frequencies ignore holidays. The dates are
worked out again from the order on every run, so a calendar update (a newly published
State Council notice, another ``WENDU_COUNTRY``) moves the order's remaining dates.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wendu.errors import bad_request
from wendu.kit.holidays import WorkingDays

FREQUENCY_PATH = "Data.Initiation.MandateRelatedInformation.Frequency.Type"
_DAILY = re.compile(r"^(EvryDay|EvryWorkgDay)$")
_INTERVAL_DAY = re.compile(r"^IntrvlDay:(0[2-9]|[12][0-9]|3[01])$")
_WEEKLY = re.compile(r"^IntrvlWkDay:(0[1-9]):(0[1-7])$")
_MONTHLY = re.compile(r"^IntrvlMnthDay:(0[1-6]|12|24):(-0[1-5]|0[1-9]|[12][0-9]|3[01])$")
# A safety bound on walking a schedule (over 27 years of working days).
MAX_INSTALMENTS = 10_000
# A calendar with no working day for this long is a configuration error, not a schedule.
MAX_DAYS_OFF = 3660

Step = Callable[[datetime], datetime]


def parse_frequency(value: str, working_days: WorkingDays) -> Step:
    """Return the function giving the next date the frequency allows strictly after a date.

    ``working_days`` decides the dates of ``EvryWorkgDay``. Raises 400 U002 for a pattern
    that is malformed or that this bank does not run.
    """
    if _DAILY.match(value):
        if value == "EvryDay":
            return _next_day
        return lambda after: _next_working_day(after, working_days)
    if match := _INTERVAL_DAY.match(value):
        days = int(match.group(1))
        return lambda after: after + timedelta(days=days)
    if match := _WEEKLY.match(value):
        weeks, weekday = int(match.group(1)), int(match.group(2))
        return lambda after: _next_weekday(after, weeks, weekday)
    if match := _MONTHLY.match(value):
        months, day = int(match.group(1)), int(match.group(2))
        return lambda after: _next_month_day(after, months, day)
    raise bad_request(
        f"Frequency {value[:40]!r} is not supported: use EvryDay, EvryWorkgDay, IntrvlDay:NN, "
        "IntrvlWkDay:0W:0D or IntrvlMnthDay:MM:DD",
        path=FREQUENCY_PATH,
    )


def _next_day(after: datetime) -> datetime:
    return after + timedelta(days=1)


def _next_working_day(after: datetime, working_days: WorkingDays) -> datetime:
    """The first instant a whole number of days after ``after`` whose local date is a
    working day."""
    nxt = after + timedelta(days=1)
    for _ in range(MAX_DAYS_OFF):
        if working_days.is_working_at(nxt):
            return nxt
        nxt += timedelta(days=1)
    raise ValueError(f"no working day within {MAX_DAYS_OFF} days after {after.isoformat()}")


def _next_weekday(after: datetime, weeks: int, weekday: int) -> datetime:
    """The next ISO ``weekday`` after ``after``; when ``after`` already falls on it (a
    recurring date), ``weeks`` weeks later."""
    if after.isoweekday() == weekday:
        return after + timedelta(weeks=weeks)
    return after + timedelta(days=(weekday - after.isoweekday()) % 7)


def _month_day(year: int, month: int, day: int) -> int:
    last = calendar.monthrange(year, month)[1]
    return last + 1 + day if day < 0 else min(day, last)


def _next_month_day(after: datetime, months: int, day: int) -> datetime:
    """The next ``day`` of the month after ``after``; when ``after`` already falls on it (a
    recurring date), the one ``months`` months later."""
    this_month = after.replace(day=_month_day(after.year, after.month, day))
    if this_month > after:
        return this_month
    step = months if this_month == after else 1
    index = after.year * 12 + after.month - 1 + step
    year, month = divmod(index, 12)
    return after.replace(year=year, month=month + 1, day=_month_day(year, month + 1, day))


@dataclass(frozen=True)
class Plan:
    """The instalments of one standing order, in minor units, on the bank's working days."""

    frequency: str
    first_at: datetime
    first_minor: int
    recurring_minor: int
    recurring_at: datetime | None = None
    final_at: datetime | None = None
    final_minor: int | None = None
    count: int | None = None
    working_days: WorkingDays = field(kw_only=True)

    def instalment(self, index: int) -> tuple[datetime, int] | None:
        """Return instalment ``index`` (0 = first) as (due, amount), or None past the end."""
        if index < 0 or (self.count is not None and index >= self.count):
            return None
        for i, (due, final) in enumerate(self._dates()):
            if i == index:
                last = final or (self.count is not None and index == self.count - 1)
                if index == 0:
                    return due, self.first_minor
                return due, self._final_amount() if last else self.recurring_minor
            if final or i >= MAX_INSTALMENTS:
                break
        return None

    def _dates(self) -> Iterator[tuple[datetime, bool]]:
        """Yield (due, is the final-date instalment) in order."""
        step = parse_frequency(self.frequency, self.working_days)
        due = self.first_at
        yield due, False
        first_recurring = True
        while True:
            if first_recurring and self.recurring_at is not None:
                due = self.recurring_at
            else:
                due = step(due)
            first_recurring = False
            if self.final_at is not None and due >= self.final_at:
                yield self.final_at, True
                return
            yield due, False

    def _final_amount(self) -> int:
        return self.final_minor if self.final_minor is not None else self.recurring_minor
