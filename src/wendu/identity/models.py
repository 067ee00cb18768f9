"""ORM tables of identity: partners, customer logins, consents, OAuth2 codes and tokens, keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wendu.db import Base, UTCDateTime, utcnow


class Partner(Base):
    """A third-party provider (TPP) registered to call the open API."""

    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(140))
    contact_email: Mapped[str | None] = mapped_column(String(256))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)  # AISP, PISP, CBPII
    status: Mapped[str] = mapped_column(String(20), default="active")  # active|suspended
    # Request-signing key (x-jws-signature); absent for partners created with --no-signing.
    signing_kid: Mapped[str | None] = mapped_column(String(64))
    signing_public_key_pem: Mapped[str | None] = mapped_column(Text)
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustomerLogin(Base):
    """The credentials a customer uses on the bank's own login and consent pages."""

    __tablename__ = "customer_logins"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))


class AuthorizationCode(Base):
    """A single-use OAuth2 authorization code bound to a PKCE challenge and a consent."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    consent_id: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    code_challenge: Mapped[str] = mapped_column(String(128))
    scope: Mapped[str] = mapped_column(String(200))
    nonce: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OAuthToken(Base):
    """An issued access or refresh token; access tokens are JWTs keyed by ``jti`` here.

    Refresh tokens are opaque; only their SHA-256 is stored (as ``id``).
    """

    __tablename__ = "oauth_tokens"
    __table_args__ = (
        Index("ix_oauth_tokens_consent", "consent_id"),
        Index("ix_oauth_tokens_partner", "partner_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # access|refresh
    grant_type: Mapped[str] = mapped_column(String(30))
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    consent_id: Mapped[str | None] = mapped_column(String(128))
    scope: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Refresh rotation: the hash of the refresh token that replaced this one, and when this
    # one was accepted again inside the grace window (a retry whose response was lost).
    replaced_by: Mapped[str | None] = mapped_column(String(64))
    grace_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SigningKey(Base):
    """A key pair the authorization server signs access tokens and events with."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(10), default="ES256")
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Consent(Base):
    """A customer's grant to a partner: account access, domestic payment or funds confirmation.

    ``status`` uses the v4 codes (AWAU, AUTH, RJCT, CANC, EXPD, and COND/CONS for payments).
    The Open Banking API (``wendu.openbanking``) owns its wire shapes and rules; identity
    owns the record because tokens are bound to it.
    ``data`` keeps the request's ``Data`` object for kinds that need it (payment initiation).
    """

    __tablename__ = "consents"
    __table_args__ = (
        Index("ix_consents_partner", "partner_id"),
        Index("ix_consents_customer", "customer_id"),
    )

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(4), default="AWAU")
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    account_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transaction_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transaction_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    risk: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    authorised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_reason: Mapped[str | None] = mapped_column(String(140))


class StaffUser(Base):
    """A member of staff who signs in to the console: admin, supervisor, agent or auditor."""

    __tablename__ = "staff_users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(140))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # admin|supervisor|agent|auditor
    language: Mapped[str] = mapped_column(String(5), default="zh")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser session (the console's staff cookie or the customer's website
    cookie), so signing out ends it on the server: the cookie names the session, and a
    session that is ended or expired no longer signs anyone in."""

    __tablename__ = "web_sessions"

    # SHA-256 of the random session id the signed cookie carries (never the id itself).
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # staff | customer
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
