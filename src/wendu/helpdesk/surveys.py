"""Customer experience surveys: CSAT after resolution (in-channel, one reminder), NPS on a schedule.

A survey is sent as a system message in the customer's conversation carrying a signed
survey token; the customer answers through ``/helpdesk/v1/surveys/{token}`` without any
staff or partner credential. Questions and scale come from ``HelpdeskSettings``.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import utcnow
from wendu.errors import bad_request, conflict, unauthorized
from wendu.events import Subject, publish
from wendu.events.types import CSAT_RECEIVED
from wendu.helpdesk.conversations import add_message
from wendu.helpdesk.models import Conversation, Survey, Ticket, TicketConversation
from wendu.kit.ids import new_id
from wendu.kit.masking import mask_sensitive
from wendu.kit.signing import sign, unsign

TOKEN_PURPOSE = "helpdesk-survey"
DEFAULT_CSAT_QUESTIONS = (
    {"id": "overall", "zh": "您对本次服务满意吗？", "en": "How satisfied are you with our help?"},
    {
        "id": "solved",
        "zh": "您的问题解决了吗？",
        "en": "Was your problem solved?",
        "type": "yes_no",
    },
)
NPS_QUESTION = {
    "id": "recommend",
    "zh": "您有多大可能向朋友推荐我们？",
    "en": "How likely are you to recommend us to a friend?",
}


class HelpdeskSettings(BaseSettings):
    """Survey and job tunables, read from ``WENDU_HELPDESK_*``."""

    model_config = SettingsConfigDict(env_prefix="WENDU_HELPDESK_", env_file=".env", extra="ignore")

    csat_scale: int = 5
    csat_questions_json: str = json.dumps(DEFAULT_CSAT_QUESTIONS, ensure_ascii=False)
    csat_reminder_after_hours: float = 24.0
    survey_valid_days: int = 7
    nps_interval_days: int = 90
    nps_after_contact_days: int = 30
    agent_idle_minutes: float = 15.0
    jobs_interval_seconds: float = 30.0

    @property
    def csat_questions(self) -> list[dict[str, Any]]:
        """Return the configured CSAT questions."""
        questions: list[dict[str, Any]] = json.loads(self.csat_questions_json)
        return questions


@lru_cache(maxsize=1)
def get_helpdesk_settings() -> HelpdeskSettings:
    """Return the process-wide helpdesk settings."""
    return HelpdeskSettings()


def survey_token(settings: Settings, survey: Survey) -> str:
    """Return the signed token the customer answers ``survey`` with."""
    return sign(settings.secret_key, TOKEN_PURPOSE, survey.id)


def survey_from_token(session: Session, settings: Settings, token: str) -> Survey:
    """Return the survey behind a token, or raise 401."""
    max_age = get_helpdesk_settings().survey_valid_days * 86400
    survey_id = unsign(settings.secret_key, TOKEN_PURPOSE, token, max_age_seconds=max_age)
    survey = session.get(Survey, survey_id) if survey_id else None
    if survey is None:
        raise unauthorized("The survey link is invalid or expired")
    return survey


def _link(settings: Settings, survey: Survey) -> str:
    return f"{settings.public_url}/helpdesk/v1/surveys/{survey_token(settings, survey)}"


def _invite(conversation: Conversation, survey: Survey, link: str, *, reminder: bool) -> str:
    zh = conversation.language == "zh"
    if survey.kind == "nps":
        lead = "想听听您的意见：" if zh else "We'd value your view: "
    elif reminder:
        lead = "提醒：请为本次服务打分 " if zh else "Reminder: please rate our help "
    else:
        lead = "请为本次服务打分 " if zh else "Please rate our help "
    return f"{lead}(1-{survey.scale}) {link}"


def _ticket_category(session: Session, conversation_id: str) -> str | None:
    return session.execute(
        select(Ticket.category)
        .join(TicketConversation, TicketConversation.ticket_id == Ticket.id)
        .where(TicketConversation.conversation_id == conversation_id)
        .order_by(Ticket.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def _intent(conversation: Conversation) -> str | None:
    context = conversation.handoff_context or {}
    intents = context.get("intents") or []
    if isinstance(intents, list) and intents:
        last = intents[-1]
        return str(last.get("name") if isinstance(last, dict) else last)[:60]
    intent = context.get("intent")
    return str(intent)[:60] if intent else None


def send_csat(session: Session, settings: Settings, conversation: Conversation) -> Survey:
    """Send the CSAT survey in the conversation's channel (once per conversation)."""
    existing = session.execute(
        select(Survey).where(Survey.conversation_id == conversation.id, Survey.kind == "csat")
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    config = get_helpdesk_settings()
    now = utcnow()
    survey = Survey(
        id=new_id("srv"),
        kind="csat",
        customer_id=conversation.customer_id,
        conversation_id=conversation.id,
        channel=conversation.channel,
        partner_id=conversation.partner_id,
        intent=_intent(conversation),
        category=_ticket_category(session, conversation.id),
        questions=config.csat_questions,
        scale=config.csat_scale,
        sent_at=now,
        expires_at=now + dt.timedelta(days=config.survey_valid_days),
    )
    session.add(survey)
    session.flush()
    body = _invite(conversation, survey, _link(settings, survey), reminder=False)
    add_message(session, conversation, author_type="system", body=body)
    return survey


def send_reminder(session: Session, settings: Settings, survey: Survey) -> bool:
    """Send the survey's one reminder; return False when it was already reminded or answered."""
    if survey.reminded_at is not None or survey.answered_at is not None:
        return False
    conversation = session.get(Conversation, survey.conversation_id or "")
    if conversation is None or conversation.status == "closed":
        survey.reminded_at = utcnow()  # nowhere to remind: never try again
        session.flush()
        return False
    body = _invite(conversation, survey, _link(settings, survey), reminder=True)
    add_message(session, conversation, author_type="system", body=body)
    survey.reminded_at = utcnow()
    session.flush()
    return True


def send_nps(session: Session, settings: Settings, conversation: Conversation) -> Survey:
    """Send an NPS survey (0-10) in the customer's latest conversation."""
    now = utcnow()
    survey = Survey(
        id=new_id("srv"),
        kind="nps",
        customer_id=conversation.customer_id,
        conversation_id=conversation.id,
        channel=conversation.channel,
        partner_id=conversation.partner_id,
        intent=_intent(conversation),
        category=_ticket_category(session, conversation.id),
        questions=[NPS_QUESTION],
        scale=10,
        reminded_at=now,  # NPS gets no reminder
        sent_at=now,
        expires_at=now + dt.timedelta(days=get_helpdesk_settings().survey_valid_days),
    )
    session.add(survey)
    session.flush()
    if conversation.status != "closed":
        body = _invite(conversation, survey, _link(settings, survey), reminder=False)
        add_message(session, conversation, author_type="system", body=body)
    return survey


def answer_survey(
    session: Session,
    survey: Survey,
    *,
    score: int,
    answers: dict[str, Any] | None = None,
    comment: str | None = None,
) -> Survey:
    """Record the customer's answer (once); a CSAT answer publishes ``csat.received``."""
    if survey.answered_at is not None:
        raise conflict("the survey was already answered")
    now = utcnow()
    if survey.expires_at is not None and survey.expires_at < now:
        raise conflict("the survey has expired")
    low = 0 if survey.kind == "nps" else 1
    if not low <= score <= survey.scale:
        raise bad_request(f"score must be between {low} and {survey.scale}", path="score")
    known = {q["id"] for q in survey.questions}
    clean = {k: v for k, v in (answers or {}).items() if k in known}
    if len(json.dumps(clean)) > 4000:
        raise bad_request("answers are too long", path="answers")
    survey.score = score
    survey.answers = clean or None
    survey.comment = mask_sensitive(comment.strip())[:2000] if comment else None
    survey.answered_at = now
    session.flush()
    if survey.kind == "csat":
        publish(
            session,
            event_type=CSAT_RECEIVED,
            partner_id=survey.partner_id,
            subject=Subject(
                resource_id=survey.conversation_id or survey.id, resource_type="conversation"
            ),
            payload={"survey_id": survey.id, "score": score, "scale": survey.scale},
        )
    return survey
