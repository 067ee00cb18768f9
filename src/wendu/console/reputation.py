"""Console page of the reputation monitor: what the public says, and the alerts it raised."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from wendu.console.auth import OptionalStaff
from wendu.console.charts import bar_chart, line_chart
from wendu.console.desk import as_staff, to_login
from wendu.console.i18n import translate
from wendu.console.render import render
from wendu.console.route import ConsoleRoute
from wendu.db import utcnow
from wendu.deps import SessionDep
from wendu.errors import forbidden
from wendu.reputation import links, reports
from wendu.reputation.alerts import list_alerts
from wendu.reputation.models import ReputationAlert
from wendu.reputation.topics import TOPIC_LABELS

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)


def _local(at: dt.datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else "—"


def _timeline(
    session: SessionDep, alert: ReputationAlert, now: dt.datetime, zone: ZoneInfo, lang: str
) -> str:
    """Return an alert's trend: its posts per hour, and the complaints of its topic on the
    same axis (a linked incident shows both rising together)."""
    hours, mentions, complaints = links.timeline(session, alert, now)
    return line_chart(
        [h.astimezone(zone).strftime("%m-%d %H:00") for h in hours],
        {translate(lang, "rep.mentions"): mentions, translate(lang, "rep.complaints"): complaints},
        title=translate(lang, "rep.linked_timeline"),
    )


@router.get("/reputation", response_class=HTMLResponse)
def reputation_page(
    request: Request, user: OptionalStaff, session: SessionDep, days: int = 30, topic: str = ""
) -> Response:
    """Show mention volume and tone over time, topics, sources and the alerts."""
    if user is None:
        return to_login(request)
    staff = as_staff(session, user)
    if not staff.sees_all:
        raise forbidden("The reputation monitor is for supervisors, admins and auditors")
    days = min(max(days, 7), 365)
    chosen = topic if topic in TOPIC_LABELS else None
    timezone: str = request.app.state.settings.timezone
    zone = ZoneInfo(timezone)
    lang = user.language
    seen = reports.overview(session, until=utcnow(), days=days, timezone=timezone, topic=chosen)
    topic_names = {k: v[lang] for k, v in TOPIC_LABELS.items()}
    ranked = seen.topics.most_common()
    charts = {
        "volume": line_chart(
            [d[5:] for d in seen.days],
            {
                translate(lang, "rep.mentions"): seen.volume,
                translate(lang, "rep.negative"): seen.negative,
            },
            title=translate(lang, "rep.volume"),
        ),
        "sentiment": line_chart(
            [d[5:] for d in seen.days],
            {translate(lang, "rep.sentiment"): [round(50 * (v + 1), 1) if v is not None else 50.0
                                                for v in seen.sentiment]},
            title=translate(lang, "rep.sentiment_title"),
        ),
        "topics": bar_chart(
            [topic_names.get(k, k) for k, _ in ranked], [v for _, v in ranked],
            title=translate(lang, "rep.by_topic"),
        ),
        "sources": bar_chart(
            [k for k, _ in seen.sources.most_common()],
            [v for _, v in seen.sources.most_common()],
            title=translate(lang, "rep.by_source"),
        ),
    }  # fmt: skip
    now = utcnow()
    alerts = [
        {
            "topic": topic_names.get(a.topic, translate(lang, "rep.all")),
            "status": a.status,
            "start": _local(a.started_at, zone),
            "peak": _local(a.peak_at, zone),
            "end": _local(a.ended_at, zone),
            "mentions": a.mentions,
            "ratio": round(a.observed / a.expected, 1) if a.expected else None,
            "signals": [translate(lang, f"rep.signal.{s}") for s in a.signals],
            "samples": reports.alert_samples(session, a),
            "incidents": len(a.incident_ids or []),
            "timeline": _timeline(session, a, now, zone, lang),
        }
        for a in list_alerts(session, limit=50)
        if chosen is None or a.topic == chosen
    ]
    return render(
        request,
        "reputation.html",
        user=user,
        seen=seen,
        charts=charts,
        alerts=alerts,
        days=days,
        topic=chosen or "",
        topics=topic_names,
        timezone=timezone,
    )
