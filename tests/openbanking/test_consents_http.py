"""The account-access-consents resource over HTTP: create, read, expire, revoke, refuse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import make_account, make_customer
from wendu.db import Database, utcnow
from wendu.identity.models import Consent, Partner

CONSENTS = "/open-banking/v4.0/aisp/account-access-consents"


@pytest.fixture()
def cc(new_partner: Callable[..., Partner], client_token: Callable[[Partner], str]) -> Any:
    """Return a partner and its client-credentials headers."""
    partner = new_partner()
    return partner, {"Authorization": f"Bearer {client_token(partner)}"}


def _request(**data: Any) -> dict[str, Any]:
    return {"Data": {"Permissions": ["ReadAccountsDetail", "ReadBalances"], **data}, "Risk": {}}


def test_create_and_read_a_consent(client: TestClient, cc: Any) -> None:
    _, headers = cc
    expires = (utcnow() + timedelta(days=90)).replace(microsecond=0)
    created = client.post(
        CONSENTS,
        headers=headers,
        json=_request(
            ExpirationDateTime=expires.isoformat(),
            TransactionFromDateTime="2026-01-01T00:00:00+08:00",
        ),
    )
    assert created.status_code == 201, created.text
    data = created.json()["Data"]
    assert data["ConsentId"].startswith("aac-")
    assert data["Status"] == "AWAU"
    assert data["Permissions"] == ["ReadAccountsDetail", "ReadBalances"]
    assert datetime.fromisoformat(data["ExpirationDateTime"]) == expires
    # Stored and shown in UTC, whatever offset the partner sent.
    assert data["TransactionFromDateTime"] == "2025-12-31T16:00:00+00:00"
    url = f"{CONSENTS}/{data['ConsentId']}"
    assert created.json()["Links"]["Self"] == f"http://testserver{url}"
    read = client.get(url, headers=headers)
    assert read.status_code == 200
    assert read.json()["Data"] == data


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"Permissions": ["ReadTransactionsDetail"]}, "Data.Permissions"),
        ({"Permissions": ["ReadTransactionsCredits", "ReadBalances"]}, "Data.Permissions"),
        ({"Permissions": ["ReadBalances", "ReadAll"]}, "Data.Permissions"),
        ({"Permissions": []}, "Data.Permissions"),
        ({"Permissions": ["ReadBalances"], "ExpirationDateTime": "2001-01-01T00:00:00Z"}, None),
        (
            {
                "Permissions": ["ReadBalances"],
                "TransactionFromDateTime": "2026-02-01T00:00:00Z",
                "TransactionToDateTime": "2026-01-01T00:00:00Z",
            },
            "Data.TransactionFromDateTime",
        ),
        ({"Permissions": ["ReadBalances"], "ExpirationDateTime": "soon"}, None),
    ],
)
def test_invalid_requests_are_400_with_a_path(
    client: TestClient, cc: Any, data: dict[str, Any], path: str | None
) -> None:
    _, headers = cc
    response = client.post(CONSENTS, headers=headers, json={"Data": data, "Risk": {}})
    assert response.status_code == 400, response.text
    error = response.json()["Errors"][0]
    assert error["ErrorCode"] in ("U001", "U002", "U003")
    if path:
        assert error["Path"] == path


def test_body_media_type_and_shape(client: TestClient, cc: Any) -> None:
    _, headers = cc
    as_text = client.post(
        CONSENTS, headers={**headers, "Content-Type": "text/plain"}, content=b"{}"
    )
    assert (as_text.status_code, as_text.json()["Errors"][0]["ErrorCode"]) == (415, "U013")
    broken = client.post(
        CONSENTS, headers={**headers, "Content-Type": "application/json"}, content=b"{nope"
    )
    assert broken.status_code == 400
    no_data = client.post(CONSENTS, headers=headers, json={"Risk": {}})
    assert no_data.status_code == 400
    charset = client.post(
        CONSENTS,
        headers={**headers, "Content-Type": "application/json; charset=utf-8"},
        content=b'{"Data": {"Permissions": ["ReadBalances"]}, "Risk": {}}',
    )
    assert charset.status_code == 201


def test_only_client_credentials_tokens_manage_consents(
    client: TestClient, cc: Any, db: Database, grant: Callable[..., Any]
) -> None:
    partner, _ = cc
    with db.session() as s:
        customer = make_customer(s)
        account_id = make_account(s, customer).id
    g = grant(partner, customer.id, [account_id], ["ReadBalances"])
    assert client.post(CONSENTS, headers=g.headers, json=_request()).status_code == 403
    assert client.get(f"{CONSENTS}/{g.consent_id}", headers=g.headers).status_code == 403
    assert client.post(CONSENTS, json=_request()).status_code == 401


def test_expired_consent_reads_as_expd(client: TestClient, cc: Any, db: Database) -> None:
    _, headers = cc
    consent_id = client.post(CONSENTS, headers=headers, json=_request()).json()["Data"]["ConsentId"]
    with db.session() as s:
        row = s.get(Consent, consent_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
    body = client.get(f"{CONSENTS}/{consent_id}", headers=headers).json()
    assert body["Data"]["Status"] == "EXPD"
    # Deleting an expired consent is accepted and leaves it expired.
    assert client.delete(f"{CONSENTS}/{consent_id}", headers=headers).status_code == 204
    again = client.get(f"{CONSENTS}/{consent_id}", headers=headers).json()
    assert again["Data"]["Status"] == "EXPD"


def test_delete_cancels_an_awaiting_consent(client: TestClient, cc: Any) -> None:
    _, headers = cc
    consent_id = client.post(CONSENTS, headers=headers, json=_request()).json()["Data"]["ConsentId"]
    deleted = client.delete(f"{CONSENTS}/{consent_id}", headers=headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert deleted.headers["x-fapi-interaction-id"]
    body = client.get(f"{CONSENTS}/{consent_id}", headers=headers).json()
    assert body["Data"]["Status"] == "CANC"
