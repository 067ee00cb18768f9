"""Chat channels: the partner chat API (REST + server-sent events) and the bank's web widget.

Handlers here never hold a database transaction while the assistant calls the API over
HTTP (that would deadlock SQLite's single writer), so they verify the caller's token in a
short session of their own instead of using ``SessionDep``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from importlib import resources
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from wendu.assistant.channels import service
from wendu.assistant.channels.widget import issue_widget_token, widget_page
from wendu.assistant.flows.clock import app_clock
from wendu.db import Database
from wendu.errors import bad_request, forbidden
from wendu.helpdesk.models import Conversation
from wendu.identity.deps import bearer_token
from wendu.identity.tokens import AccessContext, verify_access_token
from wendu.kit.ids import MAX_ROW_ID, cursor_of
from wendu.ratelimit import RateLimiter
from wendu.web import record_rate_limit

router = APIRouter(tags=["Chat"])
STATIC = {"widget.js": "text/javascript", "widget.css": "text/css"}
ChatId = Annotated[str, Path(min_length=1, max_length=40)]


class Caller:
    """The verified customer token of a chat request, and the token itself for the flows."""

    def __init__(self, access: AccessContext, token: str) -> None:
        self.access = access
        self.token = token


def _verify(request: Request, token: str) -> AccessContext:
    db: Database = request.app.state.db
    with db.session(write=False) as session:
        return verify_access_token(
            session, request.app.state.keyring, request.app.state.settings, token
        )


async def get_caller(request: Request, token: Annotated[str, Depends(bearer_token)]) -> Caller:
    """Verify a customer-authorised token bound to a consent (partner's or first-party)."""
    access = await run_in_threadpool(_verify, request, token)
    if not access.is_customer_token or access.consent_id is None:
        raise forbidden("A chat needs a token authorised by the customer", code="U014")
    audit = request.scope.setdefault("state", {}).setdefault("audit", {})
    audit.update(
        partner_id=access.partner_id,
        customer_id=access.customer_id,
        consent_id=access.consent_id,
        actor_type="partner",
        actor_id=access.client_id,
    )
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        record_rate_limit(
            request.scope, limiter.hit_partner(access.partner_id, access.rate_limit_per_minute)
        )
    return Caller(access, token)


CallerDep = Annotated[Caller, Depends(get_caller)]


class OpenChat(BaseModel):
    """How the chat is opened."""

    channel: str = Field("partner_chat", pattern="^(partner_chat|web_widget|app)$")
    language: str = Field("zh", pattern="^(zh|en)$")
    # The Chinese the replies start in; the customer's messages then decide (sticky).
    script: str = Field("", pattern="^(|Hans|Hant-HK|Hant-TW)$")


class ChatMessage(BaseModel):
    """One customer message."""

    text: str = Field(min_length=1, max_length=2000)


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _open(db: Database, access: AccessContext, body: OpenChat) -> dict[str, Any]:
    with db.session() as session:
        chat = service.open_session(
            session, access, channel=body.channel, language=body.language, script=body.script
        )
        return {"session_id": chat.id, "conversation_id": chat.conversation_id}


@router.post("/chat/v1/sessions", operation_id="openChatSession", status_code=201)
async def open_chat(request: Request, caller: CallerDep, body: OpenChat | None = None) -> Any:
    """Open a chat for the customer whose consent the bearer token carries."""
    return await run_in_threadpool(_open, _db(request), caller.access, body or OpenChat())


@router.post("/chat/v1/sessions/{chat_id}/messages", operation_id="postChatMessage")
async def post_message(
    request: Request, chat_id: ChatId, caller: CallerDep, body: ChatMessage
) -> dict[str, Any]:
    """Send the customer's message; the replies come back here and on the event stream.

    Messages of one chat are handled one at a time, in the order they arrive; ``seq``
    numbers them (1, 2, 3, ...) and ``message`` is the message as stored (masked).
    """
    text = body.text.strip()
    if not text:
        raise bad_request("a message needs text", path="text", key="reply_empty")
    transport = httpx.ASGITransport(app=request.app)
    result = await service.post_message(
        _db(request), transport, "http://wendu.internal", chat_id, caller.access, caller.token,
        text, app_clock(request.app),
    )  # fmt: skip
    return {
        "session_id": chat_id,
        "status": result.status,
        "intent": result.intent,
        "language": result.language,
        "sentiment": result.sentiment,
        "seq": result.seq,
        "message": result.received,
        "replies": result.replies,
    }


def _state(db: Database, chat_id: str, access: AccessContext) -> dict[str, Any]:
    with db.session(write=False) as session:
        chat = service.get_session(session, chat_id, access)
        conversation = session.get(Conversation, chat.conversation_id)
        assert conversation is not None
        state = chat.state or {}
        return {
            "session_id": chat.id,
            "conversation_id": chat.conversation_id,
            "status": conversation.status,
            "language": chat.language,
            "flow": (state.get("flow") or {}).get("name"),
            "pending": (state.get("pending") or {}).get("action"),
            "intents": state.get("intents", []),
        }


@router.get("/chat/v1/sessions/{chat_id}", operation_id="getChatSession")
async def get_chat(request: Request, chat_id: ChatId, caller: CallerDep) -> dict[str, Any]:
    """Return the chat's status (with the assistant or with a person) and task state."""
    return await run_in_threadpool(_state, _db(request), chat_id, caller.access)


def _transcript(
    db: Database, chat_id: str, access: AccessContext, after: int, limit: int
) -> dict[str, Any]:
    with db.session(write=False) as session:
        chat = service.get_session(session, chat_id, access)
        # One more than asked for tells whether more remain.
        messages, status = service.chat_messages(
            session, chat, after=after, limit=limit + 1, customer_too=True
        )
        return {
            "session_id": chat.id,
            "status": status,
            "language": chat.language,
            "messages": messages[:limit],
            "more": len(messages) > limit,
        }


@router.get("/chat/v1/sessions/{chat_id}/messages", operation_id="listChatMessages")
async def transcript(
    request: Request,
    chat_id: ChatId,
    caller: CallerDep,
    after: Annotated[
        int, Query(ge=0, le=MAX_ROW_ID, description="Only messages after this id")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> dict[str, Any]:
    """Return the chat's transcript as stored (card and ID numbers masked), oldest first.

    Both sides of the chat, without staff's internal notes. ``more`` is true when messages
    after the last one returned remain: ask again with ``after`` set to its id. A page
    reopening a chat (the widget after a reload) shows this, then follows the event stream
    from the last id.
    """
    return await run_in_threadpool(_transcript, _db(request), chat_id, caller.access, after, limit)


def _events_after(
    db: Database, chat_id: str, access: AccessContext, after: int
) -> tuple[list[dict[str, Any]], str]:
    with db.session(write=False) as session:
        chat = service.get_session(session, chat_id, access)
        return service.chat_messages(session, chat, after=after, limit=100, customer_too=False)


@router.get("/chat/v1/sessions/{chat_id}/events", operation_id="streamChatEvents")
async def events(
    request: Request,
    chat_id: ChatId,
    caller: CallerDep,
    wait: Annotated[float, Query(ge=0, le=60, description="Seconds to keep the stream open")] = 25,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
) -> StreamingResponse:
    """Stream the assistant's and agents' messages as server-sent events.

    Any process can serve the stream: it reads the stored transcript after the last event
    id, so a client reconnecting with ``Last-Event-ID`` misses nothing.
    """
    db = _db(request)
    start = after if after is not None else cursor_of(last_event_id) or 0
    # Check access before the stream starts, so an unknown chat is a plain 400.
    first, status = await run_in_threadpool(_events_after, db, chat_id, caller.access, start)

    async def stream() -> AsyncIterator[str]:
        cursor = start
        batch, current = first, status
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        yield f"event: status\ndata: {json.dumps({'status': current})}\n\n"
        while True:
            for item in batch:
                cursor = item["id"]
                data = json.dumps(item, ensure_ascii=False)
                yield f"id: {cursor}\nevent: message\ndata: {data}\n\n"
            if loop.time() >= deadline or await request.is_disconnected():
                break
            await asyncio.sleep(0.5)
            batch, now = await run_in_threadpool(_events_after, db, chat_id, caller.access, cursor)
            if now != current:
                current = now
                yield f"event: status\ndata: {json.dumps({'status': current})}\n\n"
        yield "event: end\ndata: {}\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


# --- the bank's own web widget ----------------------------------------------------------


@router.get("/chat/widget", include_in_schema=False)
async def widget(request: Request) -> HTMLResponse:
    """Serve the chat widget page (the customer signs in through the bank's login page)."""
    return widget_page(request)


@router.post("/chat/widget/token", include_in_schema=False)
async def widget_token(request: Request) -> Response:
    """Give the signed-in customer a first-party token for the widget (same-origin only)."""
    return await run_in_threadpool(issue_widget_token, request)


@router.get("/chat/static/{name}", include_in_schema=False)
async def static(name: str) -> Response:
    """Serve the widget's JS and CSS from the package (no CDN)."""
    if name not in STATIC:
        raise bad_request("unknown file", path="name")
    body = resources.files("wendu.assistant.channels").joinpath("static", name).read_text("utf-8")
    return Response(body, media_type=STATIC[name], headers={"Cache-Control": "max-age=300"})
