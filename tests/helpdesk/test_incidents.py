"""Incident detection on synthetic hourly complaint counts: spikes found, noise ignored."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from wendu.helpdesk.incidents import (
    SpikeConfig,
    bucket_counts,
    detect_spikes,
    expected_counts,
    tail_score,
)

START = dt.datetime(2025, 3, 3, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
DAYS = 14
# Contacts follow the working day: quiet at night, busy in the afternoon (UTC+8 shifted).
DAILY = np.array([1, 1, 2, 4, 6, 8, 8, 7, 8, 8, 6, 4, 3, 2, 2, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 1])


def noise(seed: int, scale: float = 1.0) -> list[int]:
    rng = np.random.default_rng(seed)
    rates = np.tile(DAILY * scale, DAYS)
    return [int(x) for x in rng.poisson(rates)]


def test_a_spike_is_found_with_its_window_and_figures() -> None:
    series = noise(1)
    spike_at = 10 * 24 + 5  # day 10, 05:00 UTC (13:00 in Shanghai)
    for k in range(3):
        series[spike_at + k] += 30
    found = detect_spikes({"digital_banking.app_fault": series}, START, HOUR)
    assert len(found) == 1
    (incident,) = found
    assert incident.category == "digital_banking.app_fault"
    assert incident.window_start == START + spike_at * HOUR
    assert incident.window_end == START + (spike_at + 3) * HOUR
    assert incident.buckets == 3
    assert incident.observed == sum(series[spike_at : spike_at + 3])
    assert 10 < incident.expected < 40
    assert incident.ratio > 2
    assert incident.score > 10
    assert not incident.ongoing
    assert incident.key == f"digital_banking.app_fault@{incident.window_start.isoformat()}"


def test_noise_alone_raises_nothing_across_many_categories() -> None:
    counts = {f"cat{i}": noise(100 + i, scale=0.5 + i * 0.5) for i in range(8)}
    assert detect_spikes(counts, START, HOUR) == []
    rng = np.random.default_rng(5)
    flat = {f"flat{i}": [int(x) for x in rng.poisson(1 + 2 * i, 24 * DAYS)] for i in range(5)}
    assert detect_spikes(flat, START, HOUR, SpikeConfig(baseline="median")) == []
    assert detect_spikes(flat, START, HOUR, SpikeConfig(baseline="ewma")) == []


def test_flat_baseline_on_daily_cycle_is_why_seasonal_is_the_default() -> None:
    series = noise(7, scale=2.0)
    assert detect_spikes({"c": series}, START, HOUR) == []
    assert detect_spikes({"c": series}, START, HOUR, SpikeConfig(baseline="median")) != []


def test_only_the_spiking_category_is_reported() -> None:
    counts = {f"cat{i}": noise(200 + i) for i in range(5)}
    counts["cat3"][-2] += 25
    counts["cat3"][-1] += 25
    found = detect_spikes(counts, START, HOUR)
    assert [c.category for c in found] == ["cat3"]
    assert found[0].ongoing  # the spike runs to the latest bucket: a live incident


def test_hour_of_day_seasonality_catches_night_spikes_that_a_flat_baseline_misses() -> None:
    series = noise(3)
    night = 11 * 24 + 21  # 21:00 UTC, normally ~0.5 an hour
    series[night] = 9
    flat = detect_spikes({"c": series}, START, HOUR, SpikeConfig(baseline="median"))
    seasonal = detect_spikes({"c": series}, START, HOUR)
    assert [c.window_start for c in seasonal] == [START + night * HOUR]
    assert all(c.window_start != START + night * HOUR for c in flat)


def test_long_outage_stays_one_incident_and_does_not_poison_the_baseline() -> None:
    series = [3] * (24 * 5)
    outage = list(range(24 * 3, 24 * 3 + 30))
    for i in outage:
        series[i] = 20
    found = detect_spikes({"c": series}, START, HOUR)
    assert len(found) == 1 and found[0].buckets == 30
    expected = expected_counts(series)
    # After the outage the baseline is still the normal rate, not the outage volume.
    assert expected[outage[-1] + 5] == pytest.approx(3.0, rel=0.2)


def test_small_counts_and_warmup_are_never_incidents() -> None:
    quiet = [0] * 120
    quiet[100] = 4  # far above a zero baseline but below min_count
    assert detect_spikes({"c": quiet}, START, HOUR) == []
    early = [1] * 10 + [50] + [1] * 109  # in the warm-up: no history to compare with
    assert detect_spikes({"c": early}, START, HOUR) == []


def test_gaps_within_merge_distance_join_windows() -> None:
    series = [2] * 120
    series[90] = series[92] = 20
    assert len(detect_spikes({"c": series}, START, HOUR)) == 1
    assert len(detect_spikes({"c": series}, START, HOUR, SpikeConfig(merge_gap=0))) == 2


def test_tail_score_is_a_poisson_tail() -> None:
    assert tail_score(0, 3.0) == 0.0
    assert tail_score(1, 3.0) == pytest.approx(-np.log10(1 - np.exp(-3.0)))
    assert tail_score(30, 3.0) > tail_score(20, 3.0) > 5


def test_bucket_counts_from_ticket_timestamps() -> None:
    events = [
        (START + dt.timedelta(minutes=5), "a"),
        (START + dt.timedelta(minutes=55), "a"),
        (START + dt.timedelta(hours=2, minutes=1), "b"),
        (START + dt.timedelta(hours=5), "a"),  # outside [start, end)
    ]
    counts = bucket_counts(events, START, START + 3 * HOUR, HOUR, categories=["c"])
    assert counts == {"a": [2, 0, 0], "b": [0, 0, 1], "c": [0, 0, 0]}
    with pytest.raises(ValueError, match="naive"):
        detect_spikes({"a": [1]}, dt.datetime(2025, 1, 1), HOUR)
