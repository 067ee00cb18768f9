"""After a run of real flows, no secret is anywhere it could be read back.

The flows: partner self-registration, client-credentials and authorization-code tokens
(browser login with a password, consent page, PKCE exchange), a refresh, a revocation,
a staff login, a payment, a funds check, and chat messages carrying a full card number.
Then every text in the audit log, helpdesk messages, the event outbox (and deliveries) and
the application's own log records (captured at DEBUG) is searched for each secret.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from identity.flow import Flow, new_browser
from security.conftest import (
    CBPII,
    PISP,
    Builder,
    World,
    bearer,
    payment_body,
    payment_consent_body,
    signed_post,
)
from wendu.audit.models import AuditEntry
from wendu.config import Settings
from wendu.db import Database
from wendu.events.models import EventDelivery, OutboxEvent
from wendu.helpdesk.models import Conversation, Message
from wendu.identity.staff import create_staff

# A test card number that passes the Luhn check, as a customer would paste it.
PAN = "6222020200112233445"
PAN_VARIANTS = (PAN, "6222 0202 0011 2233 445", "6222-0202-0011-2233-445")


def _run_flows(
    client: TestClient, app: Any, db: Database, world: World, builder: Builder
) -> list[str]:
    """Drive every flow that handles a secret; return the secrets it handled."""
    found: list[str] = []

    registered = client.post(
        "/register",
        json={
            "client_name": "Leak Check",
            "redirect_uris": ["https://leak.example.com/cb"],
        },
    )
    assert registered.status_code == 201, registered.text
    reg = registered.json()
    found.append(reg["client_secret"])
    cc = client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "accounts"},
        auth=(reg["client_id"], reg["client_secret"]),
    )
    assert cc.status_code == 200, cc.text
    found.append(cc.json()["access_token"])

    browser = new_browser(app)
    flow = Flow(db, browser)
    person = flow.make_world()
    found += [person.secret, person.password]
    tokens = flow.exchange(person, flow.approve(person)).json()
    found += [tokens["access_token"], tokens["refresh_token"]]
    browser.get("/open-banking/v4.0/aisp/accounts", headers=bearer(tokens["access_token"]))
    refreshed = browser.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(person.client_id, person.secret),
    )
    assert refreshed.status_code == 200, refreshed.text
    found += [refreshed.json()["access_token"], refreshed.json().get("refresh_token", "")]
    revoked = browser.post(
        "/oauth2/revoke",
        data={"token": refreshed.json()["access_token"]},
        auth=(person.client_id, person.secret),
    )
    assert revoked.status_code == 200

    staff_password = secrets.token_urlsafe(12)
    with db.session() as s:
        user = create_staff(
            s, username=f"leak-{secrets.token_hex(3)}", password=staff_password, role="agent"
        )
        username = user.username
    staff = client.post(
        "/helpdesk/v1/auth/token", json={"username": username, "password": staff_password}
    )
    assert staff.status_code == 200, staff.text
    found += [staff_password, staff.json()["access_token"]]

    request = payment_consent_body("4.20")
    consent_id = builder.payment_consent(world.p, request)
    pay_token = builder.authorise(world.p, world.a, consent_id).access_token
    paid = signed_post(
        client, f"{PISP}/domestic-payments", payment_body(consent_id, request), pay_token, world.p
    )
    assert paid.status_code == 201, paid.text
    check = {
        "Data": {
            "ConsentId": world.p_cof_consent,
            "Reference": "leak",
            "InstructedAmount": {"Amount": "1.00", "Currency": "CNY"},
        }
    }
    checked = client.post(
        f"{CBPII}/funds-confirmations", json=check, headers=bearer(world.p_cof_token)
    )
    assert checked.status_code == 201, checked.text
    found += [pay_token, world.p_cof_token, world.p.cc_token, world.p.secret]

    # A customer pastes a full card number into the partner chat and the web channel.
    ais = bearer(world.p_ais["token"])
    for text in (f"我的卡号是 {PAN_VARIANTS[1]}，卡丢了", f"card {PAN} lost, please freeze"):
        said = client.post(
            f"/chat/v1/sessions/{world.chat_id}/messages", json={"text": text}, headers=ais
        )
        assert said.status_code == 200, said.text
    channel = client.post(
        "/helpdesk/v1/channel/conversations", json={"body": f"My card {PAN_VARIANTS[2]} was stolen"}
    )
    assert channel.status_code == 201, channel.text
    more = client.post(
        f"/helpdesk/v1/channel/conversations/{channel.json()['conversation_id']}/messages",
        json={"body": f"number again: {PAN}"},
        headers={"X-Conversation-Token": channel.json()["token"]},
    )
    assert more.status_code == 201, more.text
    found.append(channel.json()["token"])
    found.append(world.p_ais["token"])
    return [s for s in found if s]


def _row_text(row: Any) -> str:
    return repr({c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs})


def _stored_text(db: Database) -> dict[str, str]:
    """Return every stored text the brief names, keyed by where it came from."""
    texts: dict[str, str] = {}
    with db.session(write=False) as s:
        for model in (AuditEntry, Message, Conversation, OutboxEvent, EventDelivery):
            for row in s.execute(select(model)).scalars():
                texts[f"{model.__tablename__} {row.id}"] = _row_text(row)
    return texts


def _leaks(texts: dict[str, str], handled: list[str]) -> list[str]:
    leaks = []
    for where, text in texts.items():
        leaks += [f"{where}: a secret ({secret[:6]}…)" for secret in handled if secret in text]
        # The card number in any spacing or punctuation.
        digits = [re.sub(r"\D", "", run) for run in re.findall(r"\d[\d -]{12,30}\d", text)]
        if any(PAN in run for run in digits):
            leaks.append(f"{where}: the full card number")
    return leaks


@pytest.fixture(scope="module")
def leak_run(
    client: TestClient, app: Any, db: Database, world: World, builder: Builder
) -> list[str]:
    return _run_flows(client, app, db, world, builder)


def test_secrets_and_card_numbers_never_reach_the_stores(leak_run: list[str], db: Database) -> None:
    texts = _stored_text(db)
    assert any(k.startswith("audit_log") for k in texts)
    assert any(k.startswith("helpdesk_messages") for k in texts)
    assert any(k.startswith("event_outbox") for k in texts)
    # The messages were stored (masked), not dropped.
    assert any("stolen" in t for k, t in texts.items() if k.startswith("helpdesk_messages"))
    leaks = _leaks(texts, leak_run)
    assert not leaks, "\n".join(leaks[:20])


def test_application_logs_carry_no_secret(
    caplog: pytest.LogCaptureFixture,
    client: TestClient,
    app: Any,
    db: Database,
    world: World,
    builder: Builder,
    settings: Settings,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, SQLAlchemy's statements included
    handled = _run_flows(client, app, db, world, builder)
    records = {
        f"log {i} {r.name}": f"{r.getMessage()} {r.args!r} {getattr(r, '__dict__', {})!r}"
        for i, r in enumerate(caplog.records)
    }
    assert records, "nothing was logged: the capture is not working"
    leaks = _leaks(records, [*handled, settings.secret_key])
    assert not leaks, "\n".join(leaks[:20])
