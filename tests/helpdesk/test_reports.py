"""Reports compute the right numbers on conversations the test creates; drill-down and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets

from fastapi.testclient import TestClient
from tests.factories import make_customer
from tests.helpdesk.conftest import API, Desk

from wendu.config import Settings
from wendu.db import Database
from wendu.helpdesk.models import Conversation, Ticket
from wendu.helpdesk.surveys import send_nps, survey_token
from wendu.helpdesk.taxonomy import taxonomy


def test_summary_drill_down_and_csv_on_a_known_window(
    desk: Desk, db: Database, client: TestClient, settings: Settings
) -> None:
    desk.staff("a1", capacity=5)
    category = list(taxonomy())[3].code

    def phone(channel: str) -> str:
        conv = desk.ok(
            "sup",
            "POST",
            "/conversations",
            201,
            json={"channel": channel, "body": "hello", "team_id": desk.team_id},
        )
        return str(conv["id"])

    c1, c2 = phone("app"), phone("email")
    bot = client.post(f"{API}/channel/conversations", json={"body": "balance?"}).json()
    c3 = bot["conversation_id"]
    ticket = desk.ok(
        "a1",
        "POST",
        "/tickets",
        201,
        json={"subject": "x", "conversation_id": c1, "category": category},
    )["ticket"]
    desk.ok("a1", "POST", f"/conversations/{c1}/messages", 201, json={"body": "hi"})
    desk.ok("a1", "POST", f"/conversations/{c2}/messages", 201, json={"body": "hi"})
    desk.ok("a1", "POST", f"/conversations/{c1}/resolve")
    desk.ok("sup", "POST", f"/conversations/{c3}/resolve")  # the assistant solved it alone
    csat_link = desk.ok("sup", "GET", f"/conversations/{c1}")["messages"][-1]["body"].split()[-1]
    # Put the three in a window of their own with exact timings (urgent: 15 min, 24x7).
    start = dt.datetime(2032, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=secrets.randbelow(3000))
    timings = {c1: (60, 600), c2: (1200, None), c3: (None, 300)}
    with db.session() as s:
        for i, cid in enumerate((c1, c2, c3)):
            conv = s.get(Conversation, cid)
            assert conv is not None
            created = start + dt.timedelta(minutes=i)
            reply, resolved = timings[cid]
            conv.created_at = created
            conv.priority = "urgent"
            conv.queued_at = created if reply is not None else None
            conv.first_agent_reply_at = created + dt.timedelta(seconds=reply) if reply else None
            conv.resolved_at = created + dt.timedelta(seconds=resolved) if resolved else None
        t = s.get(Ticket, ticket["id"])
        assert t is not None
        t.created_at = start
        nps_ids = [
            send_nps(s, settings, conv).id
            for conv in (s.get(Conversation, c1), s.get(Conversation, c2))
            if conv
        ]
    assert (
        client.post(csat_link.replace("http://testserver", ""), json={"score": 5}).status_code
        == 200
    )
    with db.session() as s:
        from wendu.helpdesk.models import Survey

        tokens = [survey_token(settings, s.get(Survey, i)) for i in nps_ids]  # type: ignore[arg-type]
    for token, score in zip(tokens, (10, 3), strict=True):
        assert client.post(f"{API}/surveys/{token}", json={"score": score}).status_code == 200

    window = {"start": start.isoformat(), "end": (start + dt.timedelta(hours=1)).isoformat()}
    (total,) = desk.ok("sup", "GET", "/reports/summary", params=window)
    assert total["conversations"] == 3
    assert (total["handed_off"], total["contained"]) == (2, 1)
    assert total["handoff_rate"] == 66.67 and total["containment_rate"] == 33.33
    assert total["first_response_avg_seconds"] == 630.0
    assert total["first_response_median_seconds"] == 630.0
    assert total["within_sla_pct"] == 50.0  # 60 s met, 20 min missed the 15 min target
    assert total["resolution_avg_seconds"] == 450.0
    assert (total["csat_avg"], total["csat_responses"]) == (5.0, 1)
    assert (total["nps"], total["nps_responses"]) == (0.0, 2)  # one promoter, one detractor
    assert sorted(total["conversation_ids"]) == sorted([c1, c2, c3])

    by_channel = {
        g["key"]: g
        for g in desk.ok("aud", "GET", "/reports/summary", params={**window, "by": "channel"})
    }
    assert set(by_channel) == {"app", "email", "web_widget"}
    assert by_channel["app"]["csat_avg"] == 5.0 and by_channel["email"]["within_sla_pct"] == 0.0
    by_category = {
        g["key"]: g
        for g in desk.ok("sup", "GET", "/reports/summary", params={**window, "by": "category"})
    }
    assert by_category[category]["conversation_ids"] == [c1]
    by_agent = {
        g["key"]: g
        for g in desk.ok("sup", "GET", "/reports/summary", params={**window, "by": "agent"})
    }
    assert by_agent[desk.members["a1"].id]["conversations"] == 2

    drill = desk.ok("sup", "GET", "/reports/drill-down", params={**window, "metric": "handed_off"})
    assert sorted(drill) == sorted([c1, c2])
    drill = desk.ok(
        "sup",
        "GET",
        "/reports/drill-down",
        params={**window, "metric": "within_sla", "by": "channel", "key": "app"},
    )
    assert drill == [c1]
    assert (
        desk.call("sup", "GET", "/reports/drill-down", params={"metric": "nonsense"}).status_code
        == 400
    )

    exported = desk.call("aud", "GET", "/reports/conversations.csv", params=window)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["conversation_id"] for r in rows] == [c1, c2, c3]
    assert rows[0]["csat"] == "5" and rows[0]["category"] == category and rows[0]["nps"] == "10"
    assert rows[2]["contained"] == "True" and rows[1]["within_sla"] == "False"

    tickets = desk.ok("sup", "GET", "/reports/tickets", params={**window, "by": "category"})
    assert tickets == [
        {
            "key": category,
            "tickets": 1,
            "resolved": 0,
            "within_sla_pct": 100.0,
            "breached": 0,
            "resolution_avg_seconds": None,
            "ticket_ids": [ticket["id"]],
        }
    ]
    backlog = desk.ok("sup", "GET", "/reports/backlog")
    assert ticket["id"] in backlog["ticket_ids"]
    assert desk.call("a1", "GET", "/reports/summary").status_code == 403


def test_first_experience_tracks_a_new_customers_first_contacts(desk: Desk, db: Database) -> None:
    with db.session() as s:
        customer_id = make_customer(s).id
    desk.staff("a1")
    conv = desk.ok(
        "a1",
        "POST",
        "/conversations",
        201,
        json={
            "channel": "app",
            "customer_id": customer_id,
            "body": "how do I activate my card",
            "team_id": desk.team_id,
        },
    )
    desk.ok(
        "a1",
        "POST",
        "/tickets",
        201,
        json={
            "subject": "Activation failed",
            "kind": "complaint",
            "conversation_id": conv["id"],
            "category": next(iter(taxonomy())).code,
        },
    )
    found = {
        f["customer_id"]: f
        for f in desk.ok(
            "sup", "GET", "/reports/first-experience", params={"joined_within_days": 1}
        )
    }
    mine = found[customer_id]
    assert mine["contacts"] == 1 and mine["conversation_ids"] == [conv["id"]]
    assert mine["first_contact_at"] and mine["first_complaint_at"] and mine["first_failure_at"]
