"""Routing of queued conversations to agents: skills, presence, capacity and round robin.

An agent is eligible when online, a member of a team that serves the conversation's
language (and product area, when known), and below capacity. Among eligible agents the
one assigned longest ago goes first (round robin). Agents who go away or offline hand their
open conversations back to the queue, which is then routed again.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import bad_request, conflict, unknown_resource
from wendu.helpdesk.models import PRESENCE, AgentState, Conversation, Team, TeamMember
from wendu.identity.models import StaffUser

_PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
# Routing decisions read every candidate agent's load and then write one of them; taking
# agents' row locks in load order deadlocked under concurrent hand-offs on PostgreSQL, so
# one transaction-scoped advisory lock serialises the decisions (SQLite already does).
ROUTING_LOCK_KEY = 0x77656E6475726F75


def _serialise(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROUTING_LOCK_KEY})


def _load(session: Session, conversation_id: str) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise unknown_resource("conversation")
    return conversation


def open_load(session: Session, staff_id: str) -> int:
    """Return how many open conversations ``staff_id`` is handling."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.assignee_id == staff_id, Conversation.status == "assigned")
        ).scalar_one()
    )


def teams_of(session: Session, staff_id: str) -> list[str]:
    """Return the ids of the teams ``staff_id`` belongs to."""
    return list(
        session.execute(select(TeamMember.team_id).where(TeamMember.staff_id == staff_id)).scalars()
    )


def pick_team(
    session: Session, conversation: Conversation, product_area: str | None
) -> Team | None:
    """Return the team that serves the conversation's language (and product area)."""
    teams = session.execute(select(Team).order_by(Team.created_at, Team.id)).scalars().all()
    speaking = [t for t in teams if conversation.language in (t.languages or [])]
    if product_area:
        specialised = [t for t in speaking if product_area in (t.product_areas or [])]
        if specialised:
            return specialised[0]
    return speaking[0] if speaking else None


def _eligible_agents(session: Session, conversation: Conversation) -> list[AgentState]:
    members = select(TeamMember.staff_id)
    if conversation.team_id:
        members = members.where(TeamMember.team_id == conversation.team_id)
    query = (
        select(AgentState)
        .join(StaffUser, StaffUser.id == AgentState.staff_id)
        .where(
            AgentState.presence == "online",
            StaffUser.active.is_(True),
            AgentState.staff_id.in_(members),
        )
        .order_by(AgentState.last_assigned_at.asc().nulls_first(), AgentState.staff_id)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Serialise capacity checks per agent across processes.
        query = query.with_for_update(of=AgentState)
    agents = []
    for agent in session.execute(query).scalars():
        if conversation.language not in (agent.languages or [conversation.language]):
            continue
        if open_load(session, agent.staff_id) < agent.capacity:
            agents.append(agent)
    return agents


def route(
    session: Session, conversation: Conversation, *, product_area: str | None = None
) -> str | None:
    """Assign a queued conversation to the next eligible agent; return the agent id or None."""
    if conversation.status != "queued":
        return conversation.assignee_id
    _serialise(session)
    if conversation.team_id is None:
        team = pick_team(session, conversation, product_area)
        conversation.team_id = team.id if team else None
    agents = _eligible_agents(session, conversation)
    if not agents:
        session.flush()
        return None
    return _assign(session, conversation, agents[0])


def _assign(session: Session, conversation: Conversation, agent: AgentState) -> str:
    now = utcnow()
    conversation.assignee_id = agent.staff_id
    conversation.status = "assigned"
    conversation.assigned_at = now
    conversation.updated_at = now
    agent.last_assigned_at = now
    session.flush()
    return agent.staff_id


def fill_agent(session: Session, staff_id: str) -> list[str]:
    """Give a free agent the oldest, most urgent queued conversations of their teams."""
    _serialise(session)
    agent = session.get(AgentState, staff_id)
    if agent is None or agent.presence != "online":
        return []
    team_ids = teams_of(session, staff_id)
    free = agent.capacity - open_load(session, staff_id)
    if free <= 0 or not team_ids:
        return []
    query = select(Conversation).where(
        Conversation.status == "queued",
        (Conversation.team_id.in_(team_ids)) | (Conversation.team_id.is_(None)),
    )
    if agent.languages:
        query = query.where(Conversation.language.in_(agent.languages))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    waiting = sorted(
        session.execute(query.order_by(Conversation.queued_at).limit(free * 4)).scalars(),
        key=lambda c: (_PRIORITY_ORDER.get(c.priority, 2), c.queued_at or c.created_at),
    )
    assigned = []
    for conversation in waiting[:free]:
        assigned.append(conversation.id)
        _assign(session, conversation, agent)
    return assigned


def set_presence(session: Session, staff_id: str, presence: str) -> list[str]:
    """Change an agent's presence; return the conversations that moved because of it.

    Going online pulls waiting work; going away or offline puts the agent's open
    conversations back in the queue and routes them to colleagues.
    """
    if presence not in PRESENCE:
        raise bad_request(
            f"presence must be one of {', '.join(PRESENCE)}",
            path="presence",
            key="invalid_presence",
        )
    _serialise(session)
    agent = session.get(AgentState, staff_id)
    if agent is None:
        raise unknown_resource("agent")
    agent.presence = presence
    agent.presence_changed_at = utcnow()
    session.flush()
    if presence == "online":
        return fill_agent(session, staff_id)
    moved = []
    mine = session.execute(
        select(Conversation).where(
            Conversation.assignee_id == staff_id, Conversation.status == "assigned"
        )
    ).scalars()
    for conversation in list(mine):
        conversation.status = "queued"
        conversation.assignee_id = None
        conversation.queued_at = conversation.queued_at or utcnow()
        session.flush()
        route(session, conversation)
        moved.append(conversation.id)
    return moved


def transfer(
    session: Session,
    conversation: Conversation,
    *,
    to_agent_id: str | None = None,
    to_team_id: str | None = None,
) -> Conversation:
    """Move a conversation to another agent or team (a team transfer re-queues it)."""
    if conversation.status not in ("queued", "assigned"):
        raise conflict(
            "only a conversation with a person can be transferred", key="not_with_person"
        )
    if (to_agent_id is None) == (to_team_id is None):
        raise bad_request("give exactly one of to_agent_id and to_team_id", key="transfer_target")
    _serialise(session)
    now = utcnow()
    if to_team_id is not None:
        if session.get(Team, to_team_id) is None:
            raise unknown_resource("team")
        conversation.team_id = to_team_id
        conversation.assignee_id = None
        conversation.status = "queued"
        conversation.updated_at = now
        session.flush()
        route(session, conversation)
        return conversation
    agent = session.get(AgentState, to_agent_id)
    if agent is None or agent.presence == "offline":
        raise conflict("that agent is not available", key="agent_unavailable")
    previous = conversation.assignee_id
    _assign(session, conversation, agent)
    if previous and previous != agent.staff_id:
        fill_agent(session, previous)
    return conversation


def release(session: Session, conversation: Conversation) -> list[str]:
    """Let the agent of a finished conversation take the next waiting one."""
    if conversation.assignee_id is None:
        return []
    return fill_agent(session, conversation.assignee_id)
