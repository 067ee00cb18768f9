"""The burst detector: quiet on ordinary days, quick on a real rise, one alert per story."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from reputation.streams import START, ZONE, hourly_counts
from wendu.reputation.detect import AlertEvent, BurstConfig, SeriesDetector, ShareDetector
from wendu.reputation.monitor import days_off


def _run(counts: np.ndarray, country: str | None = "CN") -> list[tuple[int, AlertEvent]]:
    detector = SeriesDetector("t:volume", BurstConfig(), days_off(country), ZoneInfo(ZONE))
    events = []
    for hour, value in enumerate(counts):
        for event in detector.push(START + dt.timedelta(hours=hour), float(value), [f"m{hour}"]):
            events.append((hour, event))
    return events


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ordinary_weeks_with_evening_peaks_raise_nothing(seed: int) -> None:
    events = _run(hourly_counts(seed, days=35, per_day=48))
    assert [e for _, e in events if e.change == "raised"] == []


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_a_fivefold_story_is_caught_within_hours_and_raised_once(seed: int) -> None:
    begin = 20 * 24 + 9  # a weekday morning, local time
    events = _run(hourly_counts(seed, days=30, per_day=48, burst_at=begin))
    raised = [(h, e) for h, e in events if e.change == "raised"]
    assert len(raised) == 1
    hour, event = raised[0]
    assert begin <= hour <= begin + 4  # noticed in the first hours of the rise
    burst = event.burst
    # The alert starts when the rise began (small excesses just before may be included),
    # not when it was noticed.
    assert (
        START + dt.timedelta(hours=begin - 16) <= burst.start <= START + dt.timedelta(hours=begin)
    )
    assert burst.observed > burst.expected * 2
    closed = [e for _, e in events if e.change == "closed"]
    assert len(closed) == 1 and closed[0].burst is burst and burst.end is not None
    assert burst.end <= START + dt.timedelta(hours=begin + 21 + 24)  # ends within a day
    assert f"m{begin + 3}" in burst.members
    assert any(e.change == "updated" for _, e in events)


def test_nothing_is_raised_during_warm_up() -> None:
    counts = hourly_counts(7, days=10, per_day=48, burst_at=3 * 24)
    assert [e for _, e in _run(counts) if e.change == "raised"] == []


def test_a_long_story_does_not_become_the_new_normal() -> None:
    """Two days at three times the usual level stay one alert, and a second story a week
    later is still caught."""
    counts = hourly_counts(8, days=40, per_day=48)
    counts[15 * 24 : 17 * 24] += hourly_counts(80, days=2, per_day=96)
    counts[25 * 24 + 10 : 25 * 24 + 20] += 12
    raised = [h for h, e in _run(counts) if e.change == "raised"]
    first = [h for h in raised if 15 * 24 <= h < 17 * 24 + 24]
    second = [h for h in raised if 25 * 24 + 10 <= h < 25 * 24 + 16]
    assert len(first) == 1 and first[0] < 15 * 24 + 12
    assert len(second) == 1


def test_bad_buckets_are_refused() -> None:
    detector = SeriesDetector("t", BurstConfig(), days_off(None), ZoneInfo("UTC"))
    with pytest.raises(ValueError, match="naive"):
        detector.push(dt.datetime(2026, 1, 1), 1.0)
    with pytest.raises(ValueError, match="negative"):
        detector.push(START, -1.0)
    with pytest.raises(ValueError, match="ratio"):
        BurstConfig(ratio=1.0)


def test_the_bank_s_days_off_are_a_rhythm_of_their_own() -> None:
    """Over the 2026 Spring Festival (16–22 Feb) posting drops to a third and a make-up
    working Sunday (14 Feb) is busy: neither is an alert once the calendar knows them."""
    zone = ZoneInfo(ZONE)
    start = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    rng = np.random.default_rng(9)
    detector = SeriesDetector("t", BurstConfig(), days_off("CN"), zone)
    raised = []
    for hour in range(100 * 24):
        at = start + dt.timedelta(hours=hour)
        local = at.astimezone(zone)
        off = days_off("CN")(local.date())
        rate = (3.0 if 8 <= local.hour <= 22 else 0.5) * (0.35 if off else 1.0)
        for event in detector.push(at, float(rng.poisson(rate))):
            raised += [local] if event.change == "raised" else []
    assert raised == []


def _share_run(volume: np.ndarray, negatives: np.ndarray) -> list[int]:
    detector = ShareDetector("t:negative_share", BurstConfig(), days_off("CN"), ZoneInfo(ZONE))
    raised = []
    for hour, (n, k) in enumerate(zip(volume, negatives, strict=True)):
        at = START + dt.timedelta(hours=hour)
        for event in detector.push(at, float(k), trials=float(n)):
            raised += [hour] if event.change == "raised" else []
    return raised


def test_a_change_of_tone_without_more_posts_is_caught_by_the_share() -> None:
    """Posting goes on as usual, but from one evening half the posts are negative instead
    of one in ten: the share detector raises it; volume alone could not."""
    rng = np.random.default_rng(31)
    volume = hourly_counts(32, days=30, per_day=60)
    negatives = rng.binomial(volume.astype(int), 0.1).astype(float)
    turn = 22 * 24 + 11
    negatives[turn : turn + 12] = rng.binomial(volume[turn : turn + 12].astype(int), 0.5)
    raised = _share_run(volume, negatives)
    assert len(raised) == 1 and turn <= raised[0] <= turn + 6
    volume_only = _run(volume)
    assert [e for _, e in volume_only if e.change == "raised"] == []


def test_a_busy_day_with_the_usual_mix_is_no_change_of_tone() -> None:
    rng = np.random.default_rng(33)
    volume = hourly_counts(34, days=30, per_day=60)
    volume[22 * 24 : 23 * 24] *= 3  # three times the posts, same tone
    negatives = rng.binomial(volume.astype(int), 0.1).astype(float)
    assert _share_run(volume, negatives) == []
