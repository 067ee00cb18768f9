"""An agent who opens a conversation for any customer id (phone notes) sees no more than
before: not the customer's transactions or consents, nor other teams' tickets."""

from __future__ import annotations

from tests.factories import add_transaction, make_account, make_customer
from tests.helpdesk.conftest import API, Desk, MakeDesk

from wendu.db import Database
from wendu.helpdesk.taxonomy import taxonomy


def _kinds(view: dict) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(item["kind"], item["ref"]) for item in view["timeline"]}


def test_opening_a_conversation_does_not_widen_an_agents_view(
    desk: Desk, make_desk: MakeDesk, db: Database
) -> None:
    with db.session() as s:
        customer = make_customer(s, full_name="韩梅梅")
        account = make_account(s, customer)
        add_transaction(s, account, -8_800, description="Private purchase")
        customer_id = customer.id
    other = make_desk()
    # The customer is another team's: a conversation and a complaint ticket there.
    theirs = desk.ok(
        "sup",
        "POST",
        "/conversations",
        201,
        json={
            "channel": "phone",
            "customer_id": customer_id,
            "body": "x",
            "team_id": other.team_id,
        },
    )
    ticket = desk.ok(
        "sup",
        "POST",
        "/tickets",
        201,
        json={
            "subject": "complaint",
            "conversation_id": theirs["id"],
            "category": next(iter(taxonomy())).code,
        },
    )["ticket"]
    a1 = desk.staff("a1")
    mine = desk.ok(
        "a1",
        "POST",
        "/conversations",
        201,
        json={
            "channel": "phone",
            "customer_id": customer_id,
            "body": "caller says she is 韩梅梅",
            "team_id": desk.team_id,
            "assign_to_me": True,
        },
    )
    # The 360 stays closed to her, as before she opened the conversation.
    refused = desk.call("a1", "GET", f"/customers/{customer_id}")
    assert refused.status_code == 400, refused.text
    assert refused.json()["Errors"][0]["ErrorCode"] == "U004"
    # Her own conversation shows only her queues' items, and no bank data.
    view = desk.ok("a1", "GET", f"/conversations/{mine['id']}")["customer"]
    kinds = _kinds(view)
    assert ("ticket", ticket["id"]) not in kinds
    assert ("conversation", theirs["id"]) not in kinds
    assert not any(kind == "transaction" for kind, _ in kinds)
    assert view["consents"] == []
    # Nor does the console show her the customer.
    assert desk.client.get(f"{API}/customers/{customer_id}").status_code == 401

    # A supervisor hands her a conversation with the customer: now she may see the 360,
    # still without the other team's ticket.
    handed = desk.ok(
        "sup",
        "POST",
        "/conversations",
        201,
        json={"channel": "phone", "customer_id": customer_id, "body": "y", "team_id": desk.team_id},
    )
    desk.ok("sup", "POST", f"/conversations/{handed['id']}/transfer", json={"to_agent_id": a1.id})
    allowed = desk.ok("a1", "GET", f"/customers/{customer_id}")
    kinds = _kinds(allowed)
    assert any(kind == "transaction" for kind, _ in kinds)
    assert ("ticket", ticket["id"]) not in kinds
    assert ("conversation", theirs["id"]) not in kinds
    # The supervisor sees everything.
    everything = _kinds(desk.ok("sup", "GET", f"/customers/{customer_id}"))
    assert ("ticket", ticket["id"]) in everything
