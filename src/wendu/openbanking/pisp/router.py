"""HTTP routes of UK OB v4.0 domestic payments under /open-banking/v4.0/pisp.

Every POST needs ``x-idempotency-key`` and (for partners with a registered key) a valid
``x-jws-signature`` over the exact body; both are checked before anything is stored.
The POSTs open their own write session (``wendu.openbanking.http.Write``).
Operation ids are the spec's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.deps import SessionDep
from wendu.identity.deps import Access, CustomerAccess
from wendu.identity.models import Partner
from wendu.identity.tokens import AccessContext
from wendu.kit.ids import new_id
from wendu.openbanking.deps import require_json_accept, require_scope
from wendu.openbanking.http import RawBody, Write, WriteDep, base_url, create_route
from wendu.openbanking.pisp import idempotency, service, wire
from wendu.openbanking.pisp.jws import verify_request_signature
from wendu.openbanking.pisp.models import Payment
from wendu.openbanking.pisp.schemas import ConsentRequest, PaymentRequest, parse_body
from wendu.openbanking.schemas import OBJSONResponse

PREFIX = "/open-banking/v4.0/pisp"
TAG = "Payment Initiation (UK OB v4.0)"
SCOPE = "payments"

router = APIRouter(prefix=PREFIX, tags=[TAG], dependencies=[Depends(require_json_accept)])

ConsentId = Annotated[str, Path(alias="ConsentId", min_length=1, max_length=128)]
PaymentId = Annotated[str, Path(alias="DomesticPaymentId", min_length=1, max_length=40)]
IdempotencyKey = Annotated[str | None, Header(alias="x-idempotency-key")]
JwsSignature = Annotated[str | None, Header(alias="x-jws-signature")]
BaseUrl = Annotated[str, Depends(base_url(PREFIX))]


@dataclass(frozen=True)
class Signed:
    """A write request's exact body with its idempotency key and detached JWS."""

    body: bytes
    key: str | None
    jws: str | None


async def _signed(body: RawBody, key: IdempotencyKey = None, jws: JwsSignature = None) -> Signed:
    return Signed(body, key, jws)


SignedDep = Annotated[Signed, Depends(_signed)]


@contextmanager
def _claimed(
    write: Write,
    signed: Signed,
    *,
    customer: bool,
    operation: str,
    resource_id: str,
) -> Iterator[tuple[Session, AccessContext, idempotency.Claim]]:
    """Open the write transaction, check scope and signature, then claim the idempotency key."""
    with write.session(customer=customer, scope=SCOPE) as (session, access):
        partner = session.get(Partner, access.partner_id)
        assert partner is not None  # verify_access_token checked the partner is active
        verify_request_signature(signed.jws, signed.body, partner, write.settings)
        claim = idempotency.claim(
            session,
            partner_id=access.partner_id,
            key=signed.key,
            operation=operation,
            body=signed.body,
            resource_id=resource_id,
        )
        yield session, access, claim


@create_route(
    router,
    "/domestic-payment-consents",
    operation_id="CreateDomesticPaymentConsents",
    summary="Create a domestic payment consent",
)
def create_consent(write: WriteDep, base: BaseUrl, signed: SignedDep) -> OBJSONResponse:
    """Store the payment order awaiting the customer's authorisation (AWAU)."""
    with _claimed(
        write,
        signed,
        customer=False,
        operation="CreateDomesticPaymentConsents",
        resource_id=service.new_consent_id(),
    ) as (session, access, claim):
        if claim.replay_of is not None:
            consent = service.get_payment_consent(
                session, partner_id=access.partner_id, consent_id=claim.replay_of
            )
        else:
            consent = service.create_payment_consent(
                session,
                partner_id=access.partner_id,
                body=parse_body(signed.body, ConsentRequest),
                consent_id=claim.record.resource_id,
            )
        rendered = wire.consent_body(consent, f"{base}/domestic-payment-consents/{consent.id}")
    return OBJSONResponse(rendered, status_code=201)


