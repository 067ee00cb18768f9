"""Token-bucket rate limits per partner (and per client IP on unauthenticated endpoints).

Redis-backed (one atomic Lua script, Redis' own clock) when ``WENDU_REDIS_URL`` is set,
so every process and machine spends the same bucket; in-process otherwise. If Redis stops
answering, limits fall back to the in-process buckets rather than failing requests.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

from wendu.config import Settings

log = logging.getLogger("wendu.ratelimit")


@dataclass(frozen=True)
class Decision:
    """The outcome of spending one token, with what the response headers report."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        """Return the ``X-Rate-Limit-*`` (and, when refused, ``Retry-After``) headers."""
        out = [
            (b"x-rate-limit-limit", str(self.limit).encode()),
            (b"x-rate-limit-remaining", str(self.remaining).encode()),
            (b"x-rate-limit-reset", str(self.reset_seconds).encode()),
        ]
        if not self.allowed:
            out.append((b"retry-after", str(self.retry_after).encode()))
        return out


def _decide(tokens: float, allowed: bool, per_second: float, burst: int) -> Decision:
    # Reset: seconds until the bucket is full again; Retry-After: until one token is back.
    reset = math.ceil(max(0.0, burst - tokens) / per_second)
    retry = 0 if allowed else max(1, math.ceil((1.0 - tokens) / per_second))
    return Decision(allowed, burst, max(0, math.floor(tokens)), reset, retry)


class Backend(Protocol):
    """Spends one token from a named bucket."""

    def hit(self, key: str, per_second: float, burst: int) -> Decision:
        """Take one token from bucket ``key`` if there is one."""
        ...


class MemoryBackend:
    """Buckets in this process only (the embedded default)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, key: str, per_second: float, burst: int) -> Decision:
        """Take one token from bucket ``key`` if there is one."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + (now - last) * per_second)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
            self._buckets.move_to_end(key)
            # Bounded memory under many client IPs: forget the least recently seen.
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        return _decide(tokens, allowed, per_second, burst)


# KEYS[1] bucket; ARGV: tokens per second, burst. Uses Redis' clock so machines agree.
TOKEN_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""


class RedisBackend:
    """Buckets shared by every process through Redis; falls back to memory if Redis fails."""

    def __init__(self, url: str, prefix: str = "wendu:rl:") -> None:
        import redis

        self.prefix = prefix
        self._client = redis.Redis.from_url(
            url, socket_timeout=0.25, socket_connect_timeout=0.25, health_check_interval=30
        )
        self._script: Any = self._client.register_script(TOKEN_BUCKET_LUA)
        self._fallback = MemoryBackend()
        self._failing = False

    def hit(self, key: str, per_second: float, burst: int) -> Decision:
        """Take one token from bucket ``key`` if there is one."""
        try:
            allowed, tokens = self._script(keys=[self.prefix + key], args=[per_second, burst])
        except Exception:
            if not self._failing:
                log.exception("Redis rate limiting failed; using in-process buckets")
                self._failing = True
            return self._fallback.hit(key, per_second, burst)
        if self._failing:
            log.warning("Redis rate limiting recovered")
            self._failing = False
        return _decide(float(tokens), bool(allowed), per_second, burst)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


class RateLimiter:
    """Per-partner buckets (``rate_limit_per_minute`` / ``rate_limit_burst``, or the partner's
    own per-minute rate) and a coarse per-IP bucket for unauthenticated endpoints."""

    def __init__(
        self,
        backend: Backend,
        *,
        per_minute: int,
        burst: int,
        ip_per_minute: int = 300,
        ip_burst: int = 60,
    ) -> None:
        self.backend = backend
        self.per_minute = per_minute
        self.burst = burst
        self.ip_per_minute = ip_per_minute
        self.ip_burst = ip_burst

    def hit_partner(self, partner_id: str, per_minute: int | None = None) -> Decision:
        """Spend one token of ``partner_id``'s budget (its own rate when it has one)."""
        rate = per_minute if per_minute and per_minute > 0 else self.per_minute
        # A partner throttled below the default burst must not start with a larger burst.
        burst = max(1, min(self.burst, rate))
        return self.backend.hit(f"p:{partner_id}", rate / 60.0, burst)

    def hit_ip(self, ip: str) -> Decision:
        """Spend one token of the client IP's budget for unauthenticated endpoints."""
        return self.backend.hit(f"ip:{ip}", self.ip_per_minute / 60.0, self.ip_burst)

    def close(self) -> None:
        """Release the backend's connections, if it holds any."""
        close = getattr(self.backend, "close", None)
        if close is not None:
            close()


