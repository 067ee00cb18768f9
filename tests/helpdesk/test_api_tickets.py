"""Tickets and complaints over HTTP: suggestion, overrides, status flow, SLA pause, links."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select
from tests.factories import add_transaction, make_account, make_customer
from tests.helpdesk.conftest import Desk

from wendu.db import Database
from wendu.events.models import OutboxEvent
from wendu.helpdesk.classify import ComplaintSuggester
from wendu.helpdesk.sla import default_regulatory_rules
from wendu.helpdesk.taxonomy import taxonomy
from wendu.helpdesk.tickets import calendars


def test_complaint_is_categorised_and_prioritised_and_an_agent_can_override(
    desk: Desk, classifier: ComplaintSuggester
) -> None:
    desk.staff("a1")
    text = "我的信用卡被盗刷了三笔，我没有授权这些交易，请立即冻结并退款"
    expected = classifier.suggest(f"盗刷投诉\n{text}")
    created = desk.ok(
        "a1",
        "POST",
        "/tickets",
        201,
        json={"subject": "盗刷投诉", "description": text, "kind": "complaint"},
    )
    ticket = created["ticket"]
    assert ticket["suggestion"]["category"] == expected.category
    assert ticket["suggestion"]["priority"] == expected.priority.value
    assert ticket["priority"] == expected.priority.value
    assert ticket["team_id"] == desk.team_id and ticket["assignee_id"] == desk.members["a1"].id
    if expected.confidence >= 0.6:
        assert ticket["category"] == expected.category
        # A complaint has its regulatory deadline from the category's rule.
        due = default_regulatory_rules().deadline(
            expected.category,
            dt.datetime.fromisoformat(ticket["created_at"]),
            calendars()["default"],
        )
        assert dt.datetime.fromisoformat(ticket["regulatory_due_at"]) == due
    assert [c["target"] for c in created["sla"]] == ["first_response", "resolution"]
    # The agent overrides the category and priority; the history records both.
    other = next(c.code for c in taxonomy() if c.code != ticket["category"])
    patched = desk.ok(
        "a1", "PATCH", f"/tickets/{ticket['id']}", json={"category": other, "priority": "low"}
    )
    assert patched["ticket"]["category"] == other and patched["ticket"]["priority"] == "low"
    update = [h for h in patched["history"] if h["kind"] == "updated"][-1]
    assert update["data"]["changes"]["priority"][1] == "low"
    accepted = desk.ok("a1", "POST", f"/tickets/{ticket['id']}/accept-suggestion")
    assert accepted["ticket"]["category"] == expected.category
    assert accepted["ticket"]["priority"] == expected.priority.value
    bad = desk.call("a1", "PATCH", f"/tickets/{ticket['id']}", json={"category": "nope.nothing"})
    assert bad.status_code == 400


def test_status_flow_pauses_the_sla_while_pending_customer_and_resolving_emits_an_event(
    desk: Desk, db: Database
) -> None:
    desk.staff("a1")
    created = desk.ok(
        "a1",
        "POST",
        "/tickets",
        201,
        json={
            "subject": "Statement request",
            "description": "Please send the 2025 statement",
            "category": taxonomy().__iter__().__next__().code,
            "priority": "urgent",
        },
    )
    tid = created["ticket"]["id"]
    assert created["ticket"]["status"] == "new"
    replied = desk.ok("a1", "POST", f"/tickets/{tid}/replies", 201, json={"body": "On it"})
    assert replied["ticket"]["status"] == "open" and replied["ticket"]["first_response_at"]
    first = next(c for c in replied["sla"] if c["target"] == "first_response")
    assert first["phase"] == "stopped" and first["state"] == "met"
    pending = desk.ok("a1", "POST", f"/tickets/{tid}/status", json={"status": "pending_customer"})
    resolution = next(c for c in pending["sla"] if c["target"] == "resolution")
    assert resolution["phase"] == "paused"
    reopened = desk.ok("a1", "POST", f"/tickets/{tid}/status", json={"status": "open"})
    assert next(c for c in reopened["sla"] if c["target"] == "resolution")["phase"] == "running"
    assert (
        desk.call("a1", "POST", f"/tickets/{tid}/status", json={"status": "closed"}).status_code
        == 409
    )
    done = desk.ok(
        "a1", "POST", f"/tickets/{tid}/status", json={"status": "resolved", "note": "sent"}
    )
    assert done["ticket"]["resolved_at"]
    assert all(c["phase"] == "stopped" for c in done["sla"])
    closed = desk.ok("a1", "POST", f"/tickets/{tid}/status", json={"status": "closed"})
    assert closed["ticket"]["closed_at"]
    steps = [
        (h["data"]["from"], h["data"]["to"]) for h in closed["history"] if h["kind"] == "status"
    ]
    assert steps == [
        ("new", "open"),
        ("open", "pending_customer"),
        ("pending_customer", "open"),
        ("open", "resolved"),
        ("resolved", "closed"),
    ]
    with db.session() as s:
        events = s.execute(
            select(OutboxEvent).where(OutboxEvent.event_type == "ticket.resolved")
        ).scalars()
        assert sum(1 for e in events if tid in json.dumps(e.subject)) == 1


def test_ticket_from_a_conversation_links_transactions_and_conversations(
    desk: Desk, db: Database
) -> None:
    with db.session() as s:
        customer = make_customer(s)
        account = make_account(s, customer)
        txn = add_transaction(s, account, -50_000, description="ATM")
        customer_id, txn_id = customer.id, txn.id
    desk.staff("a1")
    conv = desk.ok(
        "a1",
        "POST",
        "/conversations",
        201,
        json={
            "channel": "email",
            "customer_id": customer_id,
            "body": "ATM kept my cash",
            "assign_to_me": True,
            "team_id": desk.team_id,
        },
    )
    later = desk.ok(
        "a1",
        "POST",
        "/conversations",
        201,
        json={
            "channel": "phone",
            "customer_id": customer_id,
            "body": "calling again about ATM",
            "assign_to_me": True,
            "team_id": desk.team_id,
        },
    )
    ticket = desk.ok(
        "a1",
        "POST",
        "/tickets",
        201,
        json={
            "subject": "ATM did not dispense",
            "kind": "complaint",
            "conversation_id": conv["id"],
            "transaction_ids": [txn_id],
        },
    )
    assert ticket["ticket"]["customer_id"] == customer_id and ticket["ticket"]["channel"] == "email"
    assert ticket["transaction_ids"] == [txn_id] and ticket["conversation_ids"] == [conv["id"]]
    linked = desk.ok(
        "a1",
        "POST",
        f"/tickets/{ticket['ticket']['id']}/links",
        json={"conversation_id": later["id"]},
    )
    assert sorted(linked["conversation_ids"]) == sorted([conv["id"], later["id"]])
    unknown = desk.call(
        "a1", "POST", f"/tickets/{ticket['ticket']['id']}/links", json={"transaction_id": 987654321}
    )
    assert unknown.status_code == 400
    listed = desk.ok("a1", "GET", "/tickets", params={"customer_id": customer_id})
    assert [t["id"] for t in listed] == [ticket["ticket"]["id"]]
    # The agent's reply in the linked conversation is the ticket's first response.
    desk.ok(
        "a1", "POST", f"/conversations/{conv['id']}/messages", 201, json={"body": "We are checking"}
    )
    detail = desk.ok("a1", "GET", f"/tickets/{ticket['ticket']['id']}")
    assert detail["ticket"]["status"] == "open" and detail["ticket"]["first_response_at"]


def test_references_survive_the_masking_of_card_numbers(desk: Desk) -> None:
    from wendu.helpdesk.tickets import format_reference
    from wendu.kit.masking import mask_sensitive

    day = dt.date(2026, 11, 29)
    # A busy day still gives readable references (13+ digits would be masked as a card).
    for number in (1, 42, 9_999, 10_000, 999_999):
        reference = format_reference(day, number, "KQXM")
        assert mask_sensitive(f"您的工单号 {reference}。") == f"您的工单号 {reference}。"
    assert format_reference(day, 42, "KQXM") == "T261129-0042-KQXM"

    desk.staff("a1")
    created = desk.ok("a1", "POST", "/tickets", 201, json={"subject": "查询", "kind": "request"})
    reference = created["ticket"]["reference"]
    assert re.fullmatch(r"T\d{6}-\d{4}-[A-HJ-NP-Z]{4}", reference), reference
    assert mask_sensitive(reference) == reference
