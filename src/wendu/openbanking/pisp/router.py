"""HTTP routes of UK OB v4.0 domestic, domestic scheduled and domestic standing order
payments under /open-banking/v4.0/pisp.

Every POST needs ``x-idempotency-key`` and (for partners with a registered key) a valid
``x-jws-signature`` over the exact body; both are checked before anything is stored.
The POSTs open their own write session (``wendu.openbanking.http.Write``).
Operation ids are the spec's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Path
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.deps import SessionDep
from wendu.identity.deps import Access, CustomerAccess
from wendu.identity.models import Consent, Partner
from wendu.identity.tokens import AccessContext
from wendu.kit.ids import new_id
from wendu.openbanking.deps import require_json_accept, require_scope
from wendu.openbanking.http import RawBody, Write, WriteDep, base_url, create_route
from wendu.openbanking.pisp import idempotency, scheduled, service, standing_orders, wire
from wendu.openbanking.pisp.jws import verify_request_signature
from wendu.openbanking.pisp.models import Payment
from wendu.openbanking.pisp.schemas import (
    ConsentRequest,
    PaymentRequest,
    ScheduledConsentRequest,
    ScheduledPaymentRequest,
    StandingOrderConsentRequest,
    StandingOrderRequest,
    parse_body,
)
from wendu.openbanking.schemas import OBJSONResponse

PREFIX = "/open-banking/v4.0/pisp"
TAG = "Payment Initiation (UK OB v4.0)"
SCOPE = "payments"

router = APIRouter(prefix=PREFIX, tags=[TAG], dependencies=[Depends(require_json_accept)])

ConsentId = Annotated[str, Path(alias="ConsentId", min_length=1, max_length=128)]
PaymentId = Annotated[str, Path(alias="DomesticPaymentId", min_length=1, max_length=40)]
ScheduledId = Annotated[str, Path(alias="DomesticScheduledPaymentId", min_length=1, max_length=40)]
StandingOrderId = Annotated[str, Path(alias="DomesticStandingOrderId", min_length=1, max_length=40)]
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


R = TypeVar("R")


def _create(
    write: Write,
    signed: Signed,
    *,
    customer: bool,
    operation: str,
    resource_id: str,
    load: Callable[[Session, AccessContext, str], R],
    create: Callable[[Session, AccessContext, str], R],
    render: Callable[[Session, R], dict[str, Any]],
) -> OBJSONResponse:
    """Run one signed, idempotent create: replay what the key made before, or ``create``."""
    with _claimed(
        write, signed, customer=customer, operation=operation, resource_id=resource_id
    ) as (session, access, claim):
        if claim.replay_of is not None:
            resource = load(session, access, claim.replay_of)
        else:
            resource = create(session, access, resource_id)
        rendered = render(session, resource)
    return OBJSONResponse(rendered, status_code=201)


def _consent_url(base: str, resource: str, consent_id: str) -> str:
    return f"{base}/{resource}-consents/{consent_id}"


def _render_consent(base: str, resource: str) -> Callable[[Session, Consent], dict[str, Any]]:
    return lambda _s, consent: wire.consent_body(consent, _consent_url(base, resource, consent.id))


def _render_payment(base: str, resource: str) -> Callable[[Session, Payment], dict[str, Any]]:
    return lambda session, payment: wire.payment_body(
        payment,
        f"{base}/{resource}s/{payment.id}",
        instalments=standing_orders.instalments(session, payment.id)
        if payment.kind == standing_orders.DOMESTIC_STANDING_ORDER
        else None,
    )


def _load_payment(kind: str) -> Callable[[Session, AccessContext, str], Payment]:
    return lambda session, access, payment_id: service.get_payment(
        session, partner_id=access.partner_id, payment_id=payment_id, kind=kind
    )


def _payment_details(
    access: AccessContext, session: Session, base: str, resource: str, payment_id: str
) -> OBJSONResponse:
    require_scope(access, SCOPE)
    payment = service.get_payment(
        session, partner_id=access.partner_id, payment_id=payment_id, kind=resource
    )
    made = (
        standing_orders.instalments(session, payment.id)
        if resource == standing_orders.DOMESTIC_STANDING_ORDER
        else []
    )
    url = f"{base}/{resource}s/{payment_id}/payment-details"
    return OBJSONResponse(wire.payment_details_body(payment, url, made))


# --- domestic payments ------------------------------------------------------------------


@create_route(
    router,
    "/domestic-payment-consents",
    operation_id="CreateDomesticPaymentConsents",
    summary="Create a domestic payment consent",
)
def create_consent(write: WriteDep, base: BaseUrl, signed: SignedDep) -> OBJSONResponse:
    """Store the payment order awaiting the customer's authorisation (AWAU)."""
    return _create(
        write,
        signed,
        customer=False,
        operation="CreateDomesticPaymentConsents",
        resource_id=service.new_consent_id(),
        load=lambda session, access, cid: service.get_payment_consent(
            session, partner_id=access.partner_id, consent_id=cid
        ),
        create=lambda session, access, cid: service.create_payment_consent(
            session,
            partner_id=access.partner_id,
            body=parse_body(signed.body, ConsentRequest),
            consent_id=cid,
        ),
        render=_render_consent(base, service.DOMESTIC_PAYMENT),
    )


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
        wire.consent_body(consent, _consent_url(base, service.DOMESTIC_PAYMENT, consent_id))
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
    return _create(
        write,
        signed,
        customer=True,
        operation="CreateDomesticPayments",
        resource_id=new_id("pay", 16),
        load=_load_payment(service.DOMESTIC_PAYMENT),
        create=lambda session, access, pid: service.submit_payment(
            session,
            access,
            parse_body(signed.body, PaymentRequest),
            payment_id=pid,
            public_url=write.settings.public_url,
        ),
        render=_render_payment(base, service.DOMESTIC_PAYMENT),
    )


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
    return OBJSONResponse(_render_payment(base, service.DOMESTIC_PAYMENT)(session, payment))


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
    return _payment_details(access, session, base, service.DOMESTIC_PAYMENT, payment_id)


