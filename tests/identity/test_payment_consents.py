"""Payment and funds-confirmation consents go through the same login and consent pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from identity.flow import Flow, World, hidden, new_browser
from wendu.db import utcnow
from wendu.identity.models import Consent
from wendu.identity.oauth import new_pkce_pair
from wendu.kit.ids import new_id
from wendu.ledger.models import Account


def _identification(flow: Flow, account_id: str) -> str:
    with flow.db.session() as s:
        account = s.get(Account, account_id)
        assert account is not None
        return account.identification


def _consent(flow: Flow, world: World, kind: str, data: dict[str, Any]) -> str:
    """Store an AWAU consent as the PIS/CoF services do (their wire handling is not tested here)."""
    now = utcnow()
    with flow.db.session() as s:
        consent = Consent(
            id=new_id("pdc" if kind == "domestic-payment" else "fcc"),
            kind=kind,
            partner_id=world.partner.partner.id,
            status="AWAU",
            permissions=[],
            account_ids=[],
            expires_at=now + timedelta(hours=1),
            data=data,
            created_at=now,
            status_updated_at=now,
        )
        s.add(consent)
        return consent.id


def _initiation(debtor: str | None = None) -> dict[str, Any]:
    initiation: dict[str, Any] = {
        "InstructionIdentification": "inst-1",
        "EndToEndIdentification": "e2e-1",
        "InstructedAmount": {"Amount": "128.50", "Currency": "CNY"},
        "CreditorAccount": {
            "SchemeName": "UK.OBIE.BBAN",
            "Identification": "6217000011112222333",
            "Name": "李华",
        },
        "RemittanceInformation": {"Reference": "Dinner 晚餐"},
    }
    if debtor:
        initiation["DebtorAccount"] = {"SchemeName": "UK.OBIE.BBAN", "Identification": debtor}
    return {"Initiation": initiation}


def test_payment_consent_shows_the_payment_and_takes_one_debtor_account(
    flow: Flow, world: World
) -> None:
    consent_id = _consent(flow, world, "domestic-payment", _initiation())
    pages: list[str] = []
    auth = flow.approve(
        world,
        consent_id=consent_id,
        accounts=world.account_ids[1:],
        scope="openid payments",
        page_text=pages,
    )
    assert "128.50 CNY" in pages[0] and "李华" in pages[0] and "2333" in pages[0]
    assert "6217000011112222333" not in pages[0]
    assert 'type="radio"' in pages[0]
    tokens = flow.exchange(world, auth).json()
    assert tokens["scope"] == "openid payments"
    # Payment consents are single-use: no refresh token.
    assert "refresh_token" not in tokens
    with flow.db.session() as s:
        consent = s.get(Consent, consent_id)
        assert consent is not None
        assert consent.status == "AUTH" and consent.account_ids == world.account_ids[1:]


def test_payment_consent_refuses_two_debtor_accounts(flow: Flow, world: World) -> None:
    consent_id = _consent(flow, world, "domestic-payment", _initiation())
    params = flow.authorize_params(
        world, consent_id, new_pkce_pair(), "s",
        "openid payments",
    )  # fmt: skip
    page = flow.browser.get("/oauth2/authorize", params=params)
    consent_page = flow.browser.get(flow.login(world, page).headers["location"])
    response = flow.browser.post(
        "/oauth2/authorize/consent",
        data={
            "csrf_token": hidden(consent_page.text, "csrf_token"),
            "req": hidden(consent_page.text, "req"),
            "decision": "approve",
            "account_id": world.account_ids,
        },
    )
    assert response.status_code == 400 and "请只选择一个账户" in response.text
    with flow.db.session() as s:
        consent = s.get(Consent, consent_id)
        assert consent is not None and consent.status == "AWAU"


def test_named_debtor_account_is_the_only_choice(flow: Flow, world: World) -> None:
    debtor = _identification(flow, world.account_ids[0])
    consent_id = _consent(flow, world, "domestic-payment", _initiation(debtor))
    pages: list[str] = []
    flow.approve(
        world,
        consent_id=consent_id,
        accounts=world.account_ids[:1],
        scope="openid payments",
        page_text=pages,
    )
    assert world.account_ids[0] in pages[0] and world.account_ids[1] not in pages[0]
    other = _consent(flow, world, "domestic-payment", _initiation(debtor))
    flow.browser = new_browser(flow.browser.app)
    # The other account is not offered, and submitting it anyway changes nothing.
    page = flow.browser.get(
        "/oauth2/authorize",
        params=flow.authorize_params(world, other, new_pkce_pair(), "s", "openid payments"),
    )
    consent_page = flow.browser.get(flow.login(world, page).headers["location"])
    forced = flow.browser.post(
        "/oauth2/authorize/consent",
        data={
            "csrf_token": hidden(consent_page.text, "csrf_token"),
            "req": hidden(consent_page.text, "req"),
            "decision": "approve",
            "account_id": world.account_ids[1:],
        },
    )
    assert forced.status_code == 400
    with flow.db.session() as s:
        consent = s.get(Consent, other)
        assert consent is not None and consent.status == "AWAU"


def test_funds_confirmation_consent_uses_its_debtor_account(flow: Flow, world: World) -> None:
    debtor = _identification(flow, world.account_ids[1])
    data = {"DebtorAccount": {"SchemeName": "UK.OBIE.BBAN", "Identification": debtor}}
    consent_id = _consent(flow, world, "funds-confirmation", data)
    auth = flow.approve(
        world,
        consent_id=consent_id,
        accounts=world.account_ids[1:],
        scope="openid fundsconfirmations",
    )
    tokens = flow.exchange(world, auth).json()
    assert tokens["scope"] == "openid fundsconfirmations" and tokens["refresh_token"]
    wrong_scope = _consent(flow, world, "funds-confirmation", data)
    params = flow.authorize_params(world, wrong_scope, new_pkce_pair(), "s")
    refused = flow.browser.get("/oauth2/authorize", params=params)
    assert "invalid_scope" in refused.headers["location"]
