"""Canned responses with variables, and suggested answers for an agent's reply box.

Variables are ``{{customer.name}}``, ``{{agent.name}}``, ``{{conversation.id}}``,
``{{ticket.reference}}`` and ``{{bank.name}}``; unknown variables stay visible so the
agent notices them before sending.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from wendu.assistant.knowledge import answer
from wendu.errors import bad_request
from wendu.helpdesk.models import CannedResponse, Conversation, Message
from wendu.kit.ids import new_id

_VARIABLE = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*\}\}")


def render(body: str, variables: dict[str, str]) -> str:
    """Replace ``{{name}}`` placeholders with their values (unknown ones are kept)."""
    return _VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), body)


def create_canned(
    session: Session,
    *,
    shortcut: str,
    body: str,
    language: str,
    team_id: str | None,
    created_by: str,
) -> CannedResponse:
    """Save a canned response."""
    if not re.fullmatch(r"[a-z0-9_\-]{1,40}", shortcut):
        raise bad_request("shortcut: 1-40 lowercase letters, digits, _ or -", path="shortcut")
    if language not in ("zh", "en"):
        raise bad_request("language must be zh or en", path="language")
    if not body.strip() or len(body) > 4000:
        raise bad_request("body must have 1-4000 characters", path="body")
    canned = CannedResponse(
        id=new_id("can"),
        shortcut=shortcut,
        body=body.strip(),
        language=language,
        team_id=team_id,
        created_by=created_by,
    )
    session.add(canned)
    session.flush()
    return canned


def list_canned(
    session: Session, *, team_ids: frozenset[str] | None, language: str | None = None
) -> list[CannedResponse]:
    """Return the canned responses shared by everyone or owned by one of ``team_ids``."""
    query = select(CannedResponse)
    if team_ids is not None:
        query = query.where(
            or_(CannedResponse.team_id.is_(None), CannedResponse.team_id.in_(team_ids))
        )
    if language:
        query = query.where(CannedResponse.language == language)
    return list(session.execute(query.order_by(CannedResponse.shortcut)).scalars())


@dataclass(frozen=True)
class SuggestedAnswer:
    """A reply an agent may send: from the knowledge base or a canned response."""

    source: str  # knowledge|canned
    ref: str
    title: str
    body: str
    score: float


def _tokens(text: str) -> set[str]:
    words = set(re.findall(r"[a-z0-9]{3,}", text.lower()))
    han = re.findall(r"[\u4e00-\u9fff]", text)
    return words | {a + b for a, b in itertools.pairwise(han)}


def _knowledge(session: Session, query: str, language: str) -> list[SuggestedAnswer]:
    """Ask the assistant's knowledge base for the article (and quote) that answers ``query``."""
    found = answer(session, query, language)
    if found is None:
        return []
    body = f"{found.quote} {found.url}"
    return [SuggestedAnswer("knowledge", found.slug, found.title, body, found.score)]


def suggest_answers(
    session: Session,
    conversation: Conversation,
    *,
    team_ids: frozenset[str] | None,
    variables: dict[str, str],
    limit: int = 3,
) -> list[SuggestedAnswer]:
    """Suggest replies to the customer's last message: knowledge base first, then canned."""
    last = session.execute(
        select(Message.body)
        .where(Message.conversation_id == conversation.id, Message.author_type == "customer")
        .order_by(Message.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if not last:
        return []
    knowledge = _knowledge(session, last, conversation.language)
    found: list[SuggestedAnswer] = []
    wanted = _tokens(last)
    for canned in list_canned(session, team_ids=team_ids, language=conversation.language):
        have = _tokens(canned.body) | _tokens(canned.shortcut.replace("_", " "))
        overlap = len(wanted & have)
        if overlap:
            score = overlap / max(len(wanted), 1)
            body = render(canned.body, variables)
            found.append(SuggestedAnswer("canned", canned.id, canned.shortcut, body, score))
    found.sort(key=lambda a: -a.score)
    return (knowledge + found)[:limit]
