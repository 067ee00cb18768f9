"""Run the burst detector over a stream of mentions: per topic and overall, on three signals.

Signals per topic (and for ``all`` mentions): ``volume`` (mentions per hour), ``negative``
(negative mentions per hour), ``negative_share`` (the share of the hour's mentions that are
negative, against the usual share: a change of tone without more posts) and ``reach``
(mentions weighted by 1 + log10(1 + reach), so a post seen by a million people counts like
seven quiet ones). The reach signal is divided
by E[w²]/E[w] of the weights seen so far, which makes a weighted sum of Poisson arrivals
behave like a count (mean = variance) for the detector's count model. Alerts of one topic whose
spans overlap are one story: it starts at the earliest signal's start and lists every
signal that rose, which tells staff whether a story is big, angry, widely seen, or all three.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from wendu.kit.holidays import WORKING_KINDS, holiday_source
from wendu.reputation.detect import (
    AlertEvent,
    Burst,
    BurstConfig,
    SeriesDetector,
    ShareDetector,
)
from wendu.reputation.mentions import Mention
from wendu.reputation.topics import TOPIC_LABELS, topics_of

SIGNALS = ("volume", "negative", "negative_share", "reach")
HOUR = dt.timedelta(hours=1)


@dataclass
class Story:
    """Bursts of one topic that overlap in time, across signals."""

    topic: str
    start: dt.datetime
    peak: dt.datetime
    end: dt.datetime | None
    signals: list[str]
    observed: float  # mentions in the volume burst (or the largest signal's)
    expected: float
    mention_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form printed by ``wendu reputation detect``."""
        return {
            "topic": self.topic,
            "start": self.start.isoformat(),
            "peak": self.peak.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "signals": self.signals,
            "observed": round(self.observed, 2),
            "expected": round(self.expected, 2),
            "mention_ids": self.mention_ids,
        }


def days_off(country: str | None) -> Callable[[dt.date], bool]:
    """Return "is this local date a weekend or public holiday?" for a country (cached)."""
    holidays = holiday_source(country)

    @lru_cache(maxsize=4096)
    def day_off(day: dt.date) -> bool:
        return holidays.day_kind(day) not in WORKING_KINDS

    return day_off


@dataclass(frozen=True)
class Observed:
    """What the detector needs of one mention: its id, topics, tone and reach."""

    id: str
    published_at: dt.datetime
    topics: tuple[str, ...]
    negative: bool
    reach: int | None = None


def observe(mention: Mention, negative: Callable[[str], bool]) -> Observed:
    """Return what the detector needs of a mention read from a file."""
    return Observed(
        mention.id,
        mention.published_at,
        tuple(topics_of(mention.text)),
        negative(mention.text),
        mention.reach,
    )


def reach_weight(reach: int | None) -> float:
    """Return a mention's weight in the reach signal."""
    return 1.0 + math.log10(1 + reach) if reach else 1.0


class Monitor:
    """Feed mentions hour by hour; collect alert changes for every topic and signal."""

    def __init__(
        self,
        *,
        timezone: str,
        country: str | None,
        config: BurstConfig | None = None,
    ) -> None:
        self.zone = ZoneInfo(timezone)
        self.day_off = days_off(country)
        self.config = config or BurstConfig()
        self.detectors: dict[str, SeriesDetector] = {}
        self.events: list[AlertEvent] = []
        self.weights = [0.0, 0.0]  # sums of w and w² over every mention so far

    def _detector(self, key: str) -> SeriesDetector:
        found = self.detectors.get(key)
        if found is None:
            kind = ShareDetector if key.endswith(":negative_share") else SeriesDetector
            found = kind(key, self.config, self.day_off, self.zone)
            self.detectors[key] = found
        return found

    def push_hour(self, at: dt.datetime, mentions: Iterable[Observed]) -> list[AlertEvent]:
        """Feed the mentions published in the hour starting at ``at``."""
        values: dict[str, float] = defaultdict(float)
        members: dict[str, list[str]] = defaultdict(list)
        for mention in mentions:
            negative = mention.negative
            weight = reach_weight(mention.reach)
            self.weights[0] += weight
            self.weights[1] += weight * weight
            for topic in ["all", *mention.topics]:
                for signal, value in (
                    ("volume", 1.0),
                    ("negative", 1.0 if negative else 0.0),
                    ("reach", weight),
                ):
                    if value:
                        values[f"{topic}:{signal}"] += value
                        members[f"{topic}:{signal}"].append(mention.id)
        unit = self.weights[1] / self.weights[0] if self.weights[0] else 1.0
        slot = self._detector("all:volume").slot_of(at)  # every series shares the clock
        events: list[AlertEvent] = []
        for topic in ["all", *TOPIC_LABELS]:
            for signal in SIGNALS:
                key = f"{topic}:{signal}"
                if signal == "negative_share":  # negatives out of the hour's mentions
                    source = f"{topic}:negative"
                    value, trials = values.get(source, 0.0), values.get(f"{topic}:volume", 0.0)
                    found = members.get(source, [])
                else:
                    value, trials = values.get(key, 0.0), 0.0
                    value /= unit if signal == "reach" else 1.0
                    found = members.get(key, [])
                events += self._detector(key).push(at, value, found, slot, trials)
        self.events += events
        return events

    def finish(self) -> list[AlertEvent]:
        """Close the bursts still open at the end of the stream."""
        events = [e for d in self.detectors.values() for e in d.flush()]
        self.events += events
        return events


