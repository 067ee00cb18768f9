"""A year of public mentions for the demo bank, with four stories inside, through the
reputation domain's own use cases.

Deterministic for a seed and an end time: ordinary chatter follows the day's rhythm (quiet
nights, lunch and evening peaks, quieter days off) in simplified Chinese, Traditional
Chinese and English, and the stories of ``mentions_script.STORIES`` (an app outage, a fee
complaint wave, a solvency rumour, a praised campaign) rise inside it. The mentions are
ingested with ``reputation.service.ingest`` and the detector replays the whole year with
an explicit clock, so the console shows the year's alerts, not only this month's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from wendu.config import Settings
from wendu.db import Database
from wendu.demo.mentions_script import LANGUAGES, MIX, PHRASES, SOURCES, STORIES, STORY_PHRASES
from wendu.reputation.alerts import run_detection
from wendu.reputation.models import Mention
from wendu.reputation.service import Scorer, ingest

DAYS = 365
PER_DAY = 24.0
# local hour → share of the day's posts
RHYTHM = (0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.4, 0.8, 1.1, 1.2, 1.3, 1.4,
          1.6, 1.4, 1.2, 1.2, 1.2, 1.3, 1.5, 1.7, 1.9, 1.8, 1.3, 0.7)  # fmt: skip
PREFIX = "demo-"


@dataclass
class MentionsShowcase:
    """What ``ensure_mentions`` added."""

    mentions: int = 0
    alerts: int = 0


def _phrase(
    rng: np.random.Generator, table: dict[str, tuple[str, ...]], bank: str
) -> tuple[str, str]:
    langs = [lang for lang, _ in LANGUAGES if lang in table]
    weights = np.array([w for lang, w in LANGUAGES if lang in table])
    lang = langs[int(rng.choice(len(langs), p=weights / weights.sum()))]
    phrases = table[lang]
    return phrases[int(rng.integers(len(phrases)))].format(bank=bank), lang


def generate(end: dt.datetime, *, seed: int, bank: str, zone: dt.tzinfo) -> list[dict[str, object]]:
    """Return a year of mention rows ending at ``end`` (aware), oldest first."""
    rng = np.random.default_rng(seed)
    start = (end - dt.timedelta(days=DAYS)).replace(minute=0, second=0, microsecond=0)
    topics, shares = list(MIX), np.array(list(MIX.values()))
    rhythm = np.array(RHYTHM) / np.mean(RHYTHM)
    rows: list[dict[str, object]] = []

    def add(at: dt.datetime, table: dict[str, tuple[str, ...]], reach: float) -> None:
        text, lang = _phrase(rng, table, bank)
        rows.append({
            "id": f"{PREFIX}{len(rows):06d}", "source": SOURCES[int(rng.integers(len(SOURCES)))],
            "published_at": at.isoformat(), "text": text, "lang": lang,
            "reach": int(rng.lognormal(np.log(reach), 1.0)),
            "author": f"user{int(rng.integers(5000))}",
        })  # fmt: skip

    hours = int((end - start) / dt.timedelta(hours=1))
    for h in range(hours):
        at = start + dt.timedelta(hours=h)
        local = at.astimezone(zone)
        rate = PER_DAY / 24 * rhythm[local.hour] * (0.7 if local.weekday() >= 5 else 1.0)
        for _ in range(int(rng.poisson(rate))):
            topic = topics[int(rng.choice(len(topics), p=shares))]
            add(at + dt.timedelta(minutes=int(rng.integers(60))), PHRASES[topic], 150)
    for story in STORIES:
        begin = end - dt.timedelta(days=story.days_ago)
        table = STORY_PHRASES.get(story.phrases) or PHRASES[story.phrases]
        for h in range(story.hours):
            ramp = min(1.0, (h + 1) / 3)  # rises over three hours
            for _ in range(int(rng.poisson(story.per_hour * ramp))):
                at = begin + dt.timedelta(hours=h, minutes=int(rng.integers(60)))
                add(at, table, story.reach)
    rows.sort(key=lambda r: str(r["published_at"]))
    return rows


def ensure_mentions(
    db: Database, settings: Settings, sentiment: Scorer, *, seed: int = 42,
    end: dt.datetime | None = None,
) -> MentionsShowcase:  # fmt: skip
    """Add the demo year of mentions and its alerts, once (nothing if already there)."""
    from zoneinfo import ZoneInfo

    with db.session(write=False) as session:
        if session.execute(
            select(Mention.id).where(Mention.external_id.like(f"{PREFIX}%")).limit(1)
        ).first():
            return MentionsShowcase()
    end = end or dt.datetime.now(dt.UTC)
    bank = "温度银行" if settings.bank_name == "Wendu Sandbox Bank" else settings.bank_name
    rows = generate(end, seed=seed, bank=bank, zone=ZoneInfo(settings.timezone))
    added = MentionsShowcase()
    for start in range(0, len(rows), 1000):
        with db.session() as session:
            report = ingest(
                session, rows[start : start + 1000], secret=settings.secret_key, sentiment=sentiment
            )
            added.mentions += report.created
    with db.session() as session:
        run = run_detection(
            session, end, timezone=settings.timezone, country=settings.country,
            history=dt.timedelta(days=DAYS + 1),
        )  # fmt: skip
        added.alerts = len(run.raised)
    return added
