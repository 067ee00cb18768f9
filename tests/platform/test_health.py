"""Liveness: /health follows the database; /ping never touches it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from wendu.app import create_app
from wendu.config import Settings
from wendu.db import Database


def test_health_is_200_when_the_database_answers(probe_client: TestClient) -> None:
    response = probe_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:1/closed_port",
        "sqlite:///{tmp}/missing-directory/wendu.db",
    ],
    ids=["postgres-closed-port", "sqlite-unopenable-file"],
)
def test_health_is_503_when_the_database_is_unreachable(
    settings: Settings, tmp_path: Path, url: str
) -> None:
    down = Database(url.format(tmp=tmp_path))
    app = create_app(settings.model_copy(update={"database_url": down.url}), database=down)
    # No lifespan: the app could not even load its signing keys from this database.
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}
    assert response.headers["x-fapi-interaction-id"]
    # The bare route still answers: it never touches the database.
    assert client.get("/ping").json() == {"status": "ok"}
    down.dispose()


def test_api_docs_can_be_turned_off(settings: Settings, db: Database) -> None:
    with TestClient(create_app(settings, database=db)) as on:
        assert on.get("/openapi.json").status_code == 200
        assert on.get("/docs").status_code == 200
    closed = settings.model_copy(update={"api_docs": False})
    with TestClient(create_app(closed, database=db)) as off:
        for path in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
            response = off.get(path)
            assert response.status_code == 404, path
            assert response.json()["Errors"][0]["ErrorCode"] == "U004"
