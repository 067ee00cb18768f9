"""Synthetic hourly mention streams for the reputation tests: a daily rhythm, noise, and
an optional injected story."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)  # a Monday
ZONE = "Asia/Shanghai"
# quiet nights, lunch and evening peaks (local hours 0..23)
RHYTHM = np.array(
    [0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.4, 0.8, 1.1, 1.2, 1.3, 1.4,
     1.6, 1.4, 1.2, 1.2, 1.2, 1.3, 1.5, 1.7, 1.9, 1.8, 1.3, 0.7]
)  # fmt: skip


def hourly_counts(
    seed: int, days: int, per_day: float, burst_at: int | None = None, peak: float = 5.0
) -> np.ndarray:
    """Return hourly counts; with ``burst_at`` a story ramps up there over 3 hours to
    ``peak`` times the usual level, holds 6 hours and fades over 12."""
    rng = np.random.default_rng(seed)
    zone = ZoneInfo(ZONE)
    rate = np.empty(days * 24)
    for h in range(days * 24):
        local = (START + dt.timedelta(hours=h)).astimezone(zone)
        rate[h] = per_day / 24 * RHYTHM[local.hour] / RHYTHM.mean()
        rate[h] *= 0.7 if local.weekday() >= 5 else 1.0
    if burst_at is not None:
        shape = [1 / 3, 2 / 3, 1.0] + [1.0] * 6 + [1 - i / 13 for i in range(1, 13)]
        for i, factor in enumerate(shape):
            rate[burst_at + i] += (peak - 1) * per_day / 24 * factor
    return rng.poisson(rng.gamma(5.0, rate / 5.0)).astype(float)