# --- domestic scheduled payments (no funds-confirmation in the spec) ---------------------


@create_route(
    router,
    "/domestic-scheduled-payment-consents",
    operation_id="CreateDomesticScheduledPaymentConsents",
    summary="Create a domestic scheduled payment consent",
)
def create_scheduled_consent(write: WriteDep, base: BaseUrl, signed: SignedDep) -> OBJSONResponse:
    """Store the scheduled payment order awaiting the customer's authorisation (AWAU)."""
    return _create(
        write,
        signed,
        customer=False,
        operation="CreateDomesticScheduledPaymentConsents",
        resource_id=scheduled.new_consent_id(),
        load=lambda session, access, cid: scheduled.get_consent(
            session, partner_id=access.partner_id, consent_id=cid
        ),
        create=lambda session, access, cid: scheduled.create_consent(
            session,
            partner_id=access.partner_id,
            body=parse_body(signed.body, ScheduledConsentRequest),
            consent_id=cid,
        ),
        render=_render_consent(base, scheduled.DOMESTIC_SCHEDULED),
    )


@router.get(
    "/domestic-scheduled-payment-consents/{ConsentId}",
    operation_id="GetDomesticScheduledPaymentConsentsConsentId",
    response_class=OBJSONResponse,
    summary="Get a domestic scheduled payment consent",
)
def get_scheduled_consent(
    access: Access, session: SessionDep, base: BaseUrl, consent_id: ConsentId
) -> OBJSONResponse:
    """Return one of the partner's scheduled payment consents."""
    require_scope(access, SCOPE)
    consent = scheduled.get_consent(session, partner_id=access.partner_id, consent_id=consent_id)
    return OBJSONResponse(_render_consent(base, scheduled.DOMESTIC_SCHEDULED)(session, consent))


@create_route(
    router,
    "/domestic-scheduled-payments",
    operation_id="CreateDomesticScheduledPayments",
    summary="Submit a domestic scheduled payment",
)
def create_scheduled_payment(write: WriteDep, base: BaseUrl, signed: SignedDep) -> OBJSONResponse:
    """Accept the consented order (PDNG); the executor pays it at its requested time."""
    return _create(
        write,
        signed,
        customer=True,
        operation="CreateDomesticScheduledPayments",
        resource_id=scheduled.new_payment_id(),
        load=_load_payment(scheduled.DOMESTIC_SCHEDULED),
        create=lambda session, access, pid: scheduled.submit(
            session,
            access,
            parse_body(signed.body, ScheduledPaymentRequest),
            payment_id=pid,
            public_url=write.settings.public_url,
        ),
        render=_render_payment(base, scheduled.DOMESTIC_SCHEDULED),
    )


@router.get(
    "/domestic-scheduled-payments/{DomesticScheduledPaymentId}",
    operation_id="GetDomesticScheduledPaymentsDomesticScheduledPaymentId",
    response_class=OBJSONResponse,
    summary="Get a domestic scheduled payment",
)
def get_scheduled_payment(
    access: Access, session: SessionDep, base: BaseUrl, payment_id: ScheduledId
) -> OBJSONResponse:
    """Return one of the partner's scheduled payments with its current status."""
    require_scope(access, SCOPE)
    payment = _load_payment(scheduled.DOMESTIC_SCHEDULED)(session, access, payment_id)
    return OBJSONResponse(_render_payment(base, scheduled.DOMESTIC_SCHEDULED)(session, payment))


