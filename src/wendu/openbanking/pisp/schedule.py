"""The dates of a standing order: OB ``Frequency`` patterns and the instalments they make.

Pure functions, no database and no settings: the caller passes the bank's working days
(``wendu.kit.holidays.WorkingDays``, built from ``settings.country`` and
``settings.timezone``). Calendar dates (which weekday, which day of the month) are the local
dates of the bank's time zone, not UTC dates. Supported ``Frequency.Type`` values (others
are refused with 400 U002):

- ``EvryDay``, ``EvryWorkgDay`` (every working day of the bank's calendar: Monday to Friday
  except public holidays, plus the weekend days worked in exchange for a holiday, such as
  China's 调休上班 days; whether an instant is on a working day is decided by its local date
  in the bank's time zone, not its UTC date),
- ``IntrvlDay:NN`` (every NN calendar days, 02-31),
- ``IntrvlWkDay:0W:0D`` (every W weeks on ISO weekday D, 01 = Monday),
- ``WkInMnthDay:0W:0D`` (every month on the W-th ISO weekday D of the month, W 01-05;
  ``05`` means the last such weekday of the month: the fifth when the month has five, the
  fourth when it has only four, so ``WkInMnthDay:05:05`` is the last Friday of every month),
- ``IntrvlMnthDay:MM:DD`` (every MM months, 01-06, 12 or 24, on day DD; a day the month does
  not have is its last day, and -01..-05 count back from the month's last day),
- ``QtrDay:ENGLISH`` (25 March, 24 June, 29 September, 25 December), ``QtrDay:SCOTTISH``
  (2 February, 15 May, 1 August, 11 November), ``QtrDay:RECEIVED`` (20 March, 19 June,
  24 September, 20 December), the quarter days of the spec's ``Frequency_1`` text,
- the ISO 20022 codes of ``OBFrequency6Code`` that make a regular schedule, anchored on the
  first recurring date (``RecurringPaymentDateTime``, else ``FirstPaymentDateTime``):
  ``DAIL`` (every calendar day), ``WEEK`` (every 7 days, so the same weekday), ``FRTN``
  (every 14 days), ``MNTH``, ``QURT``, ``MIAN`` and ``YEAR`` (every 1, 3, 6 and 12 months on
  the anchor's day of the month; a month without that day pays on its last day, and the
  months after it go back to the anchor's day: 31 January, 28 February, 31 March; 29
  February 2028, 28 February 2029, ..., 29 February 2032).

Refused: ``NotKnown``, ``ADHO`` (ad hoc), ``INDA`` (intra-day) and ``NONE``, which set no
regular dates, and ``WODL``, ``FOWK``, ``TWMH``, ``FOMH``, ``FIMH`` and ``ALMH``, which the
v4 spec lists without defining. ``Frequency.CountPerPeriod`` other than 1 and any
``Frequency.PointInTime`` are refused too (``check_frequency_options``): every supported
frequency pays once per period, on the date its pattern or anchor gives.

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
from datetime import date, datetime, timedelta, tzinfo

from wendu.errors import bad_request
from wendu.kit.holidays import WorkingDays

FREQUENCY_PATH = "Data.Initiation.MandateRelatedInformation.Frequency.Type"
COUNT_PER_PERIOD_PATH = "Data.Initiation.MandateRelatedInformation.Frequency.CountPerPeriod"
POINT_IN_TIME_PATH = "Data.Initiation.MandateRelatedInformation.Frequency.PointInTime"
SUPPORTED = (
    "EvryDay, EvryWorkgDay, IntrvlDay:NN, IntrvlWkDay:0W:0D, WkInMnthDay:0W:0D, "
    "IntrvlMnthDay:MM:DD, QtrDay:ENGLISH|SCOTTISH|RECEIVED, DAIL, WEEK, FRTN, MNTH, QURT, "
    "MIAN or YEAR"
)
_DAILY = re.compile(r"^(EvryDay|EvryWorkgDay)$")
_INTERVAL_DAY = re.compile(r"^IntrvlDay:(0[2-9]|[12][0-9]|3[01])$")
_WEEKLY = re.compile(r"^IntrvlWkDay:(0[1-9]):(0[1-7])$")
_WEEK_IN_MONTH = re.compile(r"^WkInMnthDay:(0[1-5]):(0[1-7])$")
_MONTHLY = re.compile(r"^IntrvlMnthDay:(0[1-6]|12|24):(-0[1-5]|0[1-9]|[12][0-9]|3[01])$")
_QUARTER_DAY = re.compile(r"^QtrDay:(ENGLISH|SCOTTISH|RECEIVED)$")
# (month, day) of the quarter days, from the spec's Frequency_1 description.
QUARTER_DAYS: dict[str, tuple[tuple[int, int], ...]] = {
    "ENGLISH": ((3, 25), (6, 24), (9, 29), (12, 25)),
    "SCOTTISH": ((2, 2), (5, 15), (8, 1), (11, 11)),
    "RECEIVED": ((3, 20), (6, 19), (9, 24), (12, 20)),
}
# ISO 20022 codes with a regular period: (days, months) between instalments.
ISO_PERIODS: dict[str, tuple[int, int]] = {
    "DAIL": (1, 0),
    "WEEK": (7, 0),
    "FRTN": (14, 0),
    "MNTH": (0, 1),
    "QURT": (0, 3),
    "MIAN": (0, 6),
    "YEAR": (0, 12),
}
# Codes that exist but set no regular dates, and codes the spec lists without a definition.
_UNSCHEDULED = {
    "NotKnown": "it sets no dates",
    "ADHO": "ad hoc payments have no regular dates",
    "INDA": "intra-day payments have no regular dates",
    "NONE": "it sets no dates",
}
_UNDEFINED = frozenset({"WODL", "FOWK", "TWMH", "FOMH", "FIMH", "ALMH"})
# A safety bound on walking a schedule (over 27 years of working days).
MAX_INSTALMENTS = 10_000
# A calendar with no working day for this long is a configuration error, not a schedule.
MAX_DAYS_OFF = 3660

Step = Callable[[datetime], datetime]


def check_frequency(value: str) -> None:
    """Raise 400 U002 (path ``...Frequency.Type``) unless this bank runs ``value``."""
    if (
        _DAILY.match(value)
        or _INTERVAL_DAY.match(value)
        or _WEEKLY.match(value)
        or _WEEK_IN_MONTH.match(value)
        or _MONTHLY.match(value)
        or _QUARTER_DAY.match(value)
        or value in ISO_PERIODS
    ):
        return
    reason = _UNSCHEDULED.get(value)
    if reason is None and value in _UNDEFINED:
        reason = "the OB v4 specification does not define its dates"
    because = f" ({reason})" if reason else ""
    raise bad_request(
        f"Frequency {value[:40]!r} is not supported{because}: use {SUPPORTED}",
        path=FREQUENCY_PATH,
    )


def check_frequency_options(count_per_period: int | None, point_in_time: str | None) -> None:
    """Refuse (400 U002) the ``OBFrequency6`` fields this bank does not schedule.

    ``CountPerPeriod`` may only be absent or 1: every supported frequency pays once per
    period. ``PointInTime`` is refused whatever its value: the spec does not say what its
    two digits mean for each frequency, and the supported patterns and codes already fix
    the date (the pattern's day, or the anchor's weekday or day of the month).
    """
    if count_per_period is not None and count_per_period != 1:
        raise bad_request(
            f"Frequency.CountPerPeriod {count_per_period} is not supported: a standing order "
            "pays once per period (omit CountPerPeriod or send 1)",
            path=COUNT_PER_PERIOD_PATH,
        )
    if point_in_time is not None:
        raise bad_request(
            "Frequency.PointInTime is not supported: the dates come from Frequency.Type and "
            "FirstPaymentDateTime (or RecurringPaymentDateTime); use IntrvlWkDay:0W:0D or "
            "IntrvlMnthDay:MM:DD for a fixed weekday or day of the month",
            path=POINT_IN_TIME_PATH,
        )


def parse_frequency(
    value: str, working_days: WorkingDays, *, anchor: datetime | None = None
) -> Step:
    """Return the function giving the next date the frequency allows strictly after a date.

    ``working_days`` decides the dates of ``EvryWorkgDay`` and the time zone whose local
    dates count. The ISO codes (``MNTH``...) count their periods from ``anchor``, the first
    recurring date; without it they raise ``ValueError``. Raises 400 U002 for a pattern
    that is malformed or that this bank does not run.
    """
    check_frequency(value)
    zone = working_days.zone
    if _DAILY.match(value):
        if value == "EvryDay":
            return _next_day
        return lambda after: _next_working_day(after, working_days)
    if match := _INTERVAL_DAY.match(value):
        days = int(match.group(1))
        return lambda after: after + timedelta(days=days)
    if match := _WEEKLY.match(value):
        weeks, weekday = int(match.group(1)), int(match.group(2))
        return _local(zone, lambda after: _next_weekday(after, weeks, weekday))
    if match := _WEEK_IN_MONTH.match(value):
        week, weekday = int(match.group(1)), int(match.group(2))
        return _local(zone, lambda after: _next_week_in_month(after, week, weekday))
    if match := _MONTHLY.match(value):
        months, day = int(match.group(1)), int(match.group(2))
        return _local(zone, lambda after: _next_month_day(after, months, day))
    if match := _QUARTER_DAY.match(value):
        quarter_days = QUARTER_DAYS[match.group(1)]
        return _local(zone, lambda after: _next_quarter_day(after, quarter_days))
    days, months = ISO_PERIODS[value]
    if anchor is None:
        raise ValueError(f"frequency {value} counts from an anchor date: pass anchor")
    start = anchor.astimezone(zone)
    return lambda after: _next_period(start, days, months, after)


def _local(zone: tzinfo, step: Step) -> Step:
    """Run ``step`` on the local wall-clock time in ``zone``; answer in the caller's zone."""
    return lambda after: step(after.astimezone(zone)).astimezone(after.tzinfo)


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


