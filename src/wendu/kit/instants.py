"""Date-times from the wire, kept inside the range the code can compute with.

``9999-12-31T23:59:59-14:00`` is a valid ISO 8601 string, but its UTC instant lies past the
last ``datetime``: converting it to UTC, storing it or adding a day raises ``OverflowError``
far from where it was parsed. :data:`WireDateTime` refuses such values at parsing time (a
``ValueError``, so a 400), leaving a day of room at both ends of the calendar.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def in_range(value: datetime) -> datetime:
    """Return ``value`` when its instant (UTC when naive) lies in ``[EARLIEST, LATEST]``."""
    try:
        instant = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    except OverflowError:
        instant = None
    if instant is None or not EARLIEST <= instant <= LATEST:
        raise ValueError("date-time is outside the supported range (years 0001 to 9999 UTC)")
    return value


WireDateTime = Annotated[datetime, AfterValidator(in_range)]
