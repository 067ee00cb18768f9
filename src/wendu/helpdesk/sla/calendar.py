"""Business-hours calendars: opening hours, public holidays and make-up working days.

All public methods take and return aware datetimes; results are in UTC. Opening hours are
wall-clock times in the calendar's zone, so a 09:00 opening stays 09:00 across DST changes.
Which dates are public holidays or make-up working days comes from ``wendu.kit.holidays``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from wendu.kit.holidays import WORKING_KINDS, DayKind, HolidaySource, holiday_source

UTC = dt.UTC

# A calendar that never opens would make the searches below loop for ever; ten years of
# closed days is treated as a configuration error instead.
_MAX_SEARCH_DAYS = 3660


@dataclass(frozen=True, order=True)
class Interval:
    """Opening interval inside one local day, in minutes after midnight (end ≤ 1440)."""

    start_min: int
    end_min: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_min < self.end_min <= 1440:
            raise ValueError(f"bad opening interval {self.start_min}-{self.end_min}")

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Parse ``"09:00-12:00"``; ``24:00`` closes at midnight."""
        left, right = (part.strip() for part in text.split("-"))
        return cls(_minutes(left), _minutes(right))

    def __str__(self) -> str:
        return f"{_hhmm(self.start_min)}-{_hhmm(self.end_min)}"


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _intervals(spec: Iterable[str | Interval]) -> tuple[Interval, ...]:
    parsed = sorted(Interval.parse(s) if isinstance(s, str) else s for s in spec)
    for before, after in itertools.pairwise(parsed):
        if after.start_min < before.end_min:
            raise ValueError(f"overlapping opening intervals {before} and {after}")
    return tuple(parsed)