@router.get(
    "/domestic-payment-consents/{ConsentId}",
    operation_id="GetDomesticPaymentConsentsConsentId",
    response_class=OBJSONResponse,
    summary="Get a domestic payment consent",
)
def get_consent(
    access: Access, session: SessionDep, base: BaseUrl, consent_id: ConsentId
) -> OBJSONResponse:
    """Return one of the partner's payment consents."""
    require_scope(access, SCOPE)
    consent = service.get_payment_consent(
        session, partner_id=access.partner_id, consent_id=consent_id
    )
    return OBJSONResponse(
        wire.consent_body(consent, f"{base}/domestic-payment-consents/{consent_id}")
    )


@router.get(
    "/domestic-payment-consents/{ConsentId}/funds-confirmation",
    operation_id="GetDomesticPaymentConsentsConsentIdFundsConfirmation",
    response_class=OBJSONResponse,
    summary="Confirm the debtor account can fund the consented payment",
)
def get_funds_confirmation(
    access: CustomerAccess, session: SessionDep, base: BaseUrl, consent_id: ConsentId
) -> OBJSONResponse:
    """Answer whether the authorised debtor account holds enough for the payment now."""
    require_scope(access, SCOPE)
    available = service.funds_available(session, access, consent_id)
    url = f"{base}/domestic-payment-consents/{consent_id}/funds-confirmation"
    return OBJSONResponse(wire.funds_body(available, utcnow(), url))


@create_route(
    router,
    "/domestic-payments",
    operation_id="CreateDomesticPayments",
    summary="Submit a domestic payment",
)
def create_payment(write: WriteDep, base: BaseUrl, signed: SignedDep) -> OBJSONResponse:
    """Pay the consented order once: money moves with the payment row, or nothing happens."""
    with _claimed(
        write,
        signed,
        customer=True,
        operation="CreateDomesticPayments",
        resource_id=new_id("pay", 16),
    ) as (session, access, claim):
        payment: Payment
        if claim.replay_of is not None:
            payment = service.get_payment(
                session, partner_id=access.partner_id, payment_id=claim.replay_of
            )
        else:
            payment = service.submit_payment(
                session,
                access,
                parse_body(signed.body, PaymentRequest),
                payment_id=claim.record.resource_id,
                public_url=write.settings.public_url,
            )
        rendered = wire.payment_body(payment, f"{base}/domestic-payments/{payment.id}")
    return OBJSONResponse(rendered, status_code=201)


@router.get(
    "/domestic-payments/{DomesticPaymentId}",
    operation_id="GetDomesticPaymentsDomesticPaymentId",
    response_class=OBJSONResponse,
    summary="Get a domestic payment",
)
def get_payment(
    access: Access, session: SessionDep, base: BaseUrl, payment_id: PaymentId
) -> OBJSONResponse:
    """Return one of the partner's payments with its current status."""
    require_scope(access, SCOPE)
    payment = service.get_payment(session, partner_id=access.partner_id, payment_id=payment_id)
    return OBJSONResponse(wire.payment_body(payment, f"{base}/domestic-payments/{payment_id}"))


@router.get(
    "/domestic-payments/{DomesticPaymentId}/payment-details",
    operation_id="GetDomesticPaymentsDomesticPaymentIdPaymentDetails",
    response_class=OBJSONResponse,
    summary="Get the status history of a domestic payment",
)
def get_payment_details(
    access: Access, session: SessionDep, base: BaseUrl, payment_id: PaymentId
) -> OBJSONResponse:
    """Return every status the payment has been through."""
    require_scope(access, SCOPE)
    payment = service.get_payment(session, partner_id=access.partner_id, payment_id=payment_id)
    url = f"{base}/domestic-payments/{payment_id}/payment-details"
    return OBJSONResponse(wire.payment_details_body(payment, url))