def hours(
    mentions: list[Observed], *, until: dt.datetime | None = None
) -> Iterable[tuple[dt.datetime, list[Observed]]]:
    """Yield every hour from the first mention's to the last one's (or to ``until``) with
    the mentions published in it."""
    if not mentions:
        return
    ordered = sorted(mentions, key=lambda m: m.published_at)
    at = ordered[0].published_at.replace(minute=0, second=0, microsecond=0)
    index = 0
    while index < len(ordered):
        batch = []
        while index < len(ordered) and ordered[index].published_at < at + HOUR:
            batch.append(ordered[index])
            index += 1
        yield at, batch
        at += HOUR
    while until is not None and at + HOUR <= until:  # quiet hours up to now count too
        yield at, []
        at += HOUR


def stories(events: Iterable[AlertEvent]) -> list[Story]:
    """Merge the final state of each burst into stories, per topic, oldest first."""
    bursts: dict[int, Burst] = {}
    for event in events:
        bursts[id(event.burst)] = event.burst
    by_topic: dict[str, list[tuple[str, Burst]]] = defaultdict(list)
    for burst in bursts.values():
        topic, signal = burst.series.rsplit(":", 1)
        by_topic[topic].append((signal, burst))
    out: list[Story] = []
    for topic, items in by_topic.items():
        items.sort(key=lambda item: item[1].start)
        current: Story | None = None
        current_end = dt.datetime.min.replace(tzinfo=dt.UTC)
        for signal, burst in items:
            end = burst.end or burst.last + HOUR
            if current is not None and burst.start < current_end:
                _absorb(current, signal, burst)
                current_end = max(current_end, end)
                continue
            current = Story(topic, burst.start, burst.peak, burst.end, [], 0.0, 0.0)
            _absorb(current, signal, burst)
            current_end = end
            out.append(current)
    for story in out:
        story.mention_ids = sorted(set(story.mention_ids))
    out.sort(key=lambda s: (s.start, s.topic))
    return out


def _absorb(story: Story, signal: str, burst: Burst) -> None:
    if signal not in story.signals:
        story.signals.append(signal)
    story.start = min(story.start, burst.start)
    if burst.end is None or story.end is None:
        story.end = None
    else:
        story.end = max(story.end, burst.end)
    if signal == "volume" or not story.observed:
        story.observed, story.expected, story.peak = burst.observed, burst.expected, burst.peak
    story.mention_ids.extend(burst.members)


def detect(
    mentions: list[Mention],
    *,
    timezone: str,
    country: str | None,
    negative: Callable[[str], bool],
    config: BurstConfig | None = None,
) -> list[Story]:
    """Run the monitor over a finished list of mentions and return its stories."""
    monitor = Monitor(timezone=timezone, country=country, config=config)
    for at, batch in hours([observe(m, negative) for m in mentions]):
        monitor.push_hour(at, batch)
    return stories(monitor.events)  # a burst still running at the end stays open (end None)
