"""The anonymous helpdesk channel: starting conversations is throttled per client address,
and production requires the channel's own key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from wendu.app import create_app
from wendu.config import Settings
from wendu.db import Database

START = "/helpdesk/v1/channel/conversations"


@pytest.fixture()
def limited(settings: Settings, db: Database) -> Iterator[TestClient]:
    tight = settings.model_copy(update={"channel_starts_per_minute": 5})
    with TestClient(create_app(tight, database=db), client=("10.7.7.7", 4000)) as client:
        yield client


def test_starting_conversations_is_throttled_per_address(limited: TestClient) -> None:
    for _ in range(5):
        assert limited.post(START, json={"body": "hello"}).status_code == 201
    refused = limited.post(START, json={"body": "hello"})
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["Errors"][0]["ErrorCode"] == "U016"


def test_production_requires_the_channel_key(settings: Settings, db: Database) -> None:
    production = settings.model_copy(
        update={"env": "production", "secret_key": "p" * 40, "helpdesk_channel_key": "k" * 32}
    )
    with TestClient(create_app(production, database=db)) as client:
        assert client.post(START, json={"body": "hi"}).status_code == 401
        wrong = client.post(START, json={"body": "hi"}, headers={"X-Channel-Key": "nope"})
        assert wrong.status_code == 401
        ok = client.post(START, json={"body": "hi"}, headers={"X-Channel-Key": "k" * 32})
        assert ok.status_code == 201, ok.text
    closed = production.model_copy(update={"helpdesk_channel_key": None})
    with TestClient(create_app(closed, database=db)) as client:
        refused = client.post(START, json={"body": "hi"}, headers={"X-Channel-Key": "k" * 32})
        assert refused.status_code == 403, refused.text