@router.get(
    "/domestic-scheduled-payments/{DomesticScheduledPaymentId}/payment-details",
    operation_id="GetDomesticScheduledPaymentsDomesticScheduledPaymentIdPaymentDetails",
    response_class=OBJSONResponse,
    summary="Get the status history of a domestic scheduled payment",
)
def get_scheduled_payment_details(
    access: Access, session: SessionDep, base: BaseUrl, payment_id: ScheduledId
) -> OBJSONResponse:
    """Return every status the scheduled payment has been through."""
    return _payment_details(access, session, base, scheduled.DOMESTIC_SCHEDULED, payment_id)


# --- domestic standing orders -----------------------------------------------------------


@create_route(
    router,
    "/domestic-standing-order-consents",
    operation_id="CreateDomesticStandingOrderConsents",
    summary="Create a domestic standing order consent",
)
def create_standing_order_consent(
    write: WriteDep, base: BaseUrl, signed: SignedDep
) -> OBJSONResponse:
    """Store the standing order awaiting the customer's authorisation (AWAU)."""
    return _create(
        write,
        signed,
        customer=False,
        operation="CreateDomesticStandingOrderConsents",
        resource_id=standing_orders.new_consent_id(),
        load=lambda session, access, cid: standing_orders.get_consent(
            session, partner_id=access.partner_id, consent_id=cid
        ),
        create=lambda session, access, cid: standing_orders.create_consent(
            session,
            partner_id=access.partner_id,
            body=parse_body(signed.body, StandingOrderConsentRequest),
            working_days=standing_orders.bank_working_days(write.settings),
            consent_id=cid,
        ),
        render=_render_consent(base, standing_orders.DOMESTIC_STANDING_ORDER),
    )


@router.get(
    "/domestic-standing-order-consents/{ConsentId}",
    operation_id="GetDomesticStandingOrderConsentsConsentId",
    response_class=OBJSONResponse,
    summary="Get a domestic standing order consent",
)
def get_standing_order_consent(
    access: Access, session: SessionDep, base: BaseUrl, consent_id: ConsentId
) -> OBJSONResponse:
    """Return one of the partner's standing order consents."""
    require_scope(access, SCOPE)
    consent = standing_orders.get_consent(
        session, partner_id=access.partner_id, consent_id=consent_id
    )
    render = _render_consent(base, standing_orders.DOMESTIC_STANDING_ORDER)
    return OBJSONResponse(render(session, consent))


@create_route(
    router,
    "/domestic-standing-orders",
    operation_id="CreateDomesticStandingOrders",
    summary="Submit a domestic standing order",
)
def create_standing_order(write: WriteDep, base: BaseUrl, signed: SignedDep) -> OBJSONResponse:
    """Set up the consented standing order in the ledger; the executor pays its instalments."""
    return _create(
        write,
        signed,
        customer=True,
        operation="CreateDomesticStandingOrders",
        resource_id=standing_orders.new_order_id(),
        load=_load_payment(standing_orders.DOMESTIC_STANDING_ORDER),
        create=lambda session, access, pid: standing_orders.submit(
            session,
            access,
            parse_body(signed.body, StandingOrderRequest),
            working_days=standing_orders.bank_working_days(write.settings),
            payment_id=pid,
            public_url=write.settings.public_url,
        ),
        render=_render_payment(base, standing_orders.DOMESTIC_STANDING_ORDER),
    )


@router.get(
    "/domestic-standing-orders/{DomesticStandingOrderId}",
    operation_id="GetDomesticStandingOrdersDomesticStandingOrderId",
    response_class=OBJSONResponse,
    summary="Get a domestic standing order",
)
def get_standing_order(
    access: Access, session: SessionDep, base: BaseUrl, payment_id: StandingOrderId
) -> OBJSONResponse:
    """Return one of the partner's standing orders with its current status."""
    require_scope(access, SCOPE)
    kind = standing_orders.DOMESTIC_STANDING_ORDER
    payment = _load_payment(kind)(session, access, payment_id)
    return OBJSONResponse(_render_payment(base, kind)(session, payment))


@router.get(
    "/domestic-standing-orders/{DomesticStandingOrderId}/payment-details",
    operation_id="GetDomesticStandingOrdersDomesticStandingOrderIdPaymentDetails",
    response_class=OBJSONResponse,
    summary="Get the status history and instalments of a domestic standing order",
)
def get_standing_order_details(
    access: Access, session: SessionDep, base: BaseUrl, payment_id: StandingOrderId
) -> OBJSONResponse:
    """Return the order's statuses and the outcome of every instalment paid so far."""
    kind = standing_orders.DOMESTIC_STANDING_ORDER
    return _payment_details(access, session, base, kind, payment_id)
