"""Dependencies that authenticate API callers from their bearer access token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from wendu.deps import SessionDep, SettingsDep
from wendu.errors import bad_request, forbidden, unauthorized
from wendu.identity.keys import KeyRing
from wendu.identity.tokens import AccessContext, verify_access_token
from wendu.ratelimit import RateLimiter
from wendu.web import record_rate_limit


async def bearer_token(request: Request) -> str:
    """Return the bearer token from the Authorization header; refuse tokens in the URL."""
    if "access_token" in request.query_params:
        raise bad_request(
            "Access tokens are accepted only in the Authorization header", code="U014"
        )
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized()
    return token.strip()


# Only get_access does I/O; the others are ``async def`` so FastAPI does not hand them to a
# worker thread (a hop that costs more than their work).


def get_access(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Depends(bearer_token)],
) -> AccessContext:
    """Verify the caller's token, record who it is for the audit trail, spend its rate limit.

    The limit is spent only after verification, so a forged token cannot use up another
    partner's budget.
    """
    keyring: KeyRing = request.app.state.keyring
    ctx = verify_access_token(session, keyring, settings, token)
    audit = request.scope.setdefault("state", {}).setdefault("audit", {})
    audit.update(
        partner_id=ctx.partner_id,
        customer_id=ctx.customer_id,
        consent_id=ctx.consent_id,
        actor_type="partner",
        actor_id=ctx.client_id,
    )
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        record_rate_limit(
            request.scope, limiter.hit_partner(ctx.partner_id, ctx.rate_limit_per_minute)
        )
    return ctx


async def get_customer_access(ctx: Annotated[AccessContext, Depends(get_access)]) -> AccessContext:
    """Require a token the customer authorised (not a client-credentials token)."""
    if not ctx.is_customer_token or ctx.consent_id is None:
        raise forbidden("This resource needs a token authorised by the customer", code="U014")
    return ctx


async def get_client_access(ctx: Annotated[AccessContext, Depends(get_access)]) -> AccessContext:
    """Require a client-credentials token (used to create consents)."""
    if ctx.grant_type != "client_credentials":
        raise forbidden("This resource needs a client-credentials token", code="U014")
    return ctx


Access = Annotated[AccessContext, Depends(get_access)]
CustomerAccess = Annotated[AccessContext, Depends(get_customer_access)]
ClientAccess = Annotated[AccessContext, Depends(get_client_access)]
