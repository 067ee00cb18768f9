"""Use cases of the reputation domain: ingest mentions, list them, run the detector.

Ingest is idempotent on (source, id): a row seen before is counted as a duplicate and
changes nothing. Each row is read, understood (script, sentiment, topics, repost group)
and stored whole, or reported as bad with its reason; one bad row never stops the others,
and nothing is half stored. Authors' handles are kept only as an HMAC with the bank's
secret. Repost grouping compares the fingerprint with the mentions of the previous 48
hours (a bounded scan; the batch's own rows included).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.kit.ids import new_id
from wendu.reputation.mentions import Mention as MentionIn
from wendu.reputation.mentions import parse_mention
from wendu.reputation.models import Mention
from wendu.reputation.topics import topics_of
from wendu.reputation.understand import NEAR, distance, entities, language, simhash

NEGATIVE_BELOW = -0.3  # a sentiment score under this counts the mention as negative
REPOST_WINDOW = dt.timedelta(hours=48)
Scorer = Callable[[str], float]


@dataclass
class IngestReport:
    """What an ingest did: stored, already known, and bad rows with their reasons."""

    created: int = 0
    duplicates: int = 0
    bad: list[dict[str, Any]] = field(default_factory=list)  # {"index", "reason"}
    ids: list[str] = field(default_factory=list)  # ids of the stored mentions

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"created": self.created, "duplicates": self.duplicates, "bad": self.bad}


def author_hash(secret: str, author: str | None) -> str | None:
    """Return the keyed hash kept instead of an author's handle."""
    if not author:
        return None
    return hmac.new(secret.encode(), author.strip().lower().encode(), hashlib.sha256).hexdigest()


def ingest(
    session: Session,
    rows: Iterable[dict[str, Any]],
    *,
    secret: str,
    sentiment: Scorer,
) -> IngestReport:
    """Store the mentions ``rows`` describe (one transaction, the caller's); flush."""
    report = IngestReport()
    parsed: list[tuple[int, MentionIn]] = []
    for index, row in enumerate(rows):
        try:
            parsed.append((index, parse_mention(row)))
        except (ValueError, TypeError) as exc:
            report.bad.append({"index": index, "reason": str(exc)})
    known = _known(session, [m for _, m in parsed])
    fresh = [(i, m) for i, m in parsed if (m.source, m.id) not in known]
    report.duplicates = len(parsed) - len(fresh)
    recent = _recent_fingerprints(session, [m for _, m in fresh])
    seen: set[tuple[str, str]] = set()
    for _, item in fresh:
        if (item.source, item.id) in seen:  # the same row twice in one batch
            report.duplicates += 1
            continue
        seen.add((item.source, item.id))
        stored = _understood(item, secret, sentiment, recent)
        session.add(stored)
        recent.append(
            (stored.published_at, int(stored.fingerprint, 16), stored.duplicate_of or stored.id)
        )
        report.created += 1
        report.ids.append(stored.id)
    session.flush()
    return report


def _understood(
    item: MentionIn,
    secret: str,
    sentiment: Scorer,
    recent: Sequence[tuple[dt.datetime, int, str]],
) -> Mention:
    fingerprint = simhash(item.text)
    score = max(-1.0, min(1.0, float(sentiment(item.text))))
    original = next(
        (
            root
            for at, other, root in recent
            if abs(at - item.published_at) <= REPOST_WINDOW and distance(other, fingerprint) <= NEAR
        ),
        None,
    )
    return Mention(
        id=new_id("mnt"),
        source=item.source,
        external_id=item.id,
        author_hash=author_hash(secret, item.author),
        published_at=item.published_at,
        text=item.text,
        lang=item.lang if item.lang in ("zh-Hans", "zh-Hant", "en") else language(item.text),
        url=item.url[:500] if item.url else None,
        reach=item.reach,
        sentiment=round(score, 4),
        negative=score < NEGATIVE_BELOW,
        topics=topics_of(item.text),
        entities=entities(item.text),
        fingerprint=f"{fingerprint:016x}",
        duplicate_of=original,
    )


def _known(session: Session, items: Sequence[MentionIn]) -> set[tuple[str, str]]:
    known: set[tuple[str, str]] = set()
    by_source: dict[str, list[str]] = {}
    for item in items:
        by_source.setdefault(item.source, []).append(item.id)
    for source, ids in by_source.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found = session.execute(
                select(Mention.external_id).where(
                    Mention.source == source, Mention.external_id.in_(chunk)
                )
            ).scalars()
            known.update((source, external_id) for external_id in found)
    return known


def _recent_fingerprints(
    session: Session, items: Sequence[MentionIn]
) -> list[tuple[dt.datetime, int, str]]:
    if not items:
        return []
    first = min(m.published_at for m in items) - REPOST_WINDOW
    last = max(m.published_at for m in items) + REPOST_WINDOW
    rows = session.execute(
        select(Mention.published_at, Mention.fingerprint, Mention.id, Mention.duplicate_of)
        .where(Mention.published_at >= first, Mention.published_at <= last)
        .order_by(Mention.published_at)
        .limit(20_000)
    ).all()
    return [(at, int(fp, 16), dup or mention_id) for at, fp, mention_id, dup in rows]


def list_mentions(
    session: Session,
    *,
    topic: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 50,
) -> list[Mention]:
    """Return mentions newest first, optionally of one topic and in a time window."""
    query = select(Mention).order_by(Mention.published_at.desc(), Mention.id.desc())
    if since is not None:
        query = query.where(Mention.published_at >= since)
    if until is not None:
        query = query.where(Mention.published_at < until)
    rows = session.execute(query.limit(limit if topic is None else limit * 20)).scalars()
    out = [m for m in rows if topic is None or topic in (m.topics or [])]
    return out[:limit]
