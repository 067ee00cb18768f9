"""Pure ASGI middleware that audits every API call after its response is sent."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wendu.audit.chain import AuditRecord
from wendu.audit.effects import request_context
from wendu.audit.writer import AuditWriter
from wendu.db import utcnow

log = logging.getLogger("wendu.audit")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Probes, docs and static assets are not API calls; auditing them would only add noise.
SKIPPED_PREFIXES: tuple[str, ...] = (
    "/health",
    "/ping",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/favicon.ico",
    "/static/",
    "/console/static/",
)


class AuditMiddleware:
    """Append who called which route template, with status and latency, to the audit buffer.

    Who called is what ``identity.deps.get_access`` put in ``scope["state"]["audit"]`` once
    the token was verified; anything else is audited as ``anonymous``. Only the route
    template is kept (never the query string), so tokens or card numbers cannot leak in.
    """

    def __init__(self, app: ASGIApp, writer: AuditWriter) -> None:
        self.app = app
        self.writer = writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SKIPPED_PREFIXES):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server error handler sends if the app raises

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if scope["method"] in READ_METHODS:
                await self.app(scope, receive, send_and_watch)
            else:
                # Transactions this request commits carry their own effect record.
                with request_context(scope):
                    await self.app(scope, receive, send_and_watch)
        finally:
            self.writer.add(_record(scope, status, (time.perf_counter() - started) * 1000))


def _record(scope: Scope, status: int, latency_ms: float) -> AuditRecord:
    state: dict[str, Any] = scope.get("state") or {}
    who: dict[str, Any] = state.get("audit") or {}
    template = _template(scope)
    detail = None
    if template is None:
        template = "(unmatched)"
        detail = {"path": scope["path"][:200]}
    return AuditRecord(
        at=utcnow(),
        actor_type=who.get("actor_type") or "anonymous",
        actor_id=who.get("actor_id"),
        partner_id=who.get("partner_id"),
        customer_id=who.get("customer_id"),
        consent_id=who.get("consent_id"),
        action=f"{scope['method']} {template}",
        status_code=status,
        latency_ms=latency_ms,
        interaction_id=state.get("interaction_id"),
        detail=detail,
    )


def _template(scope: Scope) -> str | None:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    # Refused before routing (406, 415, 429): find the template the path would have hit.
    app = scope.get("app")
    if app is None:
        return None
    for pattern, template in _templates(app):
        if pattern.fullmatch(scope["path"]):
            return template
    return None


def _templates(app: Any) -> list[tuple[re.Pattern[str], str]]:
    # Built once per app from the public OpenAPI paths; only refusals ever need it.
    cached: list[tuple[re.Pattern[str], str]] | None = getattr(app.state, "audit_templates", None)
    if cached is None:
        try:
            paths = list(app.openapi().get("paths", {}))
        except Exception:
            # A route whose schema cannot be rendered must not break auditing.
            log.exception("audit: cannot read route templates from the OpenAPI document")
            paths = []
        # Literal segments win over parameters (".../accounts/bulk" before ".../{id}").
        paths.sort(key=lambda p: (p.count("{"), -len(p)))
        cached = [(re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(p))), p) for p in paths]
        app.state.audit_templates = cached
    return cached
