"""The clock the services read (``wendu.db.utcnow``): aware UTC now, which tests can pin.

Local dates — a ticket's reference, a report's day, a standing order's working day — are
computed from this instant in the bank's zone (``settings.timezone``); a date read off the
UTC instant is wrong for eight hours a day in Asia/Shanghai. So that such a mistake fails
every test run rather than only at night, tests pin the clock to chosen instants (after
16:00 UTC the local date is already tomorrow; around Chinese New Year working days and
holidays differ between the two dates).

``pin(instant)`` makes the clock read ``instant`` now and keep ticking (an offset from the
system clock), so leases, timeouts and token lifetimes still advance; ``unpin()`` returns
to the system clock. The offset is process-wide: one test process runs one test at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    """Return the current time as an aware UTC datetime, shifted while the clock is pinned."""
    return datetime.now(UTC) + _offset


def pin(instant: datetime) -> None:
    """Make the clock read ``instant`` (aware) at this moment, and tick on from there."""
    global _offset
    if instant.tzinfo is None:
        raise ValueError("pin the clock to an aware datetime")
    _offset = instant - datetime.now(UTC)


def unpin() -> None:
    """Return to the system clock."""
    global _offset
    _offset = timedelta(0)


@contextmanager
def pinned(instant: datetime) -> Iterator[datetime]:
    """Pin the clock to ``instant`` for the ``with`` block, then restore the clock it had."""
    global _offset
    before = _offset
    pin(instant)
    try:
        yield instant
    finally:
        _offset = before
