"""Settings read from the environment (prefix ``WENDU_``) and the guards that protect production."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "wendu-development-secret-change-me"


class Settings(BaseSettings):
    """Everything an operator can configure; one instance per process or test."""

    model_config = SettingsConfigDict(env_prefix="WENDU_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///./wendu.db"
    redis_url: str | None = None
    secret_key: str = DEV_SECRET
    # Keys the pairwise subjects partners see (``identity.subjects``); defaults to secret_key.
    # Set it before rotating secret_key, or every partner sees new subjects for its customers.
    subject_secret: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    bank_name: str = "Wendu Sandbox Bank"
    # The partner app that stands for the bank's own operations desk: it receives the bank's
    # operational events (reputation alerts) through the events outbox, as signed webhooks
    # to its event subscription or by polling. None: such events are only recorded.
    ops_events_partner_id: str | None = None
    timezone: str = "Asia/Shanghai"
    # ISO code of the jurisdiction whose public holidays and make-up working days (调休上班)
    # make the bank's working days (standing orders paid EvryWorkgDay); CN follows the
    # State Council's notices. Dates are local dates in ``timezone``.
    country: str = "CN"
    # Hong Kong or Taiwan wording for a Traditional Chinese writer whose messages show
    # neither (Cantonese words mean Hong Kong, Taiwan vocabulary Taiwan, whatever this says).
    traditional_region: Literal["HK", "TW"] = "HK"

    access_token_ttl_seconds: int = 300
    refresh_token_ttl_seconds: int = 90 * 24 * 3600
    # FAPI 2.0 grace: for this long after a rotation the immediately previous refresh token
    # is accepted once more (a retry whose response was lost); 0 turns the grace off.
    refresh_token_grace_seconds: int = 60
    auth_code_ttl_seconds: int = 60
    # Initial access token for POST /register in production (RFC 7591); unset closes it.
    registration_access_token: str | None = None

    # How old a request signature's OB iat may be: a captured signed request cannot be
    # replayed after this long (an idempotent retry within it may reuse its signature).
    jws_max_age_seconds: int = 3600

    rate_limit_per_minute: int = 600
    rate_limit_burst: int = 100

    # Bodies larger than this are refused with 413 before any of it is parsed.
    max_request_body_bytes: int = 1024 * 1024

    # Serve /openapi.json, /docs and /redoc (a production deployment may turn them off).
    api_docs: bool = True

    # Staff sign-in: after this many failures of one account (or one client IP) within 15
    # minutes, it is locked for signin_lockout_seconds, doubling per further failure up to
    # signin_max_lockout_seconds; the API answers 429 with Retry-After meanwhile.
    signin_max_failures: int = 5
    signin_ip_max_failures: int = 50
    signin_lockout_seconds: int = 30
    signin_max_lockout_seconds: int = 900

    # The anonymous helpdesk channel (POST /helpdesk/v1/channel/conversations): chats each
    # client address may start a minute, and the key its callers send in X-Channel-Key
    # (required in production, where an unset key closes the channel).
    channel_starts_per_minute: int = 10
    helpdesk_channel_key: str | None = None

    run_worker_in_process: bool = True
    # Load the assistant's models while the app starts, before it accepts chat.
    warm_start: bool = True
    audit_flush_interval_seconds: float = 0.05
    log_level: str = "INFO"

    @property
    def is_production(self) -> bool:
        """Return True when sandbox-only features must be refused."""
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        """Return True when the database is an embedded SQLite file."""
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.env == "production" and (
            self.secret_key == DEV_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "WENDU_SECRET_KEY must be set to a random value of at least 32 characters "
                "when WENDU_ENV=production"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read from the environment once."""
    return Settings()


# Addresses a server listens on that no client can use; it is advertised as the loopback.
_WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})


def local_public_url(host: str, port: int) -> str:
    """Return the URL a server listening on ``host``:``port`` is reached at from this machine."""
    shown = "127.0.0.1" if host in _WILDCARD_HOSTS else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"  # an IPv6 literal
    return f"http://{shown}:{port}"


def advertise_address(host: str, port: int) -> Settings:
    """Make this process advertise ``host``:``port`` unless ``WENDU_PUBLIC_URL`` is configured.

    Discovery, token issuers, resource links and survey links are built from
    ``public_url``; a server started with ``--port 9000`` must not send partners to the
    default port 8000. An explicitly configured URL (environment or ``.env``: a proxy's
    address) wins. The environment is set too, so server worker processes agree.
    """
    settings = get_settings()
    if "public_url" in settings.model_fields_set:
        return settings
    os.environ["WENDU_PUBLIC_URL"] = local_public_url(host, port)
    get_settings.cache_clear()
    return get_settings()