def week_in_month(year: int, month: int, week: int, weekday: int) -> date:
    """The ``week``-th ISO ``weekday`` of a month; ``week`` 5 is the month's last one (the
    fourth when the month has only four)."""
    first = date(year, month, 1)
    day = 1 + (weekday - first.isoweekday()) % 7 + 7 * (week - 1)
    if day > calendar.monthrange(year, month)[1]:
        day -= 7
    return date(year, month, day)


def _next_week_in_month(after: datetime, week: int, weekday: int) -> datetime:
    """The first ``week``-th ``weekday`` of a month strictly after ``after``, at its time."""
    index = after.year * 12 + after.month - 1
    while True:
        year, month = divmod(index, 12)
        day = week_in_month(year, month + 1, week, weekday)
        candidate = after.replace(year=day.year, month=day.month, day=day.day)
        if candidate > after:
            return candidate
        index += 1


def _next_quarter_day(after: datetime, days: tuple[tuple[int, int], ...]) -> datetime:
    """The first of the quarter ``days`` strictly after ``after``, at its time of day."""
    for year in (after.year, after.year + 1):
        for month, day in days:
            candidate = after.replace(year=year, month=month, day=day)
            if candidate > after:
                return candidate
    raise AssertionError("unreachable: every year has quarter days")


