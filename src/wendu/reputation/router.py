"""Staff API of the reputation domain: ``/reputation/v1`` (helpdesk staff tokens).

Supervisors and admins (and the integration users they create with those roles) ingest
mentions in batches; every staff role reads mentions and alerts. Errors use the API's
error body. Routes only parse, call a use case and render.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from wendu import audit
from wendu.deps import DatabaseDep, SettingsDep
from wendu.errors import bad_request
from wendu.helpdesk.deps import CurrentStaff, ManagerStaff
from wendu.kit.instants import WireDateTime
from wendu.reputation import alerts as alert_cases
from wendu.reputation import service
from wendu.reputation.models import Mention, ReputationAlert
from wendu.reputation.topics import TOPIC_LABELS

router = APIRouter(prefix="/reputation/v1", tags=["Reputation"])
MAX_BATCH = 1000


class MentionBatch(BaseModel):
    """A batch of mentions as a monitoring vendor exports them (at most 1,000)."""

    mentions: list[dict[str, Any]] = Field(..., min_length=1, max_length=MAX_BATCH)


def sentiment_scorer() -> service.Scorer:
    """Return the shared sentiment model's score function."""
    from wendu.sentiment import analyse

    return lambda text: analyse(text).score


def _mention_out(m: Mention) -> dict[str, Any]:
    return {
        "id": m.external_id,
        "source": m.source,
        "published_at": m.published_at.isoformat(),
        "text": m.text,
        "lang": m.lang,
        "url": m.url,
        "reach": m.reach,
        "sentiment": m.sentiment,
        "negative": m.negative,
        "topics": m.topics,
        "entities": m.entities,
        "repost_of": m.duplicate_of,
    }


def alert_out(a: ReputationAlert) -> dict[str, Any]:
    """Return the JSON form of an alert (also the webhook payload's)."""
    return {
        "id": a.id,
        "topic": a.topic,
        "status": a.status,
        "start": a.started_at.isoformat(),
        "peak": a.peak_at.isoformat(),
        "end": a.ended_at.isoformat() if a.ended_at else None,
        "signals": a.signals,
        "observed": a.observed,
        "expected": a.expected,
        "mentions": a.mentions,
        "mention_ids": a.mention_ids,
        "incident_ids": a.incident_ids,
    }


@router.post("/mentions", operation_id="reputation_ingest_mentions")
def ingest_mentions(
    body: MentionBatch, staff: ManagerStaff, db: DatabaseDep, settings: SettingsDep
) -> dict[str, Any]:
    """Store a batch of mentions, idempotent on (source, id); bad rows are reported, skipped."""
    with db.session() as session:
        report = service.ingest(
            session, body.mentions, secret=settings.secret_key, sentiment=sentiment_scorer()
        )
        audit.record(
            session,
            actor_type="staff",
            actor_id=staff.user.username,
            action="reputation.ingest",
            detail=report.as_dict() | {"bad": len(report.bad)},
        )
        return report.as_dict()


@router.get("/mentions", operation_id="reputation_list_mentions")
def list_mentions(
    staff: CurrentStaff,
    db: DatabaseDep,
    topic: Annotated[str | None, Query(max_length=40)] = None,
    since: WireDateTime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """List mentions newest first, optionally of one topic and since a time."""
    if topic is not None and topic not in TOPIC_LABELS:
        raise bad_request(f"unknown topic; one of {', '.join(TOPIC_LABELS)}", path="topic")
    if since is not None and since.tzinfo is None:
        raise bad_request("since needs a UTC offset", path="since")
    with db.session(write=False) as session:
        found = service.list_mentions(session, topic=topic, since=since, limit=limit)
        return {"mentions": [_mention_out(m) for m in found]}


@router.get("/alerts", operation_id="reputation_list_alerts")
def list_alerts(staff: CurrentStaff, db: DatabaseDep) -> dict[str, Any]:
    """List alerts, open ones first, newest first."""
    with db.session(write=False) as session:
        return {"alerts": [alert_out(a) for a in alert_cases.list_alerts(session)]}
