"""HTTP routes of UK OB v4.0 domestic payments under /open-banking/v4.0/pisp.

Every POST needs ``x-idempotency-key`` and (for partners with a registered key) a valid
``x-jws-signature`` over the exact body; both are checked before anything is stored.
Operation ids are the spec's.

The POST handlers open their write session themselves (``write_session``) instead of taking
``SessionDep``: a write transaction must begin, do its work and commit in one worker thread.
With the session spread over several dependency threads, a request holding the database
write lock (SQLite) or an idempotency row lock (PostgreSQL) can wait for a free thread while
every thread waits for that lock — 50 simultaneous payments deadlocked that way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import Database, utcnow
from wendu.deps import DatabaseDep, SessionDep, SettingsDep
from wendu.errors import forbidden
from wendu.identity.deps import (
    Access,
    CustomerAccess,
    bearer_token,
    get_access,
)
from wendu.identity.models import Partner
from wendu.identity.tokens import AccessContext
from wendu.kit.ids import new_id
from wendu.openbanking.deps import require_json_accept, require_json_body
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


async def raw_body(request: Request) -> bytes:
    """Return the exact request bytes (the JWS signs them, the idempotency hash covers them)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def _base(settings: SettingsDep) -> str:
    return settings.public_url.rstrip("/") + PREFIX


BaseUrl = Annotated[str, Depends(_base)]


Token = Annotated[str, Depends(bearer_token)]


@contextmanager
def write_session(
    request: Request, db: Database, settings: Settings, token: str, *, customer: bool
) -> Iterator[tuple[Session, AccessContext]]:
    """Open the request's write transaction and authenticate the caller inside it."""
    with db.session(write=True) as session:
        access = get_access(request, session, settings, token)
        if customer and (not access.is_customer_token or access.consent_id is None):
            raise forbidden("This resource needs a token authorised by the customer", code="U014")
        if not customer and access.grant_type != "client_credentials":
            raise forbidden("This resource needs a client-credentials token", code="U014")
        yield session, access


def _signed(
    session: Session, settings: Settings, access: AccessContext, body: bytes, jws: str | None
) -> None:
    service.require_scope(access, SCOPE)
    partner = session.get(Partner, access.partner_id)
    assert partner is not None  # verify_access_token checked the partner is active
    verify_request_signature(jws, body, partner, settings)


@router.post(
    "/domestic-payment-consents",
    operation_id="CreateDomesticPaymentConsents",
    status_code=201,
    response_class=OBJSONResponse,
    dependencies=[Depends(require_json_body)],
    summary="Create a domestic payment consent",
)
def create_consent(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    token: Token,
    base: BaseUrl,
    body: RawBody,
    key: IdempotencyKey = None,
    jws: JwsSignature = None,
) -> OBJSONResponse:
    """Store the payment order awaiting the customer's authorisation (AWAU)."""
    with write_session(request, db, settings, token, customer=False) as (session, access):
        _signed(session, settings, access, body, jws)
        claim = idempotency.claim(
            session,
            partner_id=access.partner_id,
            key=key,
            operation="CreateDomesticPaymentConsents",
            body=body,
            resource_id=service.new_consent_id(),
        )
        if claim.replay_of is not None:
            consent = service.get_payment_consent(
                session, partner_id=access.partner_id, consent_id=claim.replay_of
            )
        else:
            parsed = parse_body(body, ConsentRequest)
            consent = service.create_payment_consent(
                session,
                partner_id=access.partner_id,
                body=parsed,
                consent_id=claim.record.resource_id,
            )
        url = f"{base}/domestic-payment-consents/{consent.id}"
        rendered = wire.consent_body(consent, url)
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
    service.require_scope(access, SCOPE)
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
    service.require_scope(access, SCOPE)
    available = service.funds_available(session, access, consent_id)
    url = f"{base}/domestic-payment-consents/{consent_id}/funds-confirmation"
    return OBJSONResponse(wire.funds_body(available, utcnow(), url))


@router.post(
    "/domestic-payments",
    operation_id="CreateDomesticPayments",
    status_code=201,
    response_class=OBJSONResponse,
    dependencies=[Depends(require_json_body)],
    summary="Submit a domestic payment",
)
def create_payment(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    token: Token,
    base: BaseUrl,
    body: RawBody,
    key: IdempotencyKey = None,
    jws: JwsSignature = None,
) -> OBJSONResponse:
    """Pay the consented order once: money moves with the payment row, or nothing happens."""
    with write_session(request, db, settings, token, customer=True) as (session, access):
        _signed(session, settings, access, body, jws)
        claim = idempotency.claim(
            session,
            partner_id=access.partner_id,
            key=key,
            operation="CreateDomesticPayments",
            body=body,
            resource_id=new_id("pay", 16),
        )
        payment: Payment
        if claim.replay_of is not None:
            payment = service.get_payment(
                session, partner_id=access.partner_id, payment_id=claim.replay_of
            )
        else:
            parsed = parse_body(body, PaymentRequest)
            payment = service.submit_payment(
                session,
                access,
                parsed,
                payment_id=claim.record.resource_id,
                public_url=settings.public_url,
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
    service.require_scope(access, SCOPE)
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
    service.require_scope(access, SCOPE)
    payment = service.get_payment(session, partner_id=access.partner_id, payment_id=payment_id)
    url = f"{base}/domestic-payments/{payment_id}/payment-details"
    return OBJSONResponse(wire.payment_details_body(payment, url))
