"""Routing: capacity respected, nobody gets a chat while away, fair spread, skills, transfers."""

from __future__ import annotations

import secrets
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import park_teamless_queue
from wendu.db import Database
from wendu.events.models import OutboxEvent
from wendu.helpdesk.conversations import (
    add_message,
    hand_back_to_assistant,
    hand_off,
    resolve,
    start_conversation,
    transcript,
)
from wendu.helpdesk.models import AgentState, Conversation, Team, TeamMember
from wendu.helpdesk.routing import release, route, set_presence, transfer
from wendu.identity.staff import create_staff


@pytest.fixture(autouse=True)
def _park_other_modules_queue(db: Database) -> None:
    """A freed agent pulls the oldest team-less chat first: park other modules' leftovers."""
    park_teamless_queue(db)


def _team(session: Session, languages: tuple[str, ...] = ("zh", "en")) -> Team:
    team = Team(
        id=f"team_{secrets.token_hex(4)}",
        name="Cards",
        name_zh="卡片",
        languages=list(languages),
        product_areas=["cards"],
    )
    session.add(team)
    session.flush()
    return team


def _agent(
    session: Session,
    team: Team,
    *,
    capacity: int = 2,
    presence: str = "online",
    languages: tuple[str, ...] = ("zh", "en"),
) -> str:
    user = create_staff(
        session,
        username=f"agent_{secrets.token_hex(4)}",
        password="long enough",
        role="agent",
    )
    session.add(
        AgentState(
            staff_id=user.id, presence=presence, capacity=capacity, languages=list(languages)
        )
    )
    session.add(TeamMember(team_id=team.id, staff_id=user.id))
    session.flush()
    return user.id


def _queued(session: Session, team: Team, *, language: str = "zh") -> Conversation:
    conversation = start_conversation(
        session, channel="partner_chat", customer_id=None, language=language
    )
    conversation.team_id = team.id
    hand_off(session, conversation, reason="customer_asked", context={"intents": ["lost_card"]})
    return conversation


def test_capacity_is_respected_and_freed_capacity_pulls_the_queue(db: Database) -> None:
    with db.session() as session:
        team = _team(session)
        agent = _agent(session, team, capacity=2)
        conversations = [_queued(session, team) for _ in range(3)]
        assigned = [route(session, c) for c in conversations]
        assert assigned[:2] == [agent, agent]
        assert assigned[2] is None
        assert conversations[2].status == "queued"

        resolve(session, conversations[0])
        assert release(session, conversations[0]) == [conversations[2].id]
        assert conversations[2].assignee_id == agent


def test_nobody_gets_a_chat_while_away(db: Database) -> None:
    with db.session() as session:
        team = _team(session)
        agent = _agent(session, team, presence="away")
        conversation = _queued(session, team)
        assert route(session, conversation) is None
        assert conversation.status == "queued"
        assert set_presence(session, agent, "online") == [conversation.id]
        assert conversation.assignee_id == agent


def test_round_robin_spreads_work_fairly(db: Database) -> None:
    with db.session() as session:
        team = _team(session)
        agents = [_agent(session, team, capacity=5) for _ in range(3)]
        conversations = [_queued(session, team) for _ in range(9)]
        for conversation in conversations:
            route(session, conversation)
        spread = Counter(c.assignee_id for c in conversations)
        assert spread == Counter({a: 3 for a in agents})


def test_going_away_reassigns_open_conversations(db: Database) -> None:
    with db.session() as session:
        team = _team(session)
        first = _agent(session, team)
        conversation = _queued(session, team)
        assert route(session, conversation) == first
        second = _agent(session, team)
        moved = set_presence(session, first, "away")
        assert moved == [conversation.id]
        assert conversation.assignee_id == second


def test_language_skills_are_honoured(db: Database) -> None:
    with db.session() as session:
        team = _team(session)
        _agent(session, team, languages=("zh",))
        english = _queued(session, team, language="en")
        assert route(session, english) is None
        speaker = _agent(session, team, languages=("en",))
        assert route(session, english) == speaker


def test_transfer_to_agent_and_to_team(db: Database) -> None:
    with db.session() as session:
        team = _team(session)
        other_team = _team(session)
        first = _agent(session, team)
        colleague = _agent(session, other_team)
        conversation = _queued(session, team)
        route(session, conversation)
        transfer(session, conversation, to_agent_id=colleague)
        assert conversation.assignee_id == colleague
        transfer(session, conversation, to_team_id=team.id)
        assert conversation.team_id == team.id
        assert conversation.assignee_id == first


def test_handoff_carries_context_masks_text_and_emits_events(db: Database) -> None:
    with db.session() as session:
        conversation = start_conversation(
            session, channel="web_widget", customer_id=None, language="zh"
        )
        add_message(
            session,
            conversation,
            author_type="customer",
            body="卡号6222021234567890123丢了",
            sentiment=-0.8,
        )
        hand_off(
            session,
            conversation,
            reason="anger",
            context={"intents": ["lost_or_stolen_card"], "slots": {"card": "尾号0123"}},
        )
        assert conversation.priority == "high"
        assert conversation.handoff_context["slots"] == {"card": "尾号0123"}
        stored = transcript(session, conversation.id)
        assert "6222021234567890123" not in stored[0].body
        events = (
            session.execute(
                select(OutboxEvent.event_type).where(
                    OutboxEvent.subject["http://openbanking.org.uk/rid"].as_string()
                    == conversation.id
                )
            )
            .scalars()
            .all()
        )
        assert sorted(events) == ["conversation.created", "conversation.handed_off"]


def test_private_notes_stay_out_of_the_customer_transcript(db: Database) -> None:
    with db.session() as session:
        conversation = start_conversation(
            session, channel="app", customer_id=None, language="en", with_assistant=False
        )
        add_message(session, conversation, author_type="customer", body="Where is my transfer?")
        add_message(
            session, conversation, author_type="agent", body="@lead check SWIFT", private=True
        )
        add_message(session, conversation, author_type="agent", body="Looking into it now.")
        assert [m.body for m in transcript(session, conversation.id)] == [
            "Where is my transfer?",
            "Looking into it now.",
        ]
        assert len(transcript(session, conversation.id, include_private=True)) == 3
        assert conversation.first_agent_reply_at is not None


def test_hand_back_returns_the_conversation_to_the_assistant(db: Database) -> None:
    with db.session() as session:
        team = _team(session)
        _agent(session, team)
        conversation = _queued(session, team)
        route(session, conversation)
        hand_back_to_assistant(session, conversation)
        assert conversation.status == "bot"
        assert conversation.assignee_id is None
