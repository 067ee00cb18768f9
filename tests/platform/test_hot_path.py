"""The fast paths keep their guarantees: cached signatures, async session dependency."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from wendu.db import Database
from wendu.identity.models import Consent, OAuthToken

PROBE = "/open-banking/v4.0/platform-probe"


def test_revoked_consent_stops_a_token_whose_signature_is_cached(
    probe_client: TestClient, make_grant: Callable[..., Any], db: Database
) -> None:
    grant = make_grant(probe_client.app)
    for _ in range(2):  # the second call is served from the verified-signature cache
        assert probe_client.get(f"{PROBE}/accounts/a1", headers=grant.headers).status_code == 200
    with db.session() as s:
        s.execute(update(Consent).where(Consent.id == grant.consent_id).values(status="CANC"))
    response = probe_client.get(f"{PROBE}/accounts/a1", headers=grant.headers)
    assert response.status_code == 401
    assert response.json()["Errors"][0]["ErrorCode"] == "U014"


def test_revoked_token_is_refused_at_once(
    probe_client: TestClient, make_grant: Callable[..., Any], db: Database
) -> None:
    grant = make_grant(probe_client.app)
    assert probe_client.get(f"{PROBE}/accounts/a1", headers=grant.headers).status_code == 200
    with db.session() as s:
        s.execute(
            update(OAuthToken)
            .where(OAuthToken.consent_id == grant.consent_id)
            .values(revoked_at=OAuthToken.issued_at)
        )
    assert probe_client.get(f"{PROBE}/accounts/a1", headers=grant.headers).status_code == 401


def test_cached_token_still_expires(
    make_client: Callable[..., TestClient], make_grant: Callable[..., Any]
) -> None:
    # exp is whole seconds, so a 6 s token lives at least 5 s: time for the first call even
    # on a busy machine.
    client = make_client(access_token_ttl_seconds=6)
    grant = make_grant(client.app)
    assert client.get(f"{PROBE}/accounts/a1", headers=grant.headers).status_code == 200
    time.sleep(6.2)
    response = client.get(f"{PROBE}/accounts/a1", headers=grant.headers)
    assert response.status_code == 401
    assert "expired" in response.json()["Message"]


def test_token_verified_by_one_app_is_unknown_to_another_key_ring(
    make_client: Callable[..., TestClient], make_grant: Callable[..., Any]
) -> None:
    first = make_client()
    grant = make_grant(first.app)
    assert first.get(f"{PROBE}/accounts/a1", headers=grant.headers).status_code == 200
    # Another public URL means another issuer: the cached verdict must not carry over.
    other = make_client(public_url="http://elsewhere")
    assert other.get(f"{PROBE}/accounts/a1", headers=grant.headers).status_code == 401


def test_session_dependency_commits_on_success_and_rolls_back_on_error(
    probe_client: TestClient,
    make_grant: Callable[..., Any],
    audit_rows: Callable[..., Any],
    db: Database,
) -> None:
    grant = make_grant(probe_client.app)
    kept, dropped = uuid.uuid4().hex, uuid.uuid4().hex
    ok = probe_client.post(f"{PROBE}/staff-actions", json={"actor": kept}, headers=grant.headers)
    assert ok.status_code == 200
    failed = probe_client.post(
        f"{PROBE}/staff-actions", json={"actor": dropped, "fail": True}, headers=grant.headers
    )
    assert failed.status_code == 409
    assert [r.action for r in audit_rows(db, actor_id=kept)] == ["probe.action"]
    assert audit_rows(db, actor_id=dropped) == []
