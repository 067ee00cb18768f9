"""Streaming burst detection over hourly mention counts, aware of the day's rhythm.

Every series (a topic's volume, its negative mentions, its reach-weighted volume) keeps an
expected value per local hour of the day, kept apart for working days and days off
(weekends and public holidays from ``kit.holidays``): people post at lunch and in the
evening, and less on a holiday morning, so a flat baseline would flag every evening.
The expectation is a running mean of earlier days at the same hour (smoothed with the
neighbouring hours, so a week of history is enough), then an exponentially weighted one;
values are winsorised before they are learned, and buckets inside an open alert are not
learned at all, so a story that runs for a week does not become the new normal.

Each new bucket adds the log-likelihood ratio of "the rate is ``ratio`` times what is
expected" against "the rate is as expected" to a one-sided CUSUM (Page's test). Counts
are negative binomial, not Poisson: posts come in clumps (variance μ + μ²/r, with 1/r
learned from ordinary buckets), and the expectation itself is uncertain while it rests on
few days (a Gamma posterior on the rate, which adds 1/(n·μ) to 1/r). A Poisson test would
turn either into false alerts at the busy hours. When the sum crosses ``threshold`` an
alert is raised; it starts at the bucket where the sum last left zero, which is when the
story began, not when it was noticed. Later buckets update the open alert (peak, size,
mentions); a second CUSUM, of the opposite ratio, gathers evidence that the rate is back
to normal and closes the alert when it crosses ``close_threshold`` (waiting for the first
sum to drain would keep a big story open for weeks). Page's CUSUM is the quickest
detector of a rate change for a given false-alarm rate (Lorden, 1971), which is what
"before it trends" asks for: a steady 2–3× rise is caught within hours, long before any
single hour looks extreme.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

AlertChange = Literal["raised", "updated", "closed"]


@dataclass(frozen=True)
class BurstConfig:
    """Detector settings; the defaults suit hourly buckets of mention counts."""

    ratio: float = 2.5  # the rise to detect: rate × ratio
    threshold: float = 6.0  # CUSUM level that raises an alert
    close_threshold: float = 4.0  # evidence of "back to normal" that closes an open alert
    quiet_buckets: int = 12  # an open alert with no rising bucket for this long is over
    floor: float = 0.2  # least expected value of a bucket: quiet series still have some
    warmup_days: int = 7  # days of history before any alert
    memory_days: float = 14.0  # the baseline's effective memory once warmed up
    min_total: float = 6.0  # an alert needs at least this much observed in its span
    winsor_sd: float = 3.0  # values above expected + this many sds are learned as that cap

    def __post_init__(self) -> None:
        if self.ratio <= 1:
            raise ValueError("ratio must be above 1")
        if self.threshold <= 0 or self.floor <= 0 or self.memory_days < 1:
            raise ValueError("threshold, floor and memory_days must be positive")


@dataclass
class Burst:
    """One alert of one series: when it began, its peak, and how big it is so far."""

    series: str
    start: dt.datetime
    peak: dt.datetime
    peak_value: float
    observed: float
    expected: float
    last: dt.datetime  # start of the latest bucket inside the burst
    end: dt.datetime | None = None  # end of the last bucket, once closed
    members: list[str] = field(default_factory=list)  # ids of the mentions inside

    @property
    def open(self) -> bool:
        """Tell whether the burst is still running."""
        return self.end is None

    @property
    def excess(self) -> float:
        """Return observed minus expected over the burst."""
        return self.observed - self.expected


@dataclass(frozen=True)
class AlertEvent:
    """A change to an alert: raised once, updated while it grows, closed when it ends."""

    change: AlertChange
    burst: Burst


@dataclass
class _Bucket:
    at: dt.datetime
    value: float
    expected: float
    members: Sequence[str]
    key: tuple[bool, int]
    trials: float = 0.0  # share series: the mentions the value is a share of
    llr: float = 0.0


class SeriesDetector:
    """Detect bursts in one series fed one bucket at a time (oldest first)."""

    def __init__(
        self,
        series: str,
        config: BurstConfig,
        day_off: Callable[[dt.date], bool],
        zone: dt.tzinfo,
        bucket: dt.timedelta = dt.timedelta(hours=1),
    ) -> None:
        self.series = series
        self.cfg = config
        self.day_off = day_off
        self.zone = zone
        self.bucket = bucket
        self.slots = max(1, round(dt.timedelta(days=1) / bucket))
        # expected value per (day off?, slot of the day) and how many days taught it
        self.profile: dict[tuple[bool, int], float] = {}
        self.taught: dict[tuple[bool, int], int] = {}
        self.groups: set[bool] = set()  # kinds of day seen so far (day off or not)
        self.inv_shape = 0.1  # 1/r of the negative binomial: how clumpy the counts are
        self.cusum = 0.0
        self.calm = 0.0  # evidence, while an alert is open, that the rate is back to normal
        self.quiet = 0  # buckets since the open alert last rose
        self.pending: list[_Bucket] = []  # buckets since the CUSUM last left zero
        self.burst: Burst | None = None
        self.first: dt.datetime | None = None

    def expected(self, at: dt.datetime) -> float:
        """Return the expected value of the bucket starting at ``at``."""
        return self._expected(self.slot_of(at))

    def _expect(self, bucket: _Bucket) -> float:
        return self._expected(bucket.key)

    def _expected(self, key: tuple[bool, int]) -> float:
        off, slot = key
        if off not in self.groups:
            off = not off  # no day off seen yet: borrow the working days' rhythm
        total = weight = 0.0
        for shift, w in ((-1, 0.25), (0, 0.5), (1, 0.25)):
            value = self.profile.get((off, (slot + shift) % self.slots))
            if value is not None:
                total, weight = total + w * value, weight + w
        return max(total / weight if weight else self.cfg.floor, self.cfg.floor)

    def push(
        self,
        at: dt.datetime,
        value: float,
        members: Sequence[str] = (),
        slot: tuple[bool, int] | None = None,
        trials: float = 0.0,
    ) -> list[AlertEvent]:
        """Feed the bucket starting at aware ``at``; return the alert changes it caused.

        ``slot`` is ``slot_of(at)`` when the caller already knows it (many series, one hour);
        ``trials`` is what ``value`` is a share of (``ShareDetector`` only).
        """
        if at.tzinfo is None:
            raise ValueError("naive datetime: pass an aware bucket start")
        if value < 0 or not math.isfinite(value) or trials < 0:
            raise ValueError("a bucket's value must be finite and not negative")
        self.first = self.first or at
        warm = at - self.first >= dt.timedelta(days=self.cfg.warmup_days)
        bucket = _Bucket(at, value, 0.0, list(members), slot or self.slot_of(at), trials)
        bucket.expected = self._expect(bucket)
        events: list[AlertEvent] = []
        if warm:
            events = self._test(bucket)
        self._learn(bucket)
        return events

    def flush(self) -> list[AlertEvent]:
        """Close an open burst at the end of the stream (it ends after its last bucket)."""
        if self.burst is None:
            return []
        return [self._close()]

    # --- the test -----------------------------------------------------------------------

    def _test(self, bucket: _Bucket) -> list[AlertEvent]:
        llr = bucket.llr = self._llr(bucket)
        if self.burst is not None:
            self.calm = max(0.0, self.calm - llr)
            self.quiet = 0 if llr > 0 else self.quiet + 1
            # Over when calm is evident, or when nothing has risen for a while (a share
            # series hears nothing in an hour without posts, so calm never builds there).
            if self.calm >= self.cfg.close_threshold or self.quiet >= self.cfg.quiet_buckets:
                return [self._close()]
            self._grow(bucket)
            return [AlertEvent("updated", self.burst)]
        self.cusum = max(0.0, self.cusum + llr)
        if self.cusum == 0.0:
            self.pending.clear()
            return []
        self.pending.append(bucket)
        observed = sum(b.value for b in self.pending)
        if self.cusum >= self.cfg.threshold and observed >= self.cfg.min_total:
            rise = self.pending[_change_point(self.pending) :]
            first = rise[0]
            self.burst = Burst(self.series, first.at, first.at, first.value, 0.0, 0.0, first.at)
            for earlier in rise:
                self._grow(earlier)
            return [AlertEvent("raised", self.burst)]
        return []

    def _llr(self, bucket: _Bucket) -> float:
        """Return log P(value | rate × ratio) − log P(value | rate), negative binomial."""
        k, mu, value = self.cfg.ratio, bucket.expected, bucket.value
        days = min(self.taught.get(bucket.key, 0), self.cfg.memory_days)
        inv_r = self.inv_shape + 1.0 / (max(2.0 * days, 1.0) * mu)  # 2×: neighbours pooled
        r = 1.0 / inv_r
        return value * math.log(k * (mu + r) / (k * mu + r)) + r * math.log((mu + r) / (k * mu + r))

    def _grow(self, bucket: _Bucket) -> None:
        burst = self.burst
        assert burst is not None
        burst.observed += bucket.value
        burst.expected += bucket.expected
        burst.last = bucket.at
        burst.members.extend(bucket.members)
        if bucket.value > burst.peak_value:
            burst.peak, burst.peak_value = bucket.at, bucket.value

    def _close(self) -> AlertEvent:
        burst = self.burst
        assert burst is not None
        burst.end = burst.last + self.bucket
        self.burst = None
        self.cusum = self.calm = 0.0
        self.quiet = 0
        self.pending.clear()
        return AlertEvent("closed", burst)

    # --- the baseline ---------------------------------------------------------------------

    def _learn(self, bucket: _Bucket) -> None:
        if self.burst is not None:
            return  # a story teaches the baseline nothing
        key, value, mu = bucket.key, bucket.value, bucket.expected
        sd = math.sqrt(mu + self.inv_shape * mu * mu)
        clean = min(value, mu + self.cfg.winsor_sd * sd)
        n = self.taught.get(key, 0)
        alpha = max(1.0 / (n + 1), 1.0 / self.cfg.memory_days)
        self.profile[key] = (1 - alpha) * self.profile.get(key, clean) + alpha * clean
        self.taught[key] = n + 1
        self.groups.add(key[0])
        if n >= 2 and mu >= 0.5:  # clumpiness, from hours with history and some volume
            excess = ((value - mu) ** 2 - mu) / (mu * mu)
            self.inv_shape = 0.98 * self.inv_shape + 0.02 * min(max(excess, 0.0), 2.0)

    def slot_of(self, at: dt.datetime) -> tuple[bool, int]:
        """Return (is the local date a day off?, slot of the local day) of an instant."""
        local = at.astimezone(self.zone)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        slot = int((local - midnight) / self.bucket) % self.slots
        return self.day_off(local.date()), slot


def _change_point(pending: Sequence[_Bucket]) -> int:
    """Return where the rise most likely began: the index from which the buckets' summed
    log-likelihood ratio is largest (the CUSUM may idle just above zero for hours first)."""
    best, best_sum, tail = 0, -math.inf, 0.0
    for index in range(len(pending) - 1, -1, -1):
        tail += pending[index].llr
        if tail > best_sum:
            best, best_sum = index, tail
    return best


class ShareDetector(SeriesDetector):
    """Detect a rise in the share of mentions with some property (e.g. negative ones).

    The value of a bucket is how many of its ``trials`` mentions have the property; the
    usual share is an exponentially decayed ratio of earlier buckets outside alerts, and the
    test is the binomial log-likelihood ratio of "the share is ``ratio`` times the usual
    (capped at 0.95)" against "the share is usual". A busy hour with the usual mix raises
    nothing; a quiet hour where most posts turn negative does. A topic whose posts are
    mostly negative anyway (app outages) has no change of tone left to detect: its share
    series stays silent and its count series speak.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.hits = 1.0  # decayed sums with a weak prior of one in ten
        self.total = 10.0

    @property
    def share(self) -> float:
        """Return the usual share."""
        return min(max(self.hits / self.total, 0.01), 0.9)

    def _expect(self, bucket: _Bucket) -> float:
        return self.share * bucket.trials

    def _llr(self, bucket: _Bucket) -> float:
        if bucket.trials <= 0:
            return 0.0
        p0 = self.share
        p1 = min(p0 * self.cfg.ratio, 0.95)
        if p0 > 0.6:  # mostly negative already: no change of tone left to see
            return 0.0
        k, n = bucket.value, bucket.trials
        return k * math.log(p1 / p0) + (n - k) * math.log((1 - p1) / (1 - p0))

    def _learn(self, bucket: _Bucket) -> None:
        if self.burst is not None:
            return
        decay = 1.0 - 1.0 / (self.slots * self.cfg.memory_days)
        self.hits = decay * self.hits + bucket.value
        self.total = decay * self.total + bucket.trials
