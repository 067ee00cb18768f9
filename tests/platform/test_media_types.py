"""Content negotiation on the open API: 406 for unacceptable Accept, 415 for non-JSON bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from wendu.web import accepts_json, is_json_media_type

PROBE = "/open-banking/v4.0/platform-probe"


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "*/*",
        "application/json",
        "application/*",
        "text/html, application/json;q=0.5",
        "application/json; charset=utf-8",
    ],
)
def test_acceptable_accept_headers_reach_the_route(
    probe_client: TestClient, make_grant: Callable[..., Any], accept: str | None
) -> None:
    grant = make_grant(probe_client.app)
    headers = dict(grant.headers)
    if accept is not None:
        headers["Accept"] = accept
    assert probe_client.get(f"{PROBE}/accounts/a1", headers=headers).status_code == 200


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "application/json;q=0"])
def test_unacceptable_accept_is_406_with_ob_body(
    probe_client: TestClient, make_grant: Callable[..., Any], accept: str
) -> None:
    grant = make_grant(probe_client.app)
    response = probe_client.get(f"{PROBE}/accounts/a1", headers={**grant.headers, "Accept": accept})
    assert response.status_code == 406
    body = response.json()
    assert body["Errors"][0]["ErrorCode"] == "U013"
    assert body["Id"] == response.headers["x-fapi-interaction-id"]
    assert response.headers["content-type"] == "application/json"


def test_json_bodies_pass_and_other_bodies_are_415(
    probe_client: TestClient, make_grant: Callable[..., Any]
) -> None:
    grant = make_grant(probe_client.app)
    ok = probe_client.post(f"{PROBE}/echo", json={"Data": 1}, headers=grant.headers)
    assert ok.status_code == 200
    assert ok.json() == {"Data": {"Data": 1}}
    for kwargs in (
        {"content": b"<Data/>", "headers": {"Content-Type": "application/xml"}},
        {"data": {"Data": "1"}},
        {"content": b'{"Data": 1}', "headers": {"Content-Type": "text/plain"}},
        {"content": b'{"Data": 1}'},
    ):
        extra = kwargs.pop("headers", {})
        response = probe_client.post(
            f"{PROBE}/echo",
            headers={**grant.headers, **extra},  # type: ignore[dict-item]
            **kwargs,  # type: ignore[arg-type]
        )
        assert response.status_code == 415, kwargs
        assert response.json()["Errors"][0]["ErrorCode"] == "U013"


def test_rules_apply_only_to_the_open_api(probe_client: TestClient) -> None:
    # Form posts elsewhere (OAuth token endpoint, console forms) are not refused as 415.
    response = probe_client.post("/console/login", data={"username": "x", "password": "y"})
    assert response.status_code != 415
    assert probe_client.get("/ping", headers={"Accept": "text/html"}).status_code == 200


def test_media_type_parsing() -> None:
    assert accepts_json(b"") and accepts_json(b"*/*;q=0.1")
    assert not accepts_json(b"*/*;q=0, text/plain")
    assert not accepts_json(b"application/json;q=nonsense")
    assert is_json_media_type(b"Application/JSON; charset=UTF-8")
    assert not is_json_media_type(b"application/jose+jwe")
