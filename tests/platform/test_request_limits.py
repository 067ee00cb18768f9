"""Request bodies: too large is a 413 before anything parses it, lone surrogates are a 400."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi.testclient import TestClient

PROBE = "/open-banking/v4.0/platform-probe"


def _chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_large_bodies_are_413_before_parsing(
    make_client: Callable[..., TestClient], make_grant: Callable[..., Any]
) -> None:
    client = make_client(max_request_body_bytes=4096)
    grant = make_grant(client.app)
    small = client.post(f"{PROBE}/echo", json={"x": "a" * 100}, headers=grant.headers)
    assert small.status_code == 200, small.text
    big = b'{"x": "' + b"a" * 5000 + b'"}'
    for path, headers in (
        (f"{PROBE}/echo", grant.headers),  # open API, authenticated
        ("/helpdesk/v1/auth/token", {}),  # anonymous JSON
        ("/chat/v1/sessions", {}),
        ("/console/login", {}),
    ):
        sent = {**headers, "content-type": "application/json"}
        declared = client.post(path, content=big, headers=sent)
        assert declared.status_code == 413, (path, declared.text)
        assert declared.json()["Errors"][0]["ErrorCode"] == "U002"
        # No Content-Length (chunked): counted while reading, refused at the limit.
        streamed = client.post(path, content=_chunks(big, 1000), headers=sent)
        assert streamed.status_code == 413, (path, streamed.text)


def test_chat_session_with_a_malformed_or_huge_body_is_refused(
    make_client: Callable[..., TestClient], make_grant: Callable[..., Any]
) -> None:
    client = make_client()
    grant = make_grant(client.app)
    headers = {**grant.headers, "content-type": "application/json"}
    huge = b'{"channel": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    assert client.post("/chat/v1/sessions", content=huge, headers=headers).status_code == 413
    for raw in (b"{not json", b"[1, 2]", b'"app"', b'{"channel": "fax"}'):
        refused = client.post("/chat/v1/sessions", content=raw, headers=headers)
        assert 400 <= refused.status_code < 500, (raw, refused.status_code, refused.text)


def test_lone_surrogates_in_json_are_400_everywhere(
    make_client: Callable[..., TestClient], make_grant: Callable[..., Any]
) -> None:
    client = make_client()
    grant = make_grant(client.app)
    raw = b'{"x": "\\ud800", "channel": "\\udc00"}'
    for path in (f"{PROBE}/echo", "/chat/v1/sessions", "/helpdesk/v1/auth/token"):
        headers = {**grant.headers, "content-type": "application/json"}
        refused = client.post(path, content=raw, headers=headers)
        assert refused.status_code == 400, (path, refused.text)
        assert refused.json()["Errors"][0]["ErrorCode"] == "U002"
    pair = client.post(
        f"{PROBE}/echo",
        content=b'{"x": "\\ud83d\\ude00 \\\\ud800"}',
        headers={**grant.headers, "content-type": "application/json"},
    )
    assert pair.status_code == 200 and pair.json()["Data"]["x"] == "\U0001f600 \\ud800"
