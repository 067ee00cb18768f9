"""The demo bank's year of mentions: deterministic, three scripts, and its four stories
found by the detection job replayed over the year."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from sqlalchemy import select

from wendu.config import Settings
from wendu.db import Database
from wendu.demo.mentions import ensure_mentions, generate
from wendu.demo.mentions_script import STORIES
from wendu.reputation.models import ReputationAlert
from wendu.reputation.router import sentiment_scorer

END = dt.datetime(2023, 12, 31, 12, tzinfo=dt.UTC)  # far from other tests' mentions


def test_the_year_is_the_same_for_a_seed_and_speaks_three_scripts() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    rows = generate(END, seed=1, bank="温度银行", zone=zone)
    assert rows == generate(END, seed=1, bank="温度银行", zone=zone)
    assert rows != generate(END, seed=2, bank="温度银行", zone=zone)
    langs = Counter(str(r["lang"]) for r in rows)
    assert set(langs) == {"zh-Hans", "zh-Hant", "en"} and langs["zh-Hant"] > 500
    first = dt.datetime.fromisoformat(str(rows[0]["published_at"]))
    assert END - first >= dt.timedelta(days=364)


def test_the_demo_year_raises_an_alert_for_each_story(db: Database, settings: Settings) -> None:
    added = ensure_mentions(db, settings, sentiment_scorer(), seed=7, end=END)
    assert added.mentions > 7000
    assert ensure_mentions(db, settings, sentiment_scorer(), seed=7, end=END).mentions == 0
    with db.session(write=False) as s:
        alerts = list(
            s.execute(
                select(ReputationAlert).where(
                    ReputationAlert.started_at >= END - dt.timedelta(days=366),
                    ReputationAlert.started_at < END,
                )
            ).scalars()
        )
    topic_of = {"app outage": "app_outage", "fee complaint wave": "fees",
                "solvency rumour": "solvency_rumour", "praised campaign": "praise"}  # fmt: skip
    for story in STORIES:
        began = END - dt.timedelta(days=story.days_ago)
        found = [
            a for a in alerts
            if a.topic == topic_of[story.name]
            and began - dt.timedelta(hours=12) <= a.started_at <= began + dt.timedelta(hours=6)
        ]  # fmt: skip
        assert len(found) == 1, story.name
    # Ordinary chatter raises little else: at most a couple of small alerts a quarter.
    story_topics = set(topic_of.values()) | {"all"}
    assert len([a for a in alerts if a.topic not in story_topics]) <= 8
