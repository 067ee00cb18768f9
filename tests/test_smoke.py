"""The app starts on a migrated database and reports its health."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient


def test_health_is_ok_when_database_answers(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == "up"


def test_interaction_id_is_echoed_or_generated(client: TestClient) -> None:
    sent = str(uuid.uuid4())
    assert (
        client.get("/health", headers={"x-fapi-interaction-id": sent}).headers[
            "x-fapi-interaction-id"
        ]
        == sent
    )
    generated = client.get("/health").headers["x-fapi-interaction-id"]
    assert uuid.UUID(generated)


def test_unknown_route_uses_ob_error_body(client: TestClient) -> None:
    response = client.get("/no-such-route")
    assert response.status_code == 404
    body = response.json()
    assert body["Errors"][0]["ErrorCode"].startswith("U")
    assert body["Id"] == response.headers["x-fapi-interaction-id"]
