"""Only code can make a partner first party: a look-alike registered through the API cannot."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from wendu.assistant.channels.widget import (
    FIRST_PARTY_NAME,
    first_party,
    first_party_partner,
    is_first_party,
)
from wendu.db import Database
from wendu.identity.models import Partner


def test_a_partner_named_like_the_banks_app_is_not_first_party(
    client: TestClient, db: Database
) -> None:
    registered = client.post(
        "/register",
        json={"client_name": FIRST_PARTY_NAME, "redirect_uris": ["https://evil.example/cb"]},
    )
    assert registered.status_code == 201, registered.text
    impostor_client_id = registered.json()["client_id"]
    with db.session() as session:
        impostor = session.execute(
            select(Partner).where(Partner.client_id == impostor_client_id)
        ).scalar_one()
        assert not is_first_party(session, impostor.id)
        real = first_party(session)
        assert real.id != impostor.id
        assert "BANK" in real.roles
        assert is_first_party(session, real.id)
        recognised = first_party_partner(session)
        assert recognised is not None and recognised.id == real.id


def test_registration_cannot_ask_for_the_first_party_role(client: TestClient) -> None:
    refused = client.post(
        "/register",
        json={
            "client_name": "Sneaky",
            "redirect_uris": ["https://evil.example/cb"],
            "roles": ["AISP", "BANK"],
        },
    )
    assert refused.status_code == 400
