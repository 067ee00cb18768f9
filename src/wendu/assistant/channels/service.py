"""Chat sessions: open one for a consented customer, run a turn, relay after hand-off.

A turn runs in three steps so no database transaction is held while the flows call the
API over HTTP: (1) take the chat's turn lease, store the customer's message and read the
state, (2) decide and act through the API with the caller's token, (3) store the replies,
ticket, hand-off and state and give the lease back — all of (3) in one transaction.

**One turn at a time per chat.** Two messages sent at the same moment must not both start
from the same state (the later write would win: a lost update, replies interleaved). The
turn *leases* the chat instead of locking it for the whole turn:

- Step (1) is a compare-and-set, ``UPDATE … SET lease_owner = me, seq = seq + 1 WHERE
  lease_owner IS NULL OR lease_until < now``, committed at once. On PostgreSQL the UPDATE
  takes the row lock, so of two processes exactly one sees the lease free; on SQLite the
  write transaction (``BEGIN IMMEDIATE``) serialises it. Step (3) stores only if it still
  holds the lease (``WHERE lease_owner = me``) and clears it in the same transaction.
- So the lease is a database fact, correct across any number of server processes, yet no
  transaction stays open during the slow NLU/HTTP work: a write transaction held that long
  would block every other writer on SQLite, and a ``SELECT … FOR UPDATE`` held across the
  turn would pin a PostgreSQL connection per waiting message. An in-process lock alone
  would serialise nothing between processes.
- Messages waiting in *this* process queue on a per-chat ``asyncio.Lock`` (first come,
  first served, no polling); only a lease held by another process is polled, with backoff.
- A crashed turn cannot wedge the chat: its lease expires after ``LEASE`` (longer than any
  turn: each API call times out after 30 s). A turn that outlives its lease is refused at
  step (3) with 409 rather than overwrite the newer state.
- ``seq`` numbers the customer's messages 1, 2, 3, … in the order their turns ran.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from wendu.assistant.dialogue.engine import Effects, Turn, Understanding, new_state
from wendu.assistant.dialogue.models import ChatSession
from wendu.assistant.dialogue.texts import say
from wendu.assistant.dialogue.topics import COMPLAINT_AREA, product_area, ticket_cells
from wendu.assistant.flows.api import BankApi
from wendu.assistant.flows.clock import BankClock
from wendu.assistant.knowledge import answer as knowledge_answer
from wendu.assistant.nlu.text import chat_script, says_no_language
from wendu.assistant.traditional import to_script
from wendu.config import get_settings
from wendu.db import Database, utcnow
from wendu.errors import conflict, unknown_resource
from wendu.helpdesk import conversations
from wendu.helpdesk.classify import load_default_classifier
from wendu.helpdesk.models import Conversation, Message
from wendu.helpdesk.routing import pick_team, route
from wendu.helpdesk.tickets import create_ticket
from wendu.identity.tokens import AccessContext
from wendu.kit.ids import new_id
from wendu.kit.masking import mask_deep, mask_sensitive
from wendu.sentiment import analyse

WITH_PERSON = ("queued", "assigned")
LEASE = timedelta(seconds=150)  # longer than a turn can take (a few API calls of <= 30 s)
WAIT_FOR_TURN = 180.0  # seconds a message waits for the turns before it, then 409
# While queued for a person, the customer hears "you're in the queue" with their first
# message and then at most once per QUEUE_REMINDER, so every message is answered, unspammed.
QUEUE_REMINDER = timedelta(minutes=3)


@dataclass
class TurnResult:
    """What the caller gets back for one customer message."""

    replies: list[dict[str, Any]]
    received: dict[str, Any]  # the customer's message as stored (card and ID numbers masked)
    seq: int  # its number in the chat: 1, 2, 3, ... in the order the turns ran
    status: str
    intent: str | None
    language: str
    sentiment: dict[str, Any]


def _nlu() -> Any:
    from wendu.assistant.nlu import load_default_model

    return load_default_model()


def open_session(
    session: Session,
    access: AccessContext,
    *,
    channel: str,
    language: str = "zh",
    script: str = "",
) -> ChatSession:
    """Open a chat for the customer and consent the token speaks for.

    ``script`` ("Hant-HK", "Hant-TW", "Hans") is the Chinese the replies start in, e.g. the
    widget's for a Traditional browser; the customer's own messages then decide.
    """
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
        state={**new_state(), "script": script} if script else new_state(),
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
    """Understand one message: Traditional/Cantonese read as simplified Mandarin.

    ``text`` of the result is the normalised Mandarin every engine pattern reads,
    ``original`` the message as typed (what the transcript keeps), ``script`` the script
    this message shows ("" when none: the chat's script then stays, see ``_answer_script``).
    """
    parsed = _nlu().parse(text)  # merchants and dates are grounded in the turn
    return Understanding(
        text=parsed.normalized or text,
        intent=parsed.intent,
        confidence=float(parsed.confidence),
        language=parsed.language,
        entities=[e.as_dict() for e in parsed.entities],
        sentiment=analyse(parsed.normalized or text),
        original=text,
        script=parsed.script,
    )


def _answer_script(state: dict[str, Any], understanding: Understanding) -> str:
    """Decide the language and script of the replies (sticky); remember them in the state.

    A message that shows no language ("ok", "3582", "👍") keeps the chat's language, and one
    that shows no script keeps the chat's script: a Hong Kong customer answering "ok" still
    reads Traditional.
    """
    if says_no_language(understanding.original) and state.get("language") in ("zh", "en"):
        understanding.language = str(state["language"])
    state["language"] = understanding.language
    region = get_settings().traditional_region
    script = chat_script(str(state.get("script") or ""), understanding.original, region)
    state["script"] = script
    understanding.script = script
    return script


def _respell(understanding: Understanding) -> Understanding:
    """Read an English message again with its typos corrected ("whats my balanse", "fraze my
    card") when the classifier was unsure of it as written; keep the better reading."""
    if understanding.language != "en" or understanding.confident:
        return understanding
    from wendu.assistant.nlu.spelling import correct

    corrected = correct(understanding.text)
    if corrected.lower() == understanding.text.lower():
        return understanding
    again = _understand(corrected)
    if not again.confident:  # the raw reading was unsure, so a confident one is better
        return understanding
    return dataclasses.replace(
        understanding,
        intent=again.intent,
        confidence=again.confidence,
        entities=again.entities or understanding.entities,
    )


def warm_up() -> None:
    """Load every model a chat turn uses (NLU with its encoders, spelling vocabulary,
    sentiment, complaint classifier), so the first customer does not wait for them."""
    from wendu.assistant.nlu.spelling import default_corrector

    for text in ("你好，帮我查一下余额", "what's my balance", "我的卡丢了"):
        _understand(text)
    default_corrector()
    load_default_classifier().suggest("我的卡被盗刷了 card stolen")


@dataclass
class _Received:
    state: dict[str, Any]
    status: str
    message: dict[str, Any]
    seq: int
    replies: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def _receive(
    db: Database, chat_id: str, access: AccessContext, understanding: Understanding, owner: str
) -> _Received | None:
    """Take the chat's turn lease, store the customer's message, return the state.

    Returns None, storing nothing, while another turn holds the lease.
    """
    with db.session() as session:
        chat = get_session(session, chat_id, access)
        now = utcnow()
        taken = session.execute(
            update(ChatSession)
            .where(
                ChatSession.id == chat.id,
                or_(ChatSession.lease_owner.is_(None), ChatSession.lease_until < now),
            )
            .values(lease_owner=owner, lease_until=now + LEASE, seq=ChatSession.seq + 1)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(taken) != 1:
            return None
        session.refresh(chat)  # the state the previous turn stored (we hold the row now)
        conversation = conversations.get_conversation(session, chat.conversation_id)
        message = conversations.add_message(
            session,
            conversation,
            author_type="customer",
            author_id=chat.customer_id,
            body=understanding.original,
            intent=understanding.intent,
            confidence=round(understanding.confidence, 4),
            sentiment=understanding.sentiment.score,
            emotion=understanding.sentiment.emotion,
        )
        state = dict(chat.state or new_state())
        replies = []
        if conversation.status in WITH_PERSON:
            # Relayed to the agent: no assistant turn follows, so the lease ends here.
            chat.lease_owner = None
            chat.lease_until = None
            key = _queue_notice(state, conversation.status, now)
            if key is not None:
                script = _answer_script(state, understanding)
                notice = conversations.add_message(
                    session,
                    conversation,
                    author_type="assistant",
                    body=to_script(say(key, understanding.language), script),
                )
                replies.append(_message_out(notice))
                chat.state = mask_deep(state)
        return _Received(state, conversation.status, _message_out(message), chat.seq, replies)


def _queue_notice(state: dict[str, Any], status: str, now: datetime) -> str | None:
    """Return the text key telling a queued customer they wait for a person, if due."""
    if status != "queued":
        return None
    last = state.get("queue_notice")
    if last is None:
        state["queue_notice"] = now.isoformat()
        return "queued_ack"
    if now - datetime.fromisoformat(last) >= QUEUE_REMINDER:
        state["queue_notice"] = now.isoformat()
        return "queued_still"
    return None


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _release(db: Database, chat_id: str, owner: str) -> None:
    """Give the lease back after a turn that failed before storing (no-op if not ours)."""
    with db.session() as session:
        session.execute(
            update(ChatSession)
            .where(ChatSession.id == chat_id, ChatSession.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


# Per-chat locks of this process, per event loop (an asyncio.Lock belongs to one loop);
# an entry disappears with the last message waiting on it.
_LOCAL: weakref.WeakValueDictionary[tuple[int, str], asyncio.Lock] = weakref.WeakValueDictionary()


def _local_lock(chat_id: str) -> asyncio.Lock:
    key = (id(asyncio.get_running_loop()), chat_id)
    lock = _LOCAL.get(key)
    if lock is None:
        lock = _LOCAL[key] = asyncio.Lock()
    return lock


async def _take_turn(
    db: Database, chat_id: str, access: AccessContext, understanding: Understanding, owner: str
) -> _Received:
    """Wait until the chat is free (a turn in another process may hold it), then take it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_FOR_TURN
    delay = 0.02
    while True:
        received = await run_in_threadpool(_receive, db, chat_id, access, understanding, owner)
        if received is not None:
            return received
        if loop.time() >= deadline:
            raise conflict("The assistant is still answering an earlier message; send it again")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.5)


def _knowledge(
    db: Database, text: str, language: str, intent: str | None = None, confidence: float = 0.0
) -> dict[str, Any] | None:
    with db.session(write=False) as session:
        found = knowledge_answer(session, text, language, intent=intent, confidence=confidence)
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
    owner: str,
) -> tuple[list[dict[str, Any]], str]:
    with db.session() as session:
        chat = get_session(session, chat_id, access)
        # Still ours? Then hand the lease back in the same transaction as the new state.
        released = session.execute(
            update(ChatSession)
            .where(ChatSession.id == chat.id, ChatSession.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(released) != 1:
            raise conflict("This message took too long and was overtaken; send it again")
        session.refresh(chat)
        conversation = conversations.get_conversation(session, chat.conversation_id)
        replies = list(fx.replies)
        if fx.ticket is not None:
            category, team_id = _ticket_routing(session, conversation, fx, state)
            ticket = create_ticket(
                session,
                subject=fx.ticket.subject,
                description=fx.ticket.description,
                kind=fx.ticket.kind,
                conversation=conversation,
                category=category,
                team_id=team_id,
                actor="assistant",
            )
            state.setdefault("tickets", []).append(ticket.reference)
            state["slots"]["ticket"] = ticket.reference
            key = "complaint_created" if fx.ticket.kind == "complaint" else "ticket_created"
            replies.append(say(key, understanding.language, reference=ticket.reference))
        if fx.handoff and not fx.summary:
            fx.summary = mask_sensitive(understanding.original)[:150]
        out = []
        script = str(state.get("script") or "")
        for body in replies:
            # The one place replies meet the customer's script (Traditional for HK/TW).
            message = conversations.add_message(
                session, conversation, author_type="assistant", body=to_script(body, script)
            )
            out.append(_message_out(message))
        if fx.handoff is not None and conversation.status in ("bot", "resolved"):
            conversations.hand_off(
                session, conversation, reason=fx.handoff, context=_context(state, fx, understanding)
            )
            area = product_area(state.get("intents", []), fx.handoff, understanding.text)
            _offer(session, conversation, area)
            state["handed_off"] = True
            state.pop("queue_notice", None)
        # Slots and pending tickets quote the customer: no card data in the stored state.
        chat.state = mask_deep(state)
        chat.language = understanding.language
        chat.turns += 1
        chat.updated_at = utcnow()
        session.flush()
        return out, conversation.status


def _offer(session: Session, conversation: Conversation, area: str | None) -> None:
    """Offer the conversation to the topic's team, to an agent now if one is free."""
    route(session, conversation, product_area=area)


def _ticket_routing(
    session: Session, conversation: Conversation, fx: Effects, state: dict[str, Any]
) -> tuple[str, str | None]:
    """Return the category and team of a ticket the assistant opens.

    The category is the complaint classifier's most probable one on the customer's own
    words, among the cells the task allows (a transfer trace is a transfer failure); the
    team is the one serving its product, or the complaints team for a complaint.
    """
    assert fx.ticket is not None
    ticket = fx.ticket
    said = ticket.description.split("Customer wrote:", 1)[-1].strip() or ticket.subject
    products, issues = ticket_cells(state.get("intents", []), ticket.kind, said)
    suggester = load_default_classifier()
    proba = suggester.category_proba([said])[0]
    ranked = sorted(zip(proba, suggester.codes, strict=True), reverse=True)
    fitting = [
        code
        for _, code in ranked
        if (products is None or code.split(".")[0] in products)
        and (issues is None or code.split(".")[1] in issues)
    ]
    category = fitting[0] if fitting else ranked[0][1]
    area = COMPLAINT_AREA if ticket.kind == "complaint" else category.split(".")[0]
    team = pick_team(session, conversation, area)
    return category, team.id if team else None


def chat_messages(
    session: Session, chat: ChatSession, *, after: int, limit: int, customer_too: bool
) -> tuple[list[dict[str, Any]], str]:
    """Return the chat's messages after id ``after`` (oldest first, at most ``limit``) and
    the conversation's status.

    Staff's private notes never; the customer's own messages only with ``customer_too`` (the
    event stream leaves them out: the page already shows what it sent).
    """
    query = select(Message).where(
        Message.conversation_id == chat.conversation_id,
        Message.id > after,
        Message.private.is_(False),
    )
    if not customer_too:
        query = query.where(Message.author_type != "customer")
    rows = session.execute(query.order_by(Message.id).limit(limit)).scalars()
    messages = [_message_out(m) for m in rows]
    return messages, conversations.get_conversation(session, chat.conversation_id).status


def _message_out(message: Any) -> dict[str, Any]:
    return {
        "id": message.id,
        "author": message.author_type,
        "text": message.body,
        "created_at": message.created_at.isoformat(),
    }


async def post_message(
    db: Database, transport: httpx.AsyncBaseTransport, base_url: str, chat_id: str,
    access: AccessContext, token: str, text: str, clock: BankClock | None = None,
) -> TurnResult:  # fmt: skip
    """Run one customer message through the assistant (or relay it to the agent).

    Messages of one chat run strictly one after another (see the module's docstring).
    """
    understanding = await run_in_threadpool(_understand, text)  # needs no state: outside
    understanding = await run_in_threadpool(_respell, understanding)
    sentiment = understanding.sentiment.as_dict()
    owner = secrets.token_hex(16)
    async with _local_lock(chat_id):
        received = await _take_turn(db, chat_id, access, understanding, owner)
        if received.status in WITH_PERSON:
            return TurnResult(
                received.replies, received.message, received.seq, received.status,
                understanding.intent, understanding.language, sentiment,
            )  # fmt: skip
        stored = False
        try:
            replies, status = await _run_turn(
                db, transport, base_url, chat_id, access, token, understanding, received, owner,
                clock,
            )  # fmt: skip
            stored = True
        finally:
            if not stored:
                await run_in_threadpool(_release, db, chat_id, owner)
    return TurnResult(
        replies, received.message, received.seq, status,
        understanding.intent, understanding.language, sentiment,
    )  # fmt: skip


async def _run_turn(
    db: Database, transport: httpx.AsyncBaseTransport, base_url: str, chat_id: str,
    access: AccessContext, token: str, understanding: Understanding, received: _Received,
    owner: str, clock: BankClock | None = None,
) -> tuple[list[dict[str, Any]], str]:  # fmt: skip
    """Decide and act through the API, then store the turn (holding the chat's lease)."""
    state = received.state
    _answer_script(state, understanding)
    fx_prefix: list[str] = []
    if state.get("handed_off"):
        # The agent handed the chat back: the assistant resumes with a fresh task state.
        state.update(
            handed_off=False, flow=None, pending=None, fallbacks=0, sentiments=[], angers=[]
        )
        state.pop("queue_notice", None)
        fx_prefix.append(say("resumed", understanding.language))

    async def knowledge(
        question: str, language: str, intent: str | None = None, confidence: float = 0.0
    ) -> dict[str, Any] | None:
        return await run_in_threadpool(_knowledge, db, question, language, intent, confidence)

    async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=30) as client:
        turn = Turn(state, understanding, BankApi(client, token), knowledge, clock)
        fx = await turn.run()
    fx.replies = fx_prefix + fx.replies
    return await run_in_threadpool(
        _store, db, chat_id, access, turn.state, fx, understanding, owner
    )
