"""The bank's clock: local days in ``Settings.timezone`` and the UTC windows they cover.

Customers speak in local days ("昨天", "last month"); the ledger stores aware UTC. The
assistant resolves words to local days (``nlu.dates``) against ``BankClock.today()`` and
asks the API for the UTC window those days cover. Tests pin ``now`` to any instant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from wendu.db import utcnow


@dataclass(frozen=True)
class BankClock:
    """The current instant (``utcnow`` unless pinned) seen in the bank's time zone."""

    zone: ZoneInfo
    utc_now: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def for_settings(
        cls, settings: Any, utc_now: Callable[[], datetime] | None = None
    ) -> BankClock:
        """Return the clock of the bank ``settings`` describe (its ``timezone``)."""
        return cls(ZoneInfo(settings.timezone), utc_now or utcnow)

    def now(self) -> datetime:
        """Return the bank's local now, an aware datetime in its zone."""
        return self.utc_now().astimezone(self.zone)

    def today(self) -> date:
        """Return today's date in the bank's zone."""
        return self.now().date()

    def midnight(self, day: date) -> datetime:
        """Return the aware UTC instant at which local ``day`` begins (DST-safe)."""
        return datetime.combine(day, time.min, tzinfo=self.zone).astimezone(UTC)

    def window(self, first: date, last: date) -> tuple[datetime, datetime]:
        """Return the aware UTC window [start, end) covering local days first..last."""
        return self.midnight(first), self.midnight(last + timedelta(days=1))


def app_clock(app: Any) -> BankClock:
    """Return the clock an app's assistant runs on: ``app.state.assistant_clock`` when a
    test pinned one, else the zone of ``app.state.settings`` and the real time."""
    pinned = getattr(app.state, "assistant_clock", None)
    if isinstance(pinned, BankClock):
        return pinned
    return BankClock.for_settings(app.state.settings)
