"""Staff sign-in (helpdesk API token and console form): throttled per account and per IP
with back-off, the same cost whether or not the username exists, failures audited."""

from __future__ import annotations

import re
import secrets
import statistics
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from wendu.app import create_app
from wendu.audit.models import AuditEntry
from wendu.config import Settings
from wendu.db import Database
from wendu.identity.staff import create_staff

TOKEN = "/helpdesk/v1/auth/token"
PASSWORD = "right password 1"


def _staff(db: Database) -> str:
    username = f"signin-{secrets.token_hex(4)}"
    with db.session() as s:
        create_staff(s, username=username, password=PASSWORD, role="agent")
    return username


@pytest.fixture()
def strict(settings: Settings, db: Database) -> Iterator[TestClient]:
    """An app with the production defaults of the sign-in throttle, a tight IP limit."""
    tight = settings.model_copy(update={"signin_ip_max_failures": 8})
    with TestClient(create_app(tight, database=db), client=("10.9.8.7", 5000)) as client:
        yield client


def test_api_locks_an_account_after_repeated_failures(
    strict: TestClient, db: Database, settings: Settings
) -> None:
    username = _staff(db)
    limit = settings.signin_max_failures
    for _ in range(limit):
        wrong = strict.post(TOKEN, json={"username": username, "password": "wrong password"})
        assert wrong.status_code == 401, wrong.text
    locked = strict.post(TOKEN, json={"username": username, "password": PASSWORD})
    assert locked.status_code == 429, locked.text
    assert int(locked.headers["retry-after"]) >= 1
    assert locked.json()["Errors"][0]["ErrorCode"] == "U016"
    # Another account from the same address is not locked by this one's failures.
    other = _staff(db)
    assert strict.post(TOKEN, json={"username": other, "password": PASSWORD}).status_code == 200
    with db.session(write=False) as s:
        failed = (
            s.execute(
                select(AuditEntry).where(
                    AuditEntry.action == "staff.signin_failed", AuditEntry.actor_id == username
                )
            )
            .scalars()
            .all()
        )
    assert len(failed) == limit
    assert all(e.status_code == 401 for e in failed)


def test_api_locks_an_address_trying_many_accounts(strict: TestClient, db: Database) -> None:
    for _ in range(8):
        guess = {"username": f"nobody-{secrets.token_hex(3)}", "password": "guess"}
        assert strict.post(TOKEN, json=guess).status_code == 401
    real = _staff(db)
    locked = strict.post(TOKEN, json={"username": real, "password": PASSWORD})
    assert locked.status_code == 429 and "retry-after" in locked.headers


def test_unknown_and_known_usernames_take_the_same_time(client: TestClient, db: Database) -> None:
    def timed(username: str) -> float:
        started = time.perf_counter()
        response = client.post(TOKEN, json={"username": username, "password": "wrong password"})
        assert response.status_code == 401
        return time.perf_counter() - started

    known = [timed(_staff(db)) for _ in range(3)]
    unknown = [timed(f"ghost-{secrets.token_hex(4)}") for _ in range(3)]
    # Both run one Argon2 check; before, an unknown name answered ~100 times faster.
    assert statistics.median(unknown) > 0.5 * statistics.median(known), (known, unknown)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_console_login_locks_an_account_and_audits_failures(
    strict: TestClient, db: Database, settings: Settings
) -> None:
    username = _staff(db)
    page = strict.get("/console/login")
    form = {"username": username, "password": "wrong password", "csrf_token": _csrf(page.text)}
    for _ in range(settings.signin_max_failures):
        assert strict.post("/console/login", data=form).status_code == 401
    locked = strict.post(
        "/console/login", data={**form, "password": PASSWORD}, follow_redirects=False
    )
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) >= 1
    with db.session(write=False) as s:
        channels = (
            s.execute(
                select(AuditEntry.detail).where(
                    AuditEntry.action == "staff.signin_failed", AuditEntry.actor_id == username
                )
            )
            .scalars()
            .all()
        )
    assert [d["channel"] for d in channels] == ["console"] * settings.signin_max_failures


def test_a_success_clears_the_accounts_failures(strict: TestClient, db: Database) -> None:
    username = _staff(db)
    # 2 x 3 failures: past the account's limit of 5 unless each success clears the count
    # (the address's 8 are not cleared by a success, so stay below them).
    for _ in range(2):
        for _ in range(3):
            wrong = strict.post(TOKEN, json={"username": username, "password": "wrong"})
            assert wrong.status_code == 401
        ok = strict.post(TOKEN, json={"username": username, "password": PASSWORD})
        assert ok.status_code == 200, ok.text
