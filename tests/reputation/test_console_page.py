"""The console's reputation page: charts, alerts with samples in the bank's local time, zh/en."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from console.conftest import csrf_of, login, new_staff
from wendu.db import Database, utcnow
from wendu.helpdesk.models import Incident
from wendu.helpdesk.tickets import create_ticket
from wendu.kit.ids import new_id
from wendu.reputation.alerts import run_detection
from wendu.reputation.service import ingest


def _recent_story(db: Database) -> None:
    """Ten quiet days of chatter and a fee wave today, stored and detected."""
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    rows = []
    for hour in range(24 * 12):
        at = now - dt.timedelta(hours=24 * 12 - hour)
        if hour % 3 == 0:
            rows.append({"id": f"page-c{hour}", "source": "forum", "published_at": at.isoformat(),
                         "text": "温度银行柜员态度很好，信用卡办得快，点赞"})  # fmt: skip
    for i in range(40):
        at = now - dt.timedelta(hours=6) + dt.timedelta(minutes=8 * i)
        rows.append({"id": f"page-f{i}", "source": "weibo", "published_at": at.isoformat(),
                     "text": f"跨行转账手续费又涨了，太离谱 {i}"})  # fmt: skip
    with db.session() as s:
        ingest(s, rows, secret="t", sentiment=lambda t: -0.7 if "离谱" in t else 0.5)
        # The helpdesk saw the same wave: fee complaints, and the spike its job opens.
        for i in range(5):
            create_ticket(s, subject=f"手续费投诉 {i}", kind="complaint",
                          category="payment.fees_charges", suggest=False)  # fmt: skip
        s.add(Incident(id=new_id("inc"), category="payment.fees_charges", status="open",
                       window_start=now - dt.timedelta(hours=4),
                       window_end=now + dt.timedelta(hours=1),
                       observed=5, expected=0.5, score=6.0))  # fmt: skip
        run_detection(s, now, timezone="Asia/Shanghai", country="CN")


def test_supervisors_see_the_monitor_in_both_languages(app, db: Database) -> None:  # type: ignore[no-untyped-def]
    _recent_story(db)
    _, username = new_staff(db, "supervisor")
    browser = login(app, username)
    page = browser.get("/console/reputation?days=14")
    assert page.status_code == 200, page.text[:300]
    html = page.text
    assert html.count("<svg") >= 5  # volume, sentiment, topics, sources, the alert's trend
    assert 'id="rep-alerts"' in html and "跨行转账手续费又涨了" in html
    assert 'id="rep-named"' in html
    assert "Asia/Shanghai" in html and "收费" in html  # zh topic label, times in the bank zone
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", html)
    # The fee wave is one incident with the helpdesk's complaint spike: both on one chart.
    assert "提及与投诉趋势（同一时间轴）" in html and 'class="timeline"' in html
    assert "每日情绪指数" in html
    fees = browser.get("/console/reputation?topic=fees")
    assert fees.status_code == 200 and "跨行转账手续费" in fees.text
    switched = browser.post(
        "/console/language",
        data={"language": "en", "next": "/console/reputation", "csrf_token": csrf_of(html)},
    )
    assert switched.status_code == 200
    english = browser.get("/console/reputation").text
    assert "Reputation monitor" in english and "Fees" in english


def test_agents_are_refused_the_monitor(app, db: Database) -> None:  # type: ignore[no-untyped-def]
    _, username = new_staff(db, "agent")
    browser: TestClient = login(app, username)
    page = browser.get("/console/reputation")
    assert page.status_code == 403
