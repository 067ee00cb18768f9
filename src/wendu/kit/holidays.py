"""Official calendars of a jurisdiction: public holidays, make-up working days, working days.

Shared by the helpdesk (business-hours SLA calendars) and payments (standing orders paid
every working day). Mainland China follows the State Council's yearly notice, where a
holiday block is paid for by working one or two weekend days (调休上班); other countries
come from the ``holidays`` package.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo


class DayKind(enum.StrEnum):
    """How the official calendar classifies a date."""

    WORKDAY = "workday"  # ordinary Monday–Friday
    WEEKEND = "weekend"  # ordinary Saturday/Sunday
    HOLIDAY = "holiday"  # public holiday, including weekend days inside a holiday block
    MAKEUP_WORKDAY = "makeup_workday"  # weekend day worked in exchange for a holiday (调休上班)


# The kinds of day that are official working days.
WORKING_KINDS = frozenset({DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY})


class HolidaySource(Protocol):
    """Classify dates for one jurisdiction."""

    def day_kind(self, day: dt.date) -> DayKind:
        """Return the official kind of ``day``."""
        ...


def _plain_kind(day: dt.date) -> DayKind:
    return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY


@dataclass(frozen=True)
class NoHolidays:
    """A jurisdiction with weekends and no public holidays."""

    def day_kind(self, day: dt.date) -> DayKind:
        """Return WEEKEND or WORKDAY by weekday."""
        return _plain_kind(day)


@dataclass(frozen=True)
class CountryHolidays:
    """Public holidays of a country (and subdivision) from the ``holidays`` package."""

    country: str
    subdiv: str | None = None

    @cached_property
    def _calendar(self) -> Any:
        import holidays

        return holidays.country_holidays(self.country, subdiv=self.subdiv)

    def day_kind(self, day: dt.date) -> DayKind:
        """Return the kind of ``day``, honouring weekend workdays where the package has them."""
        cal = self._calendar
        if day in cal:  # membership also loads the year, which fills weekend_workdays
            return DayKind.HOLIDAY
        if day.weekday() >= 5 and day in getattr(cal, "weekend_workdays", ()):
            return DayKind.MAKEUP_WORKDAY
        return _plain_kind(day)


@dataclass(frozen=True)
class ChinaHolidays:
    """Classify Mainland China dates from State Council notices (调休 included).

    ``chinesecalendar`` only covers the years whose notices were published when it was
    released; for other years the ``holidays`` package supplies the statutory days.
    """

    @cached_property
    def _fallback(self) -> CountryHolidays:
        return CountryHolidays("CN")

    def day_kind(self, day: dt.date) -> DayKind:
        """Return the kind of ``day`` from the State Council schedule."""
        import chinese_calendar

        try:
            workday = chinese_calendar.is_workday(day)
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return self._fallback.day_kind(day)
        if workday:
            return DayKind.MAKEUP_WORKDAY if day.weekday() >= 5 else DayKind.WORKDAY
        # An unnamed day off is an ordinary weekend; a named one is inside a holiday block.
        if on_holiday and name is None:
            return DayKind.WEEKEND
        return DayKind.HOLIDAY


def holiday_source(country: str | None, subdiv: str | None = None) -> HolidaySource:
    """Return the holiday source for an ISO country code (None: no holidays)."""
    if country is None:
        return NoHolidays()
    if country.upper() == "CN":
        return ChinaHolidays()
    return CountryHolidays(country.upper(), subdiv)


@dataclass(frozen=True)
class WorkingDays:
    """Which dates are working days, and the time zone in which an instant has its date.

    ``is_working_day`` judges a local date; :meth:`working_days` builds the official one of
    a jurisdiction (ordinary weekdays and make-up working days, not public holidays).
    """

    is_working_day: Callable[[dt.date], bool]
    timezone: str = "UTC"

    @cached_property
    def zone(self) -> ZoneInfo:
        """Return the time zone whose local date counts."""
        return ZoneInfo(self.timezone)

    def local_date(self, at: dt.datetime) -> dt.date:
        """Return the local date of an aware instant."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("naive datetime: pass an aware datetime")
        return at.astimezone(self.zone).date()

    def is_working_at(self, at: dt.datetime) -> bool:
        """Tell whether an aware instant falls on a working day of the zone."""
        return self.is_working_day(self.local_date(at))


def is_official_working_day(source: HolidaySource, day: dt.date) -> bool:
    """Tell whether ``day`` is an ordinary weekday or a make-up working day in ``source``."""
    return source.day_kind(day) in WORKING_KINDS


@lru_cache(maxsize=16)
def working_days(country: str | None, timezone: str, subdiv: str | None = None) -> WorkingDays:
    """Return the official working days of a jurisdiction, dated in ``timezone``.

    Cached, so a loaded ``holidays`` calendar is shared by every caller.
    """
    ZoneInfo(timezone)  # fail fast on an unknown zone
    source = holiday_source(country, subdiv)
    return WorkingDays(lambda day: is_official_working_day(source, day), timezone)
