"""Pydantic wire models of the account-access consent resource (``OBReadConsent1``).

Field names follow the OB spec's PascalCase so the JSON and the models read the same.
Resource listings are rendered straight from core-bank records (``wendu.openbanking.wire``)
to keep the hot paths free of per-field validation.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from wendu.identity.models import Consent
from wendu.kit.instants import WireDateTime
from wendu.openbanking.wire import iso

ConsentStatus = Literal["AWAU", "RJCT", "AUTH", "EXPD", "CANC"]


class OBJSONResponse(Response):
    """A JSON response serialised with orjson (bodies are plain dicts of str/int/list)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Serialise ``content``."""
        return orjson.dumps(content)


class ConsentRequestData(BaseModel):
    """``OBReadConsent1.Data``: the permissions asked for and their time limits."""

    model_config = ConfigDict(extra="forbid")

    Permissions: list[str] = Field(min_length=1, max_length=50)
    ExpirationDateTime: WireDateTime | None = None
    TransactionFromDateTime: WireDateTime | None = None
    TransactionToDateTime: WireDateTime | None = None


class ConsentRequest(BaseModel):
    """``OBReadConsent1``: the body of ``POST /account-access-consents``."""

    Data: ConsentRequestData
    Risk: dict[str, Any] = Field(default_factory=dict)


class ConsentData(BaseModel):
    """``OBReadConsentResponse1.Data``."""

    ConsentId: str
    CreationDateTime: str
    Status: ConsentStatus
    StatusUpdateDateTime: str
    Permissions: list[str]
    ExpirationDateTime: str | None = None
    TransactionFromDateTime: str | None = None
    TransactionToDateTime: str | None = None


class ConsentLinks(BaseModel):
    """``Links`` of a single resource."""

    Self: str


class ConsentResponse(BaseModel):
    """``OBReadConsentResponse1``."""

    Data: ConsentData
    Risk: dict[str, Any]
    Links: ConsentLinks
    Meta: dict[str, Any]


def consent_body(consent: Consent, self_url: str) -> dict[str, Any]:
    """Render a consent as ``OBReadConsentResponse1`` (absent optional fields left out)."""
    data: dict[str, Any] = {
        "ConsentId": consent.id,
        "CreationDateTime": iso(consent.created_at),
        "Status": consent.status,
        "StatusUpdateDateTime": iso(consent.status_updated_at),
        "Permissions": list(consent.permissions),
    }
    for key, value in (
        ("ExpirationDateTime", consent.expires_at),
        ("TransactionFromDateTime", consent.transaction_from),
        ("TransactionToDateTime", consent.transaction_to),
    ):
        if value is not None:
            data[key] = iso(value)
    return {"Data": data, "Risk": {}, "Links": {"Self": self_url}, "Meta": {}}


class OBError1(BaseModel):
    """One entry of ``Errors[]``."""

    ErrorCode: str = Field(min_length=4, max_length=4, examples=["U004"])
    Message: str
    Path: str | None = None


class OBErrorResponse1(BaseModel):
    """The OB error body every refusal uses."""

    Code: str = Field(examples=["400 BadRequest"])
    Id: str
    Message: str
    Errors: list[OBError1]


def ob_responses(ok: str) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI ``responses`` of an AIS route whose 200 body is the OB schema ``ok``."""
    error = {"model": OBErrorResponse1}
    return {
        200: {"description": f"`{ok}` (UK Open Banking v4.0)"},
        400: {**error, "description": "Invalid request, or an unknown/unconsented id (U004)"},
        401: {**error, "description": "Missing, invalid, expired or revoked access token"},
        403: {**error, "description": "The consent lacks the permission (U007) or wrong token"},
        406: {**error, "description": "Accept does not allow application/json"},
        429: {**error, "description": "Rate limit exceeded"},
    }
