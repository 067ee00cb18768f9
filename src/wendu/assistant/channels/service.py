"""Chat sessions: open one for a consented customer, run a turn, relay after hand-off.

A turn runs in three steps so no database transaction is held while the flows call the
API over HTTP: (1) store the customer's message and read the state, (2) decide and act
through the API with the caller's token, (3) store the replies, ticket, hand-off and state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from wendu.assistant.dialogue.engine import Effects, Turn, Understanding, new_state
from wendu.assistant.dialogue.models import ChatSession
from wendu.assistant.dialogue.texts import say
from wendu.assistant.flows.api import BankApi
from wendu.assistant.flows.tasks import MERCHANTS
from wendu.assistant.knowledge import answer as knowledge_answer
from wendu.assistant.sentiment import analyse
from wendu.db import Database, utcnow
from wendu.errors import unknown_resource
from wendu.helpdesk import conversations
from wendu.helpdesk.models import Conversation
from wendu.helpdesk.routing import route
from wendu.helpdesk.tickets import create_ticket
from wendu.identity.tokens import AccessContext
from wendu.kit.ids import new_id

WITH_PERSON = ("queued", "assigned")


@dataclass
class TurnResult:
    """What the caller gets back for one customer message."""

    replies: list[dict[str, Any]]
    received: dict[str, Any]  # the customer's message as stored (card and ID numbers masked)
    status: str
    intent: str | None
    language: str
    sentiment: dict[str, Any]


def _nlu() -> Any:
    from wendu.assistant.nlu import load_default_model

    return load_default_model()


def open_session(
    session: Session, access: AccessContext, *, channel: str, language: str = "zh"
) -> ChatSession:
    """Open a chat for the customer and consent the token speaks for."""
    assert access.customer_id is not None and access.consent_id is not None
    conversation = conversations.start_conversation(
        session,
        channel=channel,
        customer_id=access.customer_id,
        partner_id=access.partner_id,
        consent_id=access.consent_id,
        language=language,
    )
    chat = ChatSession(
        id=new_id("chs"),
        conversation_id=conversation.id,
        customer_id=access.customer_id,
        partner_id=access.partner_id,
        consent_id=access.consent_id,
        channel=channel,
        language=language,
        state=new_state(),
        turns=0,
    )
    session.add(chat)
    session.flush()
    return chat


def get_session(session: Session, chat_id: str, access: AccessContext) -> ChatSession:
    """Return the chat if this token's customer, partner and consent opened it, else U004."""
    chat = session.get(ChatSession, chat_id[:40])
    if (
        chat is None
        or chat.customer_id != access.customer_id
        or chat.partner_id != access.partner_id
        or chat.consent_id != access.consent_id
    ):
        raise unknown_resource("chat session")
    return chat


def _understand(text: str) -> Understanding:
    parsed = _nlu().parse(text, merchants=list(MERCHANTS))
    return Understanding(
        text=text,
        intent=parsed.intent,
        confidence=float(parsed.confidence),
        language=parsed.language,
        entities=[e.as_dict() for e in parsed.entities],
        sentiment=analyse(text),
    )


def _receive(
    db: Database, chat_id: str, access: AccessContext, text: str
) -> tuple[Understanding, dict[str, Any], str, dict[str, Any]]:
    understanding = _understand(text)
    with db.session() as session:
        chat = get_session(session, chat_id, access)
        conversation = conversations.get_conversation(session, chat.conversation_id)
        message = conversations.add_message(
            session,
            conversation,
            author_type="customer",
            author_id=chat.customer_id,
            body=text,
            intent=understanding.intent,
            confidence=round(understanding.confidence, 4),
            sentiment=understanding.sentiment.score,
            emotion=understanding.sentiment.emotion,
        )
        state = dict(chat.state or new_state())
        return understanding, state, conversation.status, _message_out(message)