def _nth_period(start: datetime, days: int, months: int, n: int) -> datetime:
    """``start`` plus ``n`` periods of local wall-clock time; a month without ``start``'s
    day gives its last day."""
    if days:
        return start + timedelta(days=days * n)
    year, month = divmod(start.year * 12 + start.month - 1 + months * n, 12)
    return start.replace(year=year, month=month + 1, day=_month_day(year, month + 1, start.day))


def _next_period(start: datetime, days: int, months: int, after: datetime) -> datetime:
    """The first of ``start`` + n periods (n >= 0) strictly after ``after``, in UTC if
    ``after`` is."""
    local_after = after.astimezone(start.tzinfo)
    if days:
        n = max(0, (local_after.replace(tzinfo=None) - start.replace(tzinfo=None)).days // days)
    else:
        elapsed = (local_after.year - start.year) * 12 + local_after.month - start.month
        n = max(0, elapsed // months)
    while n > 0 and _nth_period(start, days, months, n - 1) > local_after:
        n -= 1
    while _nth_period(start, days, months, n) <= local_after:
        n += 1
    return _nth_period(start, days, months, n).astimezone(after.tzinfo)


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
        anchor = self.recurring_at or self.first_at
        step = parse_frequency(self.frequency, self.working_days, anchor=anchor)
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