def _require_aware(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime (UTC in storage)")
    return t.astimezone(UTC)


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours in one time zone, closed on public holidays and extra closure dates.

    ``weekly`` maps weekday (0 = Monday) to opening intervals; missing weekdays are closed.
    On a make-up working day (a weekend day the official calendar makes a workday) the
    desk opens with ``makeup_hours``, by default the Monday hours. Public holidays close
    the desk unless ``observe_holidays`` is false (a 24/7 fraud line, say).
    """

    timezone: str
    weekly: Mapping[int, tuple[Interval, ...]]
    country: str | None = None  # ISO code for public holidays; CN uses chinesecalendar
    subdiv: str | None = None
    closures: frozenset[dt.date] = frozenset()
    makeup_hours: tuple[Interval, ...] | None = None
    observe_holidays: bool = True
    name: str = "default"
    _day_cache: dict[dt.date, tuple[tuple[dt.datetime, dt.datetime], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @classmethod
    def build(
        cls,
        timezone: str,
        weekly: Mapping[int, Sequence[str | Interval]],
        *,
        country: str | None = None,
        subdiv: str | None = None,
        closures: Iterable[dt.date] = (),
        makeup_hours: Sequence[str | Interval] | None = None,
        observe_holidays: bool = True,
        name: str = "default",
    ) -> BusinessCalendar:
        """Build a calendar from ``"HH:MM-HH:MM"`` strings and an ISO country code."""
        ZoneInfo(timezone)  # fail fast on an unknown zone
        return cls(
            timezone=timezone,
            weekly={int(k): _intervals(v) for k, v in weekly.items() if v},
            country=None if country is None else country.upper(),
            subdiv=subdiv,
            closures=frozenset(closures),
            makeup_hours=None if makeup_hours is None else _intervals(makeup_hours),
            observe_holidays=observe_holidays,
            name=name,
        )

    @classmethod
    def weekdays(
        cls, timezone: str, hours: Sequence[str] = ("09:00-18:00",), **kwargs: Any
    ) -> BusinessCalendar:
        """Build a Monday-to-Friday calendar with the same hours every weekday."""
        return cls.build(timezone, {d: hours for d in range(5)}, **kwargs)

    @cached_property
    def holidays(self) -> HolidaySource:
        """Return the source of public holidays and make-up days."""
        return holiday_source(self.country, self.subdiv)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe description (for configuration tables)."""
        return {
            "name": self.name,
            "timezone": self.timezone,
            "weekly": {str(d): [str(iv) for iv in ivs] for d, ivs in sorted(self.weekly.items())},
            "country": self.country,
            "subdiv": self.subdiv,
            "closures": sorted(d.isoformat() for d in self.closures),
            "makeup_hours": None
            if self.makeup_hours is None
            else [str(iv) for iv in self.makeup_hours],
            "observe_holidays": self.observe_holidays,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Rebuild a calendar from :meth:`to_dict` output."""
        return cls.build(
            data["timezone"],
            {int(d): ivs for d, ivs in data["weekly"].items()},
            country=data.get("country"),
            subdiv=data.get("subdiv"),
            closures=[dt.date.fromisoformat(d) for d in data.get("closures", ())],
            makeup_hours=data.get("makeup_hours"),
            observe_holidays=data.get("observe_holidays", True),
            name=data.get("name", "default"),
        )

    @cached_property
    def zone(self) -> ZoneInfo:
        """Return the calendar's time zone."""
        return ZoneInfo(self.timezone)

    def day_kind(self, day: dt.date) -> DayKind:
        """Return the official kind of a local date."""
        return self.holidays.day_kind(day)

    def is_working_day(self, day: dt.date) -> bool:
        """Tell whether a local date is an official working day (weekday or make-up, not closed).

        This is the notion regulators mean by "working days", independent of opening hours.
        """
        if day in self.closures:
            return False
        return self.day_kind(day) in WORKING_KINDS

    def hours_on(self, day: dt.date) -> tuple[Interval, ...]:
        """Return the opening intervals of a local date."""
        if day in self.closures:
            return ()
        kind = self.day_kind(day)
        if kind is DayKind.HOLIDAY and self.observe_holidays:
            return ()
        if kind is DayKind.MAKEUP_WORKDAY:
            own = self.weekly.get(day.weekday(), ())
            return own or (self.makeup_hours if self.makeup_hours is not None else self._monday)
        return self.weekly.get(day.weekday(), ())

    @cached_property
    def _monday(self) -> tuple[Interval, ...]:
        return self.weekly.get(0, ())

    def open_periods(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        """Return the UTC (start, end) periods when the desk is open on a local date."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=self.zone)
        next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), self.zone)
        periods: list[tuple[dt.datetime, dt.datetime]] = []
        for iv in self.hours_on(day):
            start = self._local(day, iv.start_min, midnight, next_midnight)
            end = self._local(day, iv.end_min, midnight, next_midnight)
            if end > start:  # an interval swallowed by a DST gap contributes nothing
                periods.append((start, end))
        result = tuple(periods)
        self._day_cache[day] = result
        return result

    @staticmethod
    def _local(
        day: dt.date, minute: int, midnight: dt.datetime, next_midnight: dt.datetime
    ) -> dt.datetime:
        # Build wall-clock times with combine() (not midnight + timedelta) so that DST
        # transitions shift the UTC instant, not the local opening time.
        if minute == 1440:
            return next_midnight.astimezone(UTC)
        wall = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=midnight.tzinfo)
        return wall.astimezone(UTC)

    def local_date(self, t: dt.datetime) -> dt.date:
        """Return the calendar-zone date of an aware instant."""
        return _require_aware(t).astimezone(self.zone).date()

    def is_open(self, t: dt.datetime) -> bool:
        """Tell whether the desk is open at instant ``t``."""
        t = _require_aware(t)
        return any(start <= t < end for start, end in self.open_periods(self.local_date(t)))

    def next_open(self, t: dt.datetime) -> dt.datetime:
        """Return ``t`` if open, else the next opening instant (UTC)."""
        t = _require_aware(t)
        for start, end in self._periods_from(t):
            if end > t:
                return max(start, t)
        raise AssertionError("unreachable")  # _periods_from raises when nothing opens

    def _periods_from(self, t: dt.datetime) -> Iterable[tuple[dt.datetime, dt.datetime]]:
        # Start one day early: DST and zones far from UTC put a local day's periods
        # on either side of the UTC date, and the filter below is cheap.
        day = self.local_date(t) - dt.timedelta(days=1)
        empty_run = 0
        while True:
            periods = self.open_periods(day)
            empty_run = 0 if periods else empty_run + 1
            if empty_run > _MAX_SEARCH_DAYS:
                raise ValueError(f"calendar {self.name!r} never opens after {t.isoformat()}")
            for start, end in periods:
                if end > t:
                    yield start, end
            day += dt.timedelta(days=1)

    def add_business_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """Return the UTC instant when ``duration`` of open time has elapsed after ``start``."""
        if duration < dt.timedelta(0):
            raise ValueError("duration must not be negative")
        start = _require_aware(start)
        remaining = duration
        for period_start, period_end in self._periods_from(start):
            begin = max(period_start, start)
            available = period_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable")

    def business_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Return the open time between two instants (negative when ``b`` is before ``a``)."""
        a, b = _require_aware(a), _require_aware(b)
        if b < a:
            return -self.business_time_between(b, a)
        total = dt.timedelta(0)
        day = self.local_date(a) - dt.timedelta(days=1)
        last = self.local_date(b) + dt.timedelta(days=1)
        while day <= last:
            for start, end in self.open_periods(day):
                overlap = min(end, b) - max(start, a)
                if overlap > dt.timedelta(0):
                    total += overlap
            day += dt.timedelta(days=1)
        return total

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """Return the date ``count`` official working days after ``day`` (not counting ``day``)."""
        if count < 0:
            raise ValueError("count must not be negative")
        current = day
        remaining = count
        scanned = 0
        while remaining > 0:
            current += dt.timedelta(days=1)
            scanned += 1
            if scanned > _MAX_SEARCH_DAYS + count:
                raise ValueError(f"calendar {self.name!r} has no working days after {day}")
            if self.is_working_day(current):
                remaining -= 1
        return current

    def end_of_day(self, day: dt.date) -> dt.datetime:
        """Return the UTC instant of local midnight ending ``day``."""
        next_day = day + dt.timedelta(days=1)
        return dt.datetime.combine(next_day, dt.time(0), tzinfo=self.zone).astimezone(UTC)


def china_calendar(
    hours: Sequence[str] = ("09:00-12:00", "13:00-18:00"), **kwargs: Any
) -> BusinessCalendar:
    """Return a Mainland China weekday calendar in Asia/Shanghai with 调休 days honoured."""
    kwargs.setdefault("name", "cn")
    return BusinessCalendar.weekdays("Asia/Shanghai", hours, country="CN", **kwargs)


def always_open(timezone: str = "UTC", name: str = "24x7") -> BusinessCalendar:
    """Return a calendar open every minute of every day (holidays ignored)."""
    return BusinessCalendar.build(
        timezone, {d: ("00:00-24:00",) for d in range(7)}, observe_holidays=False, name=name
    )


def default_calendars() -> dict[str, BusinessCalendar]:
    """Return the calendars the default SLA policies name: ``default`` (CN) and ``24x7``."""
    return {
        "default": china_calendar(name="default"),
        "24x7": always_open("Asia/Shanghai"),
    }
