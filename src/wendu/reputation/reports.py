"""Read models of the reputation pages: volume and tone over time, topics, sources, alerts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.reputation.models import Mention, ReputationAlert


@dataclass
class Overview:
    """Mentions in a window, by local day, topic and source."""

    days: list[str]  # local dates, oldest first
    volume: list[int]
    negative: list[int]
    sentiment: list[float | None]  # mean score per day
    topics: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    named: Counter[str] = field(default_factory=Counter)  # organisations and products named

    @property
    def total(self) -> int:
        """Return the mentions in the window."""
        return sum(self.volume)

    @property
    def negative_share(self) -> float | None:
        """Return the share of negative mentions, in percent."""
        return round(100 * sum(self.negative) / self.total, 1) if self.total else None


def overview(
    session: Session,
    *,
    until: dt.datetime,
    days: int,
    timezone: str,
    topic: str | None = None,
) -> Overview:
    """Return the overview of the ``days`` local days up to ``until``, optionally one topic."""
    zone = ZoneInfo(timezone)
    last = until.astimezone(zone).date()
    dates = [last - dt.timedelta(days=days - 1 - i) for i in range(days)]
    since = dt.datetime.combine(dates[0], dt.time(), zone)
    index = {d: i for i, d in enumerate(dates)}
    out = Overview([d.isoformat() for d in dates], [0] * days, [0] * days, [None] * days)
    scores: list[list[float]] = [[] for _ in dates]
    rows = session.execute(
        select(Mention.published_at, Mention.topics, Mention.negative, Mention.source,
               Mention.sentiment, Mention.entities)
        .where(Mention.published_at >= since, Mention.published_at < until)
    ).all()  # fmt: skip
    for at, topics, negative, source, score, named in rows:
        if topic is not None and topic not in (topics or []):
            continue
        i = index.get(at.astimezone(zone).date())
        if i is None:
            continue
        out.volume[i] += 1
        out.negative[i] += 1 if negative else 0
        scores[i].append(score)
        out.topics.update(topics or ["other"])
        out.sources[source] += 1
        out.named.update(e["text"] for e in named or [] if e.get("type") in ("org", "product"))
    out.sentiment = [round(sum(s) / len(s), 3) if s else None for s in scores]
    return out


def alert_samples(session: Session, alert: ReputationAlert, limit: int = 3) -> list[str]:
    """Return a few texts of an alert's mentions (its first ones, reposts skipped)."""
    ids = alert.mention_ids[:50]
    rows = session.execute(
        select(Mention.text)
        .where(Mention.external_id.in_(ids), Mention.duplicate_of.is_(None))
        .order_by(Mention.published_at)
        .limit(limit)
    ).scalars()
    return list(rows)