def _knowledge(db: Database, text: str, language: str) -> dict[str, Any] | None:
    with db.session(write=False) as session:
        found = knowledge_answer(session, text, language)
    if found is None:
        return None
    return {"slug": found.slug, "title": found.title, "quote": found.quote, "url": found.url}


def _context(state: dict[str, Any], fx: Effects, understanding: Understanding) -> dict[str, Any]:
    scores = state.get("sentiments", [])
    return {
        "intents": list(state.get("intents", [])),
        "slots": dict(state.get("slots", {})),
        "sentiment": {
            "last": understanding.sentiment.as_dict(),
            "trend": scores,
            "average": round(sum(scores) / len(scores), 3) if scores else None,
            "emotions": list(state.get("emotions", [])),
        },
        "summary": fx.summary,
    }


def _store(
    db: Database,
    chat_id: str,
    access: AccessContext,
    state: dict[str, Any],
    fx: Effects,
    understanding: Understanding,
) -> tuple[list[dict[str, Any]], str]:
    with db.session() as session:
        chat = get_session(session, chat_id, access)
        conversation = conversations.get_conversation(session, chat.conversation_id)
        replies = list(fx.replies)
        if fx.ticket is not None:
            ticket = create_ticket(
                session,
                subject=fx.ticket.subject,
                description=fx.ticket.description,
                kind=fx.ticket.kind,
                conversation=conversation,
                actor="assistant",
            )
            state.setdefault("tickets", []).append(ticket.reference)
            state["slots"]["ticket"] = ticket.reference
            key = "complaint_created" if fx.ticket.kind == "complaint" else "ticket_created"
            replies.append(say(key, understanding.language, reference=ticket.reference))
        if fx.handoff and not fx.summary:
            fx.summary = understanding.text[:150]
        out = []
        for body in replies:
            message = conversations.add_message(
                session, conversation, author_type="assistant", body=body
            )
            out.append(_message_out(message))
        if fx.handoff is not None and conversation.status in ("bot", "resolved"):
            conversations.hand_off(
                session, conversation, reason=fx.handoff, context=_context(state, fx, understanding)
            )
            _offer(session, conversation)
            state["handed_off"] = True
        chat.state = state
        chat.language = understanding.language
        chat.turns += 1
        chat.updated_at = utcnow()
        session.flush()
        return out, conversation.status


def _offer(session: Session, conversation: Conversation) -> None:
    """Offer the conversation to an agent now if one is free."""
    route(session, conversation)


def _message_out(message: Any) -> dict[str, Any]:
    return {
        "id": message.id,
        "author": message.author_type,
        "text": message.body,
        "created_at": message.created_at.isoformat(),
    }


async def post_message(
    db: Database, transport: httpx.AsyncBaseTransport, base_url: str, chat_id: str,
    access: AccessContext, token: str, text: str,
) -> TurnResult:  # fmt: skip
    """Run one customer message through the assistant (or relay it to the agent)."""
    understanding, state, status, received = await run_in_threadpool(
        _receive, db, chat_id, access, text
    )
    sentiment = understanding.sentiment.as_dict()
    if status in WITH_PERSON:
        return TurnResult(
            [], received, status, understanding.intent, understanding.language, sentiment
        )
    fx_prefix: list[str] = []
    if state.get("handed_off"):
        # The agent handed the chat back: the assistant resumes with a fresh task state.
        state.update(handed_off=False, flow=None, pending=None, fallbacks=0, sentiments=[])
        fx_prefix.append(say("resumed", understanding.language))

    async def knowledge(question: str, language: str) -> dict[str, Any] | None:
        return await run_in_threadpool(_knowledge, db, question, language)

    async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=30) as client:
        turn = Turn(state, understanding, BankApi(client, token), knowledge)
        fx = await turn.run()
    fx.replies = fx_prefix + fx.replies
    replies, status = await run_in_threadpool(
        _store, db, chat_id, access, turn.state, fx, understanding
    )
    return TurnResult(
        replies, received, status, understanding.intent, understanding.language, sentiment
    )
