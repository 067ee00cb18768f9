"""HTTP plumbing shared by every router: the OB error handlers and the interaction-id header."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wendu.errors import ErrorItem, WenduError

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
            kind = str(err.get("type", ""))
            code = "U001" if kind == "missing" else "U002"
            if kind.startswith("json"):
                code = "U002"
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


class InteractionIdMiddleware:
    """Echo a valid ``x-fapi-interaction-id`` or generate one, on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", []):
            if name == b"x-fapi-interaction-id":
                incoming = value.decode("latin-1").strip()
                break
        interaction_id = incoming if incoming and _is_uuid(incoming) else str(uuid.uuid4())
        scope.setdefault("state", {})["interaction_id"] = interaction_id
        header = (b"x-fapi-interaction-id", interaction_id.encode())

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != header[0]]
                headers.append(header)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_header)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) <= 40
