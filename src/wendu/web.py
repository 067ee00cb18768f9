"""HTTP plumbing every request passes through: OB errors, interaction id, media types, limits.

``install_platform`` wires it into the app: the audit trail (outermost, so it sees every
refusal too), then the edge middleware (interaction id, 406/415 on the open API, per-IP
limits on unauthenticated endpoints, rate-limit headers), then the routers.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wendu.audit.middleware import AuditMiddleware
from wendu.audit.writer import AuditWriter
from wendu.config import Settings
from wendu.db import Database
from wendu.errors import ErrorItem, WenduError, error_code, too_many_requests
from wendu.ratelimit import Decision, RateLimiter, make_limiter, make_signin_throttle

log = logging.getLogger("wendu.web")

INTERACTION_HEADER = "x-fapi-interaction-id"


def _interaction_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("interaction_id") or uuid.uuid4())


def error_response(request: Request, error: WenduError) -> JSONResponse:
    """Render ``error`` as the OB error body with the interaction id and extra headers."""
    interaction_id = _interaction_id(request)
    headers = {INTERACTION_HEADER: interaction_id, **error.headers}
    return JSONResponse(error.body(interaction_id), status_code=error.status, headers=headers)


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def register_error_handlers(app: FastAPI) -> None:
    """Make every error — business, validation, routing, unexpected — an OB error body."""

    @app.exception_handler(WenduError)
    async def _wendu(request: Request, exc: WenduError) -> JSONResponse:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        items = []
        for err in exc.errors()[:20]:
            loc = tuple(err.get("loc", ()))
            code = error_code(err)
            msg = str(err.get("msg", "invalid value"))
            items.append(ErrorItem(code, msg, _loc_to_path(loc) or None))
        if not items:
            items.append(ErrorItem("U002", "The request is not valid"))
        return error_response(request, WenduError(400, items))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "U004", 405: "U017", 406: "U013", 415: "U013", 401: "U014", 403: "U015"}
        message = str(exc.detail) if exc.detail else "The request could not be served"
        error = WenduError(exc.status_code, [ErrorItem(code.get(exc.status_code, "U002"), message)])
        if exc.headers:
            error.headers.update(exc.headers)
        return error_response(request, error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            request, WenduError(500, [ErrorItem("U019", "An unexpected error occurred")])
        )


OPEN_API_PREFIX = "/open-banking/"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Unauthenticated endpoints worth a coarse per-client-IP limit (token, authorise, logins).
IP_LIMITED_PREFIXES: tuple[str, ...] = (
    "/oauth2/",
    "/oauth/",
    "/as/",
    "/login",
    "/console/login",
    "/helpdesk/v1/auth/",
    "/customer/login",
    "/register",
)
# Where get_access leaves the partner's rate-limit decision for the response headers.
RATE_LIMIT_STATE = "rate_limit"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
_IID = INTERACTION_HEADER.encode()


class EdgeMiddleware:
    """Per request: interaction id, content negotiation on the open API, per-IP limits, and
    the ``x-fapi-interaction-id`` / ``X-Rate-Limit-*`` response headers."""

    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        accept = content_type = content_length = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"x-fapi-interaction-id":
                incoming = value.decode("latin-1").strip()
            elif name == b"accept":
                accept = value
            elif name == b"content-type":
                content_type = value
            elif name == b"content-length":
                content_length = value
            elif name == b"transfer-encoding":
                chunked = True
        interaction_id = incoming if incoming and _is_uuid(incoming) else str(uuid.uuid4())
        state = scope.setdefault("state", {})
        state["interaction_id"] = interaction_id

        path: str = scope["path"]
        refusal: WenduError | None = None
        if path.startswith(OPEN_API_PREFIX):
            has_body = chunked or (content_length is not None and content_length.strip() != b"0")
            if accept is not None and not accepts_json(accept):
                refusal = WenduError(
                    406, [ErrorItem("U013", "The Accept header must allow application/json")]
                )
            elif (
                scope["method"] in BODY_METHODS
                and (content_type is not None or has_body)
                and (content_type is None or not is_json_media_type(content_type))
            ):
                refusal = WenduError(
                    415, [ErrorItem("U013", "The request body must be application/json")]
                )
        elif self.limiter is not None and path.startswith(IP_LIMITED_PREFIXES):
            client = scope.get("client")
            decision = self.limiter.hit_ip(client[0] if client else "unknown")
            state[RATE_LIMIT_STATE] = decision
            if not decision.allowed:
                refusal = too_many_requests(decision.retry_after)
        if refusal is None and content_length is not None:
            refusal = _declared_size_refusal(content_length, self.max_body_bytes)
        if refusal is None and (chunked or content_length is not None):
            body, refusal = await _read_body(receive, self.max_body_bytes)
            if refusal is None and _may_be_json(content_type):
                refusal = _surrogate_refusal(body)
            receive = _replay(body, receive)
        if refusal is not None:
            await _send_error(refusal, interaction_id, state, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != _IID]
                headers.append((_IID, interaction_id.encode()))
                decision: Decision | None = state.get(RATE_LIMIT_STATE)
                if decision is not None:
                    headers.extend(
                        decision.headers() if decision.allowed else _limit_only(decision)
                    )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _too_large(limit: int) -> WenduError:
    return WenduError(413, [ErrorItem("U002", f"The request body is larger than {limit} bytes")])


def _declared_size_refusal(content_length: bytes, limit: int) -> WenduError | None:
    """Refuse a declared Content-Length over ``limit`` before reading any of the body."""
    text = content_length.strip()
    if not text.isdigit() or not text.isascii():
        return WenduError(400, [ErrorItem("U002", "Content-Length is not a number")])
    return _too_large(limit) if len(text) > 18 or int(text) > limit else None


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, WenduError | None]:
    """Read the whole body, stopping with a 413 as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: the app sees an empty body and the disconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), None


