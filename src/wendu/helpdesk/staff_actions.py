"""What every staff action does besides its own work: the audit entry and the agent's pulse."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from wendu.audit import record
from wendu.db import utcnow
from wendu.helpdesk.deps import Staff
from wendu.helpdesk.models import AgentState


def audit_staff_action(session: Session, staff: Staff, action: str, **detail: Any) -> None:
    """Record ``helpdesk.<action>`` by ``staff`` in the audit trail, in the caller's transaction."""
    record(
        session,
        actor_type="staff",
        actor_id=staff.user.username,
        action=f"helpdesk.{action}",
        detail={k: v for k, v in detail.items() if v is not None} or None,
    )


def touch_agent(session: Session, staff: Staff) -> None:
    """Record that the agent is active (write requests only: reads never take a write lock)."""
    agent = session.get(AgentState, staff.id)
    if agent is not None:
        agent.last_seen_at = utcnow()
