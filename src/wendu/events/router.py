"""HTTP routes of the Events API: event subscriptions and aggregated polling (OB v4)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from wendu.deps import SessionDep, SettingsDep
from wendu.errors import bad_request, forbidden
from wendu.events import polling, service
from wendu.events.models import EventSubscription
from wendu.events.schemas import PollingRequest, SubscriptionChangeRequest, SubscriptionRequest
from wendu.events.settings import get_event_settings
from wendu.identity.deps import ClientAccess
from wendu.identity.keys import KeyRing
from wendu.identity.tokens import AccessContext

PREFIX = "/open-banking/v4.0"
router = APIRouter(prefix=PREFIX, tags=["Events"])

SubscriptionId = Annotated[str, Path(alias="EventSubscriptionId")]
EVENT_SCOPES = frozenset({"accounts", "payments", "fundsconfirmations"})


def _require_scope(ctx: AccessContext) -> None:
    if not ctx.scope & EVENT_SCOPES:
        raise forbidden("The token has none of the scopes accounts, payments, fundsconfirmations")


def _subscription_data(sub: EventSubscription) -> dict[str, Any]:
    data: dict[str, Any] = {"EventSubscriptionId": sub.id, "Version": sub.version}
    if sub.callback_url is not None:
        data["CallbackUrl"] = sub.callback_url
    if sub.event_types is not None:
        data["EventTypes"] = list(sub.event_types)
    return data


def _self_link(request: Request, settings: SettingsDep, suffix: str = "") -> dict[str, str]:
    return {"Self": f"{settings.public_url}{PREFIX}/event-subscriptions{suffix}"}


def _one(sub: EventSubscription, settings: SettingsDep, request: Request, status: int) -> Any:
    body = {
        "Data": _subscription_data(sub),
        "Links": _self_link(request, settings, f"/{sub.id}"),
        "Meta": {},
    }
    return JSONResponse(body, status_code=status)


def _input(data: Any) -> service.SubscriptionInput:
    return service.SubscriptionInput(
        version=data.version, callback_url=data.callback_url, event_types=data.event_types
    )


@router.post("/event-subscriptions", operation_id="CreateEventSubscriptions", status_code=201)
def create_event_subscription(
    body: SubscriptionRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    ctx: ClientAccess,
) -> Any:
    """Create the calling partner's event subscription."""
    _require_scope(ctx)
    sub = service.create_subscription(
        session, ctx.partner_id, _input(body.data), production=settings.is_production
    )
    return _one(sub, settings, request, 201)


@router.get("/event-subscriptions", operation_id="GetEventSubscriptions")
def get_event_subscriptions(
    request: Request, session: SessionDep, settings: SettingsDep, ctx: ClientAccess
) -> Any:
    """List the calling partner's event subscriptions."""
    _require_scope(ctx)
    subs = service.list_subscriptions(session, ctx.partner_id)
    body = {
        "Data": {"EventSubscription": [_subscription_data(s) for s in subs]},
        "Links": _self_link(request, settings),
        "Meta": {},
    }
    return JSONResponse(body)


@router.put(
    "/event-subscriptions/{EventSubscriptionId}",
    operation_id="ChangeEventSubscriptionsEventSubscriptionId",
)
def change_event_subscription(
    subscription_id: SubscriptionId,
    body: SubscriptionChangeRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    ctx: ClientAccess,
) -> Any:
    """Replace the calling partner's event subscription."""
    _require_scope(ctx)
    service.get_subscription(session, ctx.partner_id, subscription_id)
    if body.data.event_subscription_id != subscription_id:
        raise bad_request(
            "Data.EventSubscriptionId does not match the path",
            path="Data.EventSubscriptionId",
        )
    sub = service.update_subscription(
        session,
        ctx.partner_id,
        subscription_id,
        _input(body.data),
        production=settings.is_production,
    )
    return _one(sub, settings, request, 200)


@router.delete(
    "/event-subscriptions/{EventSubscriptionId}",
    operation_id="DeleteEventSubscriptionsEventSubscriptionId",
    status_code=204,
)
def delete_event_subscription(
    subscription_id: SubscriptionId,
    session: SessionDep,
    ctx: ClientAccess,
) -> Response:
    """Delete the calling partner's event subscription."""
    _require_scope(ctx)
    service.delete_subscription(session, ctx.partner_id, subscription_id)
    return Response(status_code=204)


@router.post("/events", operation_id="CreateEvents", status_code=201)
def poll_events(
    body: PollingRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    ctx: ClientAccess,
) -> Any:
    """Acknowledge events and collect the partner's unacknowledged signed notifications.

    Long polling is not offered: ``returnImmediately`` is accepted and the answer is
    always immediate, which the spec allows.
    """
    _require_scope(ctx)
    keyring: KeyRing = request.app.state.keyring
    result = polling.poll(
        session,
        keyring,
        partner_id=ctx.partner_id,
        client_id=ctx.client_id,
        issuer=settings.public_url,
        ack=body.ack,
        set_errs={k: v.model_dump() for k, v in body.set_errs.items()},
        max_events=body.max_events,
        limit=get_event_settings().max_poll_events,
    )
    return JSONResponse(
        {"moreAvailable": result.more_available, "sets": result.sets}, status_code=201
    )
