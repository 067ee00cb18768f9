"""Ingesting mentions through the staff API, and the detection job over stored mentions."""

from __future__ import annotations

import datetime as dt
import secrets

import jwt
import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select

from reputation.streams import hourly_counts
from wendu.config import Settings
from wendu.db import Database
from wendu.events.models import OutboxEvent
from wendu.events.service import dispatch_pending
from wendu.helpdesk.models import Incident
from wendu.identity.keys import KeyRing
from wendu.identity.partners import register_partner
from wendu.identity.staff import create_staff
from wendu.identity.tokens import issue_access_token
from wendu.reputation import service
from wendu.reputation.alerts import run_detection
from wendu.reputation.models import Mention, ReputationAlert

API = "/reputation/v1"
PASSWORD = "long enough pw"


def _sign_in(client: TestClient, db: Database, role: str) -> dict[str, str]:
    username = f"rep_{role}_{secrets.token_hex(3)}"
    with db.session() as s:
        create_staff(s, username=username, password=PASSWORD, role=role, display_name=username)
    r = client.post("/helpdesk/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _row(i: str, text: str, at: str, **extra: object) -> dict[str, object]:
    return {"id": i, "source": "weibo", "published_at": at, "text": text, **extra}


def test_a_batch_is_stored_once_with_bad_rows_reported(client: TestClient, db: Database) -> None:
    sup = _sign_in(client, db, "supervisor")
    tag = secrets.token_hex(4)
    batch = [
        _row(f"{tag}-1", "手机银行又闪退了，登录不了", "2024-05-01T09:00:00+08:00",
             author="@angry_user", reach=1200),
        _row(f"{tag}-2", "轉發：手機銀行又閃退了，登錄不了 @friend", "2024-05-01T09:05:00+08:00"),
        _row(f"{tag}-3", "Great service at the branch today", "2024-05-01T09:10:00+08:00"),
        _row(f"{tag}-4", "no offset", "2024-05-01T09:10:00"),
        {"id": f"{tag}-5", "source": "weibo"},
    ]  # fmt: skip
    r = client.post(f"{API}/mentions", json={"mentions": batch}, headers=sup)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 3 and r.json()["duplicates"] == 0
    assert [b["index"] for b in r.json()["bad"]] == [3, 4]

    again = client.post(f"{API}/mentions", json={"mentions": batch[:3]}, headers=sup)
    assert again.json() == {"created": 0, "duplicates": 3, "bad": []}

    with db.session(write=False) as s:
        stored = {
            m.external_id: m
            for m in s.execute(
                select(Mention).where(Mention.external_id.like(f"{tag}-%"))
            ).scalars()
        }
    assert set(stored) == {f"{tag}-1", f"{tag}-2", f"{tag}-3"}
    first = stored[f"{tag}-1"]
    assert first.author_hash and "angry_user" not in first.author_hash
    assert first.lang == "zh-Hans" and stored[f"{tag}-2"].lang == "zh-Hant"
    assert stored[f"{tag}-3"].lang == "en"
    assert "app_outage" in first.topics and "app_outage" in stored[f"{tag}-2"].topics
    # The Traditional post is a repost of the simplified one in another script.
    assert stored[f"{tag}-2"].duplicate_of == first.id
    assert stored[f"{tag}-3"].duplicate_of is None and "praise" in stored[f"{tag}-3"].topics
    assert first.negative and not stored[f"{tag}-3"].negative
    listed = client.get(f"{API}/mentions", params={"topic": "praise"}, headers=sup).json()
    mine = [m for m in listed["mentions"] if m["id"] == f"{tag}-3"]
    assert mine and mine[0]["entities"] == [] and mine[0]["lang"] == "en"


def test_who_may_ingest_and_read(client: TestClient, db: Database) -> None:
    agent = _sign_in(client, db, "agent")
    auditor = _sign_in(client, db, "auditor")
    one = {"mentions": [_row("x", "hello", "2024-05-02T09:00:00+08:00")]}
    assert client.post(f"{API}/mentions", json=one, headers=agent).status_code == 403
    assert client.post(f"{API}/mentions", json=one).status_code == 401
    assert client.get(f"{API}/alerts", headers=auditor).status_code == 200
    listed = client.get(f"{API}/mentions", params={"topic": "app_outage"}, headers=auditor)
    assert listed.status_code == 200
    assert all("app_outage" in m["topics"] for m in listed.json()["mentions"])


def test_bad_requests_are_4xx_in_the_api_format(client: TestClient, db: Database) -> None:
    sup = _sign_in(client, db, "supervisor")
    for body in ({"mentions": []}, {"mentions": "x"}, {"nothing": 1},
                 {"mentions": [{"id": "a"}] * 1001}):  # fmt: skip
        r = client.post(f"{API}/mentions", json=body, headers=sup)
        assert r.status_code == 400, r.text
        assert r.json()["Errors"][0]["ErrorCode"].startswith("U")
    for params in ({"topic": "weather"}, {"since": "2024-01-01T00:00:00"}, {"limit": 0}):
        r = client.get(f"{API}/mentions", params=params, headers=sup)
        assert r.status_code == 400, (params, r.text)


def test_the_job_raises_updates_and_closes_one_alert_per_story(db: Database) -> None:
    """Five weeks of ordinary chatter, then a solvency rumour spreads one evening: the job
    raises one alert (with an outbox event), updates it as the rumour grows, and closes
    it once the chatter is back to normal; reruns change nothing."""
    start = dt.datetime(2025, 6, 2, tzinfo=dt.UTC)  # isolated from other tests' mentions
    rng = np.random.default_rng(21)
    chatter = ["手续费有点贵", "App 更新后好用多了", "转账到账很快", "信用卡额度什么时候提"]
    rows = []
    for hour, n in enumerate(hourly_counts(12, days=36, per_day=30)):
        for k in range(int(n)):
            at = start + dt.timedelta(hours=hour, minutes=int(rng.integers(60)))
            rows.append(_row(f"job-c{hour}-{k}", chatter[k % 4], at.isoformat()))
    rumour = start + dt.timedelta(days=33, hours=11)
    rows += [
        _row(f"job-r{i}", f"听说这家银行要倒闭了，取不出钱 #{i}", (rumour + dt.timedelta(
            minutes=6 * i)).isoformat(), reach=5000)
        for i in range(60)
    ]  # fmt: skip

    def score(text: str) -> float:
        return -0.8 if "倒闭" in text else 0.1

    with db.session() as s:
        report = service.ingest(s, rows, secret="test", sentiment=score)
        assert report.created == len(rows)

    def run(now: dt.datetime) -> tuple[list[str], list[str], list[str]]:
        with db.session() as s:
            done = run_detection(s, now, timezone="Asia/Shanghai", country="CN")
            return done.raised, done.updated, done.closed

    raised, _, _ = run(rumour + dt.timedelta(hours=3))
    with db.session(write=False) as s:
        alerts = {a.id: a for a in s.execute(select(ReputationAlert)).scalars() if a.id in raised}
    rumours = [a for a in alerts.values() if a.topic == "solvency_rumour"]
    assert len(rumours) == 1 and rumours[0].status == "open"
    alert_id = rumours[0].id
    assert "job-r0" in rumours[0].mention_ids

    raised2, updated, _ = run(rumour + dt.timedelta(hours=6))
    assert alert_id not in raised2 and alert_id in updated
    _, _, closed = run(start + dt.timedelta(days=36))
    assert alert_id in closed
    assert run(start + dt.timedelta(days=36)) == ([], [], [])

    # The helpdesk's job later finds a spike of deposit-access complaints that evening, and
    # a card-fee spike the same night: the rumour's alert is linked to the first only.
    with db.session() as s:
        for incident_id, category in (("inc-rumour", "deposit.account_access"),
                                      ("inc-cards", "credit_card.fees_charges")):  # fmt: skip
            s.add(Incident(id=incident_id, category=category, status="closed",
                           window_start=rumour + dt.timedelta(hours=1),
                           window_end=rumour + dt.timedelta(hours=5),
                           observed=9, expected=1.0, score=8.0))  # fmt: skip
    _, updated, _ = run(start + dt.timedelta(days=36))
    assert alert_id in updated
    with db.session(write=False) as s:
        linked = s.get(ReputationAlert, alert_id)
        assert linked is not None and linked.incident_ids == ["inc-rumour"]
    assert run(start + dt.timedelta(days=36)) == ([], [], [])
    with db.session(write=False) as s:
        events = s.execute(
            select(OutboxEvent).where(OutboxEvent.event_type.like("reputation.%"))
        ).scalars()
        mine = {e.event_type for e in events if alert_id in str(e.subject)}
        assert sorted(mine) == [
            "reputation.alert_closed", "reputation.alert_raised", "reputation.alert_updated"
        ]  # fmt: skip


def test_the_operations_app_receives_signed_alert_events(
    app, client: TestClient, db: Database, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    """The bank's operations app (settings.ops_events_partner_id) collects the alert events
    as signed notifications through the events API, like any subscriber."""
    with db.session() as s:
        ops = register_partner(s, name="Bank operations desk", signing=False).partner
        token = issue_access_token(
            s, app.state.keyring, settings, partner=ops, scope="accounts",
            grant_type="client_credentials",
        ).access_token  # fmt: skip
        ops_id, client_id = ops.id, ops.client_id
    start = dt.datetime(2024, 9, 2, tzinfo=dt.UTC)
    rows = [
        _row(f"ops-c{h}", "转账到账很快", (start + dt.timedelta(hours=h)).isoformat())
        for h in range(0, 24 * 12, 2)
    ] + [
        _row(f"ops-r{i}", f"听说要倒闭了 {i}",
             (start + dt.timedelta(days=11, minutes=5 * i)).isoformat())
        for i in range(30)
    ]  # fmt: skip
    with db.session() as s:
        service.ingest(s, rows, secret="t", sentiment=lambda t: -0.8 if "倒闭" in t else 0.3)
        done = run_detection(
            s, start + dt.timedelta(days=11, hours=4), timezone="Asia/Shanghai", country="CN",
            notify=ops_id,
        )  # fmt: skip
        assert done.raised
    with db.session() as s:
        while dispatch_pending(s, limit=100):
            pass
    polled = client.post(
        "/open-banking/v4.0/events", json={"maxEvents": 20, "returnImmediately": True},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert polled.status_code == 201, polled.text
    with db.session(write=False) as s:
        jwks = KeyRing().jwks(s)
    kinds = []
    for notification in polled.json()["sets"].values():
        kid = jwt.get_unverified_header(notification)["kid"]
        key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key
        claims = jwt.decode(notification, key, algorithms=["ES256"], audience=client_id)
        kinds += list(claims["events"])
    assert "reputation.alert_raised" in kinds
