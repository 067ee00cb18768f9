"""The window of days the synthetic activity covers, with fast day and timestamp helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

# The default last day of activity. A fixed date (not today) keeps every seed reproducible;
# pass ``end`` to seed_bank (or ``--end`` on the command line) to move it.
DEFAULT_END = date(2026, 11, 28)

_EPOCH = date(1970, 1, 1)


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved by ``months`` calendar months, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def to_datetime(ts: int) -> datetime:
    """Return the aware UTC datetime of epoch seconds ``ts``."""
    return datetime.fromtimestamp(ts, UTC)


class Window:
    """The ``months`` months of activity ending on ``end`` (inclusive), day by day.

    Day indexes count from the first day of the window; every calendar lookup the
    generator needs is computed once here.
    """

    def __init__(self, end: date, months: int) -> None:
        if months < 1:
            raise ValueError("months must be at least 1")
        self.end = end
        self.months = months
        self.start = add_months(end, -months) + timedelta(days=1)
        self.days = (end - self.start).days + 1
        first = (self.start - _EPOCH).days * 86400
        dates = [self.start + timedelta(days=d) for d in range(self.days)]
        # Epoch seconds of each day's midnight UTC, its weekday and its relative month.
        self.midnight = tuple(first + d * 86400 for d in range(self.days))
        self.weekday = tuple(day.weekday() for day in dates)
        self.month_of_day = tuple(
            min(months - 1, d * months // self.days) for d in range(self.days)
        )
        firsts = [self.month_of_day.index(m) for m in range(months)]
        self.month_first = (*firsts, self.days)
        self.month_ends = tuple(
            d for d, day in enumerate(dates) if (day + timedelta(days=1)).day == 1
        )
        self.quarter_days = tuple(
            d for d, day in enumerate(dates) if day.day == 21 and day.month in (3, 6, 9, 12)
        )
        self._monthly = {
            dom: tuple(d for d, day in enumerate(dates) if day.day == dom) for dom in range(1, 29)
        }

    def date_of(self, day: int) -> date:
        """Return the calendar date of day index ``day`` (may lie outside the window)."""
        return self.start + timedelta(days=day)

    def index_of(self, when: date) -> int:
        """Return the day index of ``when`` (negative before the window)."""
        return (when - self.start).days

    def monthly(self, day_of_month: int) -> tuple[int, ...]:
        """Return the day indexes of every ``day_of_month`` (capped at 28) in the window."""
        return self._monthly[min(28, max(1, day_of_month))]

    def first_day_of_month(self, month: int) -> int:
        """Return the first day index of relative month ``month`` (``days`` past the end)."""
        return self.month_first[month]
