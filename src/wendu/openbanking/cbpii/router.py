"""HTTP routes of UK OB v4.0 Confirmation of Funds under /open-banking/v4.0/cbpii."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response

from wendu.db import utcnow
from wendu.deps import SessionDep
from wendu.identity.deps import ClientAccess
from wendu.identity.models import Consent
from wendu.kit.ids import new_id
from wendu.openbanking.cbpii import service
from wendu.openbanking.cbpii.schemas import ConfirmationRequest, ConsentRequest
from wendu.openbanking.deps import require_json_accept, require_scope
from wendu.openbanking.http import RawBody, WriteDep, base_url, create_route
from wendu.openbanking.pisp.schemas import parse_body
from wendu.openbanking.schemas import OBJSONResponse
from wendu.openbanking.wire import iso, resource

PREFIX = "/open-banking/v4.0/cbpii"
TAG = "Confirmation of Funds (UK OB v4.0)"
SCOPE = "fundsconfirmations"

router = APIRouter(prefix=PREFIX, tags=[TAG], dependencies=[Depends(require_json_accept)])

ConsentId = Annotated[str, Path(alias="ConsentId", min_length=1, max_length=128)]
BaseUrl = Annotated[str, Depends(base_url(PREFIX))]


def _consent_body(consent: Consent, url: str) -> dict[str, Any]:
    stored = consent.data or {}
    data: dict[str, Any] = {
        "ConsentId": consent.id,
        "CreationDateTime": iso(consent.created_at),
        "Status": service.shown_status(consent),
        "StatusUpdateDateTime": iso(consent.status_updated_at),
        "DebtorAccount": stored["DebtorAccount"],
    }
    if consent.expires_at is not None:
        data["ExpirationDateTime"] = iso(consent.expires_at)
    return resource(data, url)


@create_route(
    router,
    "/funds-confirmation-consents",
    operation_id="CreateFundsConfirmationConsents",
    summary="Create a funds-confirmation consent",
)
def create_consent(write: WriteDep, base: BaseUrl, body: RawBody) -> OBJSONResponse:
    """Store a consent for funds checks on one account, awaiting authorisation."""
    with write.session(customer=False, scope=SCOPE) as (session, access):
        parsed = parse_body(body, ConsentRequest)
        consent = service.create_consent(session, partner_id=access.partner_id, body=parsed)
        rendered = _consent_body(consent, f"{base}/funds-confirmation-consents/{consent.id}")
    return OBJSONResponse(rendered, status_code=201)


@router.get(
    "/funds-confirmation-consents/{ConsentId}",
    operation_id="GetFundsConfirmationConsentsConsentId",
    response_class=OBJSONResponse,
    summary="Get a funds-confirmation consent",
)
def get_consent(
    access: ClientAccess, session: SessionDep, base: BaseUrl, consent_id: ConsentId
) -> OBJSONResponse:
    """Return one of the partner's funds-confirmation consents."""
    require_scope(access, SCOPE)
    consent = service.get_consent(session, partner_id=access.partner_id, consent_id=consent_id)
    url = f"{base}/funds-confirmation-consents/{consent_id}"
    return OBJSONResponse(_consent_body(consent, url))


@router.delete(
    "/funds-confirmation-consents/{ConsentId}",
    operation_id="DeleteFundsConfirmationConsentsConsentId",
    status_code=204,
    response_class=Response,
    summary="Delete (revoke) a funds-confirmation consent",
)
def delete_consent(write: WriteDep, consent_id: ConsentId) -> Response:
    """Revoke the consent and its tokens, effective at once."""
    with write.session(customer=False, scope=SCOPE) as (session, access):
        service.delete_consent(session, partner_id=access.partner_id, consent_id=consent_id)
    return Response(status_code=204)


@create_route(
    router,
    "/funds-confirmations",
    operation_id="CreateFundsConfirmations",
    summary="Confirm funds are available for an amount",
)
def create_confirmation(write: WriteDep, base: BaseUrl, body: RawBody) -> OBJSONResponse:
    """Answer yes or no: can the consented account fund this amount now."""
    with write.session(customer=True, scope=SCOPE) as (session, access):
        parsed = parse_body(body, ConfirmationRequest)
        available = service.confirm_funds(session, access, parsed)
    data = {
        "FundsConfirmationId": new_id("fc", 12),
        "ConsentId": parsed.Data.ConsentId,
        "CreationDateTime": iso(utcnow()),
        "FundsAvailable": available,
        "Reference": parsed.Data.Reference,
        "InstructedAmount": parsed.Data.InstructedAmount.model_dump(mode="json"),
    }
    return OBJSONResponse(resource(data, f"{base}/funds-confirmations"), status_code=201)
