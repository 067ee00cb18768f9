"""Tunables of event delivery, read from ``WENDU_EVENTS_*`` (kept beside the domain)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class EventSettings(BaseSettings):
    """Delivery worker and polling limits; tests shorten the backoffs and leases."""

    model_config = SettingsConfigDict(env_prefix="WENDU_EVENTS_", env_file=".env", extra="ignore")

    max_attempts: int = 8
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 3600.0
    # Longer than request_timeout_seconds, so a live worker never loses its own claim.
    lease_seconds: float = 60.0
    request_timeout_seconds: float = 10.0
    idle_sleep_seconds: float = 1.0
    batch_size: int = 20
    concurrency: int = 4
    max_poll_events: int = 100
    financial_id: str = "wendu-sandbox-bank"


@lru_cache(maxsize=1)
def get_event_settings() -> EventSettings:
    """Return the process-wide event settings, read from the environment once."""
    return EventSettings()