def _replay(body: bytes, receive: Receive) -> Receive:
    """Return a ``receive`` that hands the app the body already read, then the real stream."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _may_be_json(content_type: bytes | None) -> bool:
    # FastAPI reads a body without a Content-Type as JSON too.
    if content_type is None:
        return True
    media = content_type.decode("latin-1").split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _surrogate_refusal(body: bytes) -> WenduError | None:
    """Refuse JSON holding a lone UTF-16 surrogate ("\\ud800"): Python's parser accepts it,
    but no database or response can encode it, so it would fail later as a 500."""
    import orjson

    if b"\\u" not in body and b"\xed" not in body:
        return None
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "surrogate" in str(exc):
            return WenduError(
                400, [ErrorItem("U002", "The JSON body holds an unpaired UTF-16 surrogate")]
            )
    return None


def _limit_only(decision: Decision) -> list[tuple[bytes, bytes]]:
    # Retry-After comes from the 429 error's own headers, never twice.
    return [h for h in decision.headers() if h[0] != b"retry-after"]


async def _send_error(
    error: WenduError, interaction_id: str, state: dict[str, Any], send: Send
) -> None:
    import orjson

    body = orjson.dumps(error.body(interaction_id))
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-fapi-interaction-id", interaction_id.encode()),
    ]
    headers.extend((k.lower().encode(), v.encode()) for k, v in error.headers.items())
    decision: Decision | None = state.get(RATE_LIMIT_STATE)
    if decision is not None:
        headers.extend(_limit_only(decision))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _media_ranges(value: bytes) -> list[tuple[str, float]]:
    ranges = []
    for part in value.decode("latin-1").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, raw = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(raw)
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    return ranges


def accepts_json(accept: bytes) -> bool:
    """Return True when an ``Accept`` header allows ``application/json`` (empty allows all)."""
    ranges = _media_ranges(accept)
    if not ranges:
        return True
    return any(
        media in ("application/json", "application/*", "*/*") and quality > 0
        for media, quality in ranges
    )


def is_json_media_type(content_type: bytes) -> bool:
    """Return True for ``application/json`` with any parameters (e.g. charset)."""
    media = content_type.decode("latin-1").split(";", 1)[0].strip().lower()
    return media == "application/json"


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) <= 40


def record_rate_limit(scope: Scope, decision: Decision) -> None:
    """Keep ``decision`` for the response headers; raise the 429 when it refuses."""
    scope.setdefault("state", {})[RATE_LIMIT_STATE] = decision
    if not decision.allowed:
        raise too_many_requests(decision.retry_after)


def install_platform(app: FastAPI, settings: Settings, db: Database) -> None:
    """Add the audit trail, rate limiter and edge middleware, started and stopped with the app."""
    writer = AuditWriter(db, settings.audit_flush_interval_seconds)
    limiter = make_limiter(settings)
    app.state.audit = writer
    app.state.rate_limiter = limiter
    app.state.signin_throttle = make_signin_throttle(settings)

    async def start(_app: FastAPI) -> None:
        writer.start()

    async def stop(_app: FastAPI) -> None:
        writer.stop()
        limiter.close()

    hooks: tuple[list[Callable[[FastAPI], Awaitable[None]]], ...] = (
        app.state.on_startup,
        app.state.on_shutdown,
    )
    hooks[0].append(start)
    hooks[1].append(stop)
    # add_middleware wraps: the last added runs first, so audit sees the edge's refusals.
    app.add_middleware(
        EdgeMiddleware, limiter=limiter, max_body_bytes=settings.max_request_body_bytes
    )
    app.add_middleware(AuditMiddleware, writer=writer)
