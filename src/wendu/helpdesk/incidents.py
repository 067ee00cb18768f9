"""Detect when complaints or contacts of one category spike above their normal rate.

Pure functions over counts per category per time bucket (e.g. hourly tickets). Each
bucket's expected count comes only from earlier buckets: by default the mean of the same
hour-of-day on previous days (contacts follow the working day, so a flat baseline would
flag every busy afternoon), or a trailing median or EWMA for series without a daily cycle.

A bucket is anomalous when its upper-tail probability under that expectation is tiny and
the count is large enough to matter; consecutive anomalous buckets merge into one
incident candidate. The tail is the Poisson–Gamma predictive (negative binomial): a
baseline estimated from three previous days is uncertain, and a plain Poisson tail would
turn that uncertainty into false alarms. Anomalous buckets enter the baseline at the
mean they were compared with, so a long outage does not teach the detector that outage
volumes are normal.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import nbinom, poisson


@dataclass(frozen=True)
class SpikeConfig:
    """Detector settings; defaults suit hourly buckets."""

    baseline: Literal["seasonal", "median", "ewma"] = "seasonal"
    season: int = 24  # buckets per cycle: 24 = hour-of-day on hourly buckets
    seasons: int = 7  # previous cycles whose same-phase buckets are averaged
    window: int = 168  # trailing buckets for the median baseline
    ewma_alpha: float = 0.1
    warmup: int = 72  # buckets of history needed first (three days: two gave false alarms)
    floor: float = 0.5  # prior rate: a category with no history still has some
    min_count: int = 5  # fewer complaints than this in a bucket is never an incident
    min_ratio: float = 2.0  # observed must be at least this multiple of expected
    max_p: float = 1e-5  # tail probability below which a bucket is anomalous
    merge_gap: int = 1  # anomalous buckets this close merge into one window

    def __post_init__(self) -> None:
        if self.window < 1 or self.season < 1 or self.seasons < 1:
            raise ValueError("window, season and seasons must be positive")
        if not 0 < self.ewma_alpha <= 1:
            raise ValueError("ewma_alpha must be in (0, 1]")


@dataclass(frozen=True)
class IncidentCandidate:
    """A window in which one category ran well above its expected count."""

    category: str
    window_start: dt.datetime
    window_end: dt.datetime  # exclusive: end of the last anomalous bucket
    observed: int
    expected: float
    score: float  # -log10 of the window's Poisson tail probability
    peak_start: dt.datetime
    buckets: int
    ongoing: bool  # the last bucket of the series is part of the window

    @property
    def key(self) -> str:
        """Return an idempotency key (category and window start) for opening incidents once."""
        return f"{self.category}@{self.window_start.isoformat()}"

    @property
    def ratio(self) -> float:
        """Return observed / expected."""
        return self.observed / self.expected if self.expected > 0 else math.inf


def tail_score(observed: int, expected: float, samples: float | None = None) -> float:
    """Return -log10 P(X >= observed) given a rate estimated from ``samples`` buckets.

    With ``samples`` None the rate is taken as known (Poisson tail); otherwise X follows
    the negative-binomial predictive of a Poisson rate with a Gamma posterior.
    """
    if observed <= 0:
        return 0.0
    if samples is None:
        log_sf = float(poisson.logsf(observed - 1, expected))
    else:
        log_sf = float(nbinom.logsf(observed - 1, expected * samples, samples / (samples + 1)))
    return max(-log_sf / math.log(10), 0.0)


def expected_counts(counts: Sequence[int], config: SpikeConfig | None = None) -> np.ndarray:
    """Return each bucket's expected count from earlier buckets (NaN during warm-up)."""
    return _scan(counts, config or SpikeConfig())[0]


