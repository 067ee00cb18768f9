"""Wire models of the identity API: client registration, partners and connected apps."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ClientRegistration(BaseModel):
    """An OAuth dynamic client registration request (RFC 7591 subset plus OB roles)."""

    model_config = ConfigDict(extra="ignore")

    client_name: str = Field(min_length=1, max_length=140)
    redirect_uris: list[str] = Field(default_factory=list, max_length=10)
    roles: list[str] | None = Field(default=None, max_length=3)
    software_roles: list[str] | None = Field(default=None, max_length=3)
    contacts: list[str] = Field(default_factory=list, max_length=5)
    jwks: dict[str, Any] | None = None
    token_endpoint_auth_method: Literal["client_secret_basic", "client_secret_post"] = (
        "client_secret_basic"
    )


class ClientRegistrationResponse(BaseModel):
    """The registered client, with its secret shown once."""

    client_id: str
    client_secret: str
    client_id_issued_at: int
    client_secret_expires_at: int = 0
    client_name: str
    redirect_uris: list[str]
    roles: list[str]
    grant_types: list[str]
    token_endpoint_auth_method: str
    kid: str | None = None


class PartnerSummary(BaseModel):
    """A partner as administrators see it (never its secrets)."""

    partner_id: str
    client_id: str
    name: str
    redirect_uris: list[str]
    roles: list[str]
    status: str
    kid: str | None
    created_at: datetime


class PartnerList(BaseModel):
    """Every registered partner."""

    partners: list[PartnerSummary]


class ConnectedAppOut(BaseModel):
    """One app with lasting access to the customer's accounts."""

    consent_id: str
    kind: str
    partner_name: str
    client_id: str
    permissions: list[str]
    permission_descriptions: list[str]
    account_ids: list[str]
    authorised_at: datetime | None
    expires_at: datetime | None


class ConnectedAppList(BaseModel):
    """The customer's connected apps."""

    apps: list[ConnectedAppOut]


class UserInfo(BaseModel):
    """Who a bearer token speaks for."""

    sub: str
    client_id: str
    scope: str
    consent_id: str | None = None
