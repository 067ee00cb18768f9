"""ORM tables of the reputation domain: mentions as ingested, and the alerts raised on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wendu.db import Base, UTCDateTime, utcnow


class Mention(Base):
    """A public post, review or article about the bank, with what was made of it."""

    __tablename__ = "reputation_mentions"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_reputation_mentions_source_id"),
        Index("ix_reputation_mentions_published", "published_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    # HMAC of the author's handle: repeat authors can be told apart, but not named.
    author_hash: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))  # zh-Hans | zh-Hant | en
    url: Mapped[str | None] = mapped_column(String(500))
    reach: Mapped[int | None] = mapped_column(Integer)
    sentiment: Mapped[float] = mapped_column(Float)  # [-1, 1]
    negative: Mapped[bool] = mapped_column(Boolean)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    # what it names: [{"type": "org"|"product"|"money"|"handle", "text": ...}]
    entities: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    fingerprint: Mapped[str] = mapped_column(String(16))  # SimHash of the text, hex
    duplicate_of: Mapped[str | None] = mapped_column(String(40))  # first post of a repost group
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReputationAlert(Base):
    """A burst of mentions about one topic: raised once, updated while it grows, closed."""

    __tablename__ = "reputation_alerts"
    __table_args__ = (
        UniqueConstraint("topic", "started_at", name="uq_reputation_alerts_topic_start"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))  # open | closed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    peak_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    observed: Mapped[float] = mapped_column(Float)
    expected: Mapped[float] = mapped_column(Float)
    signals: Mapped[list[str]] = mapped_column(JSON, default=list)
    mention_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # external ids, capped
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    # helpdesk incidents (complaint spikes) on the same topic at the same time
    incident_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