def _scan(counts: Sequence[int], cfg: SpikeConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = np.asarray(counts, dtype=float)
    if (values < 0).any():
        raise ValueError("counts must not be negative")
    n = len(values)
    expected = np.full(n, np.nan)
    scores = np.zeros(n)
    flagged = np.zeros(n, dtype=bool)
    clean = np.zeros(n)  # history with anomalies replaced by what was expected
    ewma: float | None = None
    for t in range(n):
        base = _baseline(clean, t, cfg, ewma)
        obs = values[t]
        if base is not None:
            total, samples = base
            # One pseudo-bucket at the floor rate: the prior that keeps a category with
            # no history from looking infinitely surprising.
            samples += 1.0
            exp = (total + cfg.floor) / samples
            expected[t] = exp
            scores[t] = tail_score(int(obs), exp, samples)
            flagged[t] = (
                obs >= cfg.min_count
                and obs >= cfg.min_ratio * exp
                and scores[t] >= -math.log10(cfg.max_p)
            )
        # The unsmoothed mean stands in for an anomaly, so the prior does not compound.
        clean[t] = base[0] / base[1] if flagged[t] and base is not None and base[1] else obs
        ewma = clean[t] if ewma is None else cfg.ewma_alpha * clean[t] + (1 - cfg.ewma_alpha) * ewma
    return expected, scores, flagged


def _baseline(
    clean: np.ndarray, t: int, cfg: SpikeConfig, ewma: float | None
) -> tuple[float, float] | None:
    """Return (total count, number of buckets) the expectation rests on, if any."""
    if t < cfg.warmup:
        return None
    if cfg.baseline == "seasonal":
        past = [clean[t - k * cfg.season] for k in range(1, cfg.seasons + 1) if t >= k * cfg.season]
        return (float(np.sum(past)), float(len(past))) if past else None
    if cfg.baseline == "ewma":
        if ewma is None:
            return None
        effective = (2 - cfg.ewma_alpha) / cfg.ewma_alpha  # EWMA's equivalent window
        return ewma * effective, effective
    window = clean[max(0, t - cfg.window) : t]
    if not len(window):
        return None
    return float(np.median(window)) * len(window), float(len(window))


def detect_spikes(
    counts: Mapping[str, Sequence[int]],
    start: dt.datetime,
    bucket: dt.timedelta,
    config: SpikeConfig | None = None,
) -> list[IncidentCandidate]:
    """Return incident candidates for every category, strongest first.

    ``counts[category][i]`` is the count in bucket ``[start + i*bucket, start + (i+1)*bucket)``.
    """
    if start.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC start")
    start = start.astimezone(dt.UTC)
    cfg = config or SpikeConfig()
    found: list[IncidentCandidate] = []
    for category, series in counts.items():
        expected, scores, flagged = _scan(series, cfg)
        values = np.asarray(series, dtype=int)
        for first, last in _runs(flagged, cfg.merge_gap):
            span = range(first, last + 1)
            observed = int(values[first : last + 1].sum())
            exp_total = float(np.nansum(expected[first : last + 1]))
            peak = max((i for i in span if flagged[i]), key=lambda i: scores[i])
            found.append(
                IncidentCandidate(
                    category=category,
                    window_start=start + first * bucket,
                    window_end=start + (last + 1) * bucket,
                    observed=observed,
                    expected=round(exp_total, 3),
                    score=round(tail_score(observed, exp_total), 3),
                    peak_start=start + peak * bucket,
                    buckets=len(span),
                    ongoing=last == len(values) - 1,
                )
            )
    found.sort(key=lambda c: (-c.score, c.window_start, c.category))
    return found


def _runs(flagged: np.ndarray, gap: int) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in np.flatnonzero(flagged):
        idx = int(i)
        if runs and idx - runs[-1][1] <= gap + 1:
            runs[-1] = (runs[-1][0], idx)
        else:
            runs.append((idx, idx))
    return runs


def bucket_counts(
    events: Iterable[tuple[dt.datetime, str]],
    start: dt.datetime,
    end: dt.datetime,
    bucket: dt.timedelta,
    categories: Iterable[str] = (),
) -> dict[str, list[int]]:
    """Count (timestamp, category) events into buckets over ``[start, end)``.

    Categories listed in ``categories`` appear even with no events, so quiet ones keep a
    baseline of zeros.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("naive datetime: pass aware datetimes")
    n = math.ceil((end - start) / bucket)
    out: dict[str, list[int]] = {c: [0] * n for c in categories}
    for at, category in events:
        if at.tzinfo is None:
            raise ValueError("naive event timestamp")
        if start <= at < end:
            out.setdefault(category, [0] * n)[int((at - start) // bucket)] += 1
    return out
