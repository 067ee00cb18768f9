"""Rate limits per partner: token buckets in process or in Redis, with the OB headers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import redis
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from wendu.ratelimit import MemoryBackend, RedisBackend

PROBE = "/open-banking/v4.0/platform-probe"
REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not _redis_available(), reason="Redis on 127.0.0.1:6379 is down")


@pytest.fixture(params=["memory", pytest.param("redis", marks=needs_redis)])
def limited_client(request: pytest.FixtureRequest, make_client: Callable[..., TestClient]) -> Any:
    """Return an app limited to 60/min with a burst of 3, on each backend."""
    client = make_client(
        rate_limit_per_minute=60,
        rate_limit_burst=3,
        redis_url=REDIS_URL if request.param == "redis" else None,
    )
    if request.param == "redis":
        # A key prefix of this test's own, so runs and workers never share buckets.
        client.app.state.rate_limiter.backend.prefix = f"wendu:test:{uuid.uuid4().hex}:"  # type: ignore[attr-defined]
    return client


def test_partner_gets_429_with_headers_when_the_bucket_is_empty(
    limited_client: TestClient, make_grant: Callable[..., Any]
) -> None:
    grant = make_grant(limited_client.app)
    remaining = []
    for _ in range(3):
        response = limited_client.get(f"{PROBE}/accounts/a1", headers=grant.headers)
        assert response.status_code == 200
        assert response.headers["x-rate-limit-limit"] == "3"
        assert int(response.headers["x-rate-limit-reset"]) >= 1
        remaining.append(int(response.headers["x-rate-limit-remaining"]))
    assert remaining == [2, 1, 0]

    refused = limited_client.get(f"{PROBE}/accounts/a1", headers=grant.headers)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"  # one token per second comes back
    assert refused.headers["x-rate-limit-remaining"] == "0"
    assert refused.headers["x-rate-limit-limit"] == "3"
    assert refused.json()["Errors"][0]["ErrorCode"] == "U016"
    assert refused.json()["Id"] == refused.headers["x-fapi-interaction-id"]

    time.sleep(1.1)
    assert limited_client.get(f"{PROBE}/accounts/a1", headers=grant.headers).status_code == 200


def test_partners_have_separate_buckets_and_their_own_rates(
    limited_client: TestClient, make_grant: Callable[..., Any]
) -> None:
    busy = make_grant(limited_client.app)
    slow = make_grant(limited_client.app, rate_limit_per_minute=2)
    other = make_grant(limited_client.app)
    for _ in range(3):
        limited_client.get(f"{PROBE}/accounts/a1", headers=busy.headers)
    assert limited_client.get(f"{PROBE}/accounts/a1", headers=busy.headers).status_code == 429
    assert limited_client.get(f"{PROBE}/accounts/a1", headers=other.headers).status_code == 200

    # The partner's own 2/min rate also caps its burst at 2.
    first = limited_client.get(f"{PROBE}/accounts/a1", headers=slow.headers)
    assert first.headers["x-rate-limit-limit"] == "2"
    assert limited_client.get(f"{PROBE}/accounts/a1", headers=slow.headers).status_code == 200
    refused = limited_client.get(f"{PROBE}/accounts/a1", headers=slow.headers)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "30"


def test_forged_tokens_do_not_spend_the_partners_budget(
    limited_client: TestClient, make_grant: Callable[..., Any]
) -> None:
    grant = make_grant(limited_client.app)
    header = jwt.get_unverified_header(grant.token)
    claims = jwt.decode(grant.token, options={"verify_signature": False})
    forged = jwt.encode(
        claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers=header
    )
    for _ in range(5):
        response = limited_client.get(
            f"{PROBE}/accounts/a1", headers={"Authorization": f"Bearer {forged}"}
        )
        assert response.status_code == 401
        assert "x-rate-limit-remaining" not in response.headers
    response = limited_client.get(f"{PROBE}/accounts/a1", headers=grant.headers)
    assert response.status_code == 200
    assert response.headers["x-rate-limit-remaining"] == "2"


def test_unauthenticated_oauth_endpoints_are_limited_per_client_ip(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(redis_url=None, rate_limit_per_minute=60, rate_limit_burst=2)
    statuses = [
        client.post("/oauth2/token", data={"grant_type": "x"}).status_code for _ in range(3)
    ]
    assert 429 not in statuses[:2]
    assert statuses[2] == 429
    # The open API is not subject to the per-IP bucket.
    assert client.get("/ping").status_code == 200


@needs_redis
def test_redis_buckets_are_shared_between_processes() -> None:
    prefix = f"wendu:test:{uuid.uuid4().hex}:"
    # Two backends with their own connection pools stand for two API processes.
    first = RedisBackend(REDIS_URL, prefix)
    second = RedisBackend(REDIS_URL, prefix)
    decisions = [
        backend.hit("p:shared", 1.0, 4) for backend in (first, second, first, second, first)
    ]
    assert [d.allowed for d in decisions] == [True, True, True, True, False]
    assert [d.remaining for d in decisions] == [3, 2, 1, 0, 0]
    assert decisions[-1].retry_after == 1
    ttl = redis.Redis.from_url(REDIS_URL).pttl(prefix + "p:shared")
    assert 0 < ttl <= 5000  # buckets expire once they would be full again
    first.close()
    second.close()


def test_redis_outage_falls_back_to_in_process_buckets() -> None:
    backend = RedisBackend("redis://127.0.0.1:1/0", "wendu:test:")
    decisions = [backend.hit("p:x", 1.0, 2) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    backend.close()


def test_memory_bucket_refills_at_the_configured_rate() -> None:
    backend = MemoryBackend()
    assert [backend.hit("k", 10.0, 2).allowed for _ in range(3)] == [True, True, False]
    time.sleep(0.15)
    assert backend.hit("k", 10.0, 2).allowed