def make_limiter(settings: Settings, *, prefix: str = "wendu:rl:") -> RateLimiter:
    """Build the limiter the settings ask for (Redis when ``redis_url`` is set).

    Each client IP on the unauthenticated endpoints gets the same default budget as a
    partner: one IP is at most one partner's worth of login and token traffic.
    """
    backend: Backend = (
        RedisBackend(settings.redis_url, prefix) if settings.redis_url else MemoryBackend()
    )
    return RateLimiter(
        backend,
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        ip_per_minute=settings.rate_limit_per_minute,
        ip_burst=settings.rate_limit_burst,
    )


class SignInThrottle:
    """Failed sign-ins per account and per client IP, with exponential back-off.

    After ``max_failures`` failures of one key (an account name or an IP) within
    ``window_seconds``, that key is locked for ``base_seconds``, doubling with every further
    failure up to ``max_seconds``. Success clears the account's count (not the IP's). Unknown
    usernames count like real ones, so a lock says nothing about whether an account exists.
    Kept in this process (like the rate limits without Redis): with N API processes an
    attacker gets at most N times the budget before every process locks the key.
    """

    def __init__(
        self,
        *,
        max_failures: int,
        ip_max_failures: int,
        base_seconds: float,
        max_seconds: float,
        window_seconds: float = 900.0,
        max_keys: int = 100_000,
    ) -> None:
        self.max_failures = max_failures
        self.ip_max_failures = ip_max_failures
        self.base_seconds = base_seconds
        self.max_seconds = max_seconds
        self.window_seconds = window_seconds
        self._max_keys = max_keys
        # key -> (failures, last failure, locked until), all on the monotonic clock
        self._state: OrderedDict[str, tuple[int, float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(account: str, ip: str) -> tuple[str, str]:
        return f"acct:{account.strip().lower()[:128]}", f"ip:{ip}"

    def retry_after(self, account: str, ip: str) -> int:
        """Return the seconds until ``account`` may try again from ``ip`` (0: now)."""
        now = time.monotonic()
        with self._lock:
            waits = [
                self._state.get(key, (0, 0.0, 0.0))[2] - now for key in self._keys(account, ip)
            ]
        wait = max(waits)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, account: str, ip: str) -> None:
        """Count one failed sign-in of ``account`` from ``ip``."""
        now = time.monotonic()
        account_key, ip_key = self._keys(account, ip)
        with self._lock:
            for key, limit in ((account_key, self.max_failures), (ip_key, self.ip_max_failures)):
                failures, last, _ = self._state.get(key, (0, now, 0.0))
                if now - last > self.window_seconds:
                    failures = 0
                failures += 1
                locked_until = 0.0
                if failures >= limit:
                    backoff = self.base_seconds * 2 ** min(failures - limit, 30)
                    locked_until = now + min(self.max_seconds, backoff)
                self._state[key] = (failures, now, locked_until)
                self._state.move_to_end(key)
            while len(self._state) > self._max_keys:
                self._state.popitem(last=False)

    def succeeded(self, account: str) -> None:
        """Forget the account's failures after a successful sign-in."""
        with self._lock:
            self._state.pop(self._keys(account, "")[0], None)


def make_signin_throttle(settings: Settings) -> SignInThrottle:
    """Build the staff sign-in throttle from the settings."""
    return SignInThrottle(
        max_failures=settings.signin_max_failures,
        ip_max_failures=settings.signin_ip_max_failures,
        base_seconds=settings.signin_lockout_seconds,
        max_seconds=settings.signin_max_lockout_seconds,
    )
