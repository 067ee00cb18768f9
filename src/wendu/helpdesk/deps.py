"""Staff authentication of the helpdesk API: signed bearer tokens, roles and team scope.

``POST /helpdesk/v1/auth/token`` trades a username and password for a short-lived bearer
token (HMAC-signed, bound to the staff id). The console's own fetches may instead send the
staff session cookie; a write with the cookie must carry the session's CSRF token in
``X-CSRF-Token``. Agents see only their teams' queues and conversations; auditors only
read; supervisors and admins see everything.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import ColumnElement, Select, or_
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import Database
from wendu.deps import READ_METHODS, SettingsDep
from wendu.errors import forbidden, unauthorized, unknown_resource
from wendu.helpdesk.models import Conversation, Ticket
from wendu.helpdesk.routing import teams_of
from wendu.identity.models import StaffUser
from wendu.identity.sessions import subject_of
from wendu.identity.staff import MANAGER_ROLES, WRITE_ROLES
from wendu.kit.signing import derive, sign, unsign

TOKEN_PURPOSE = "helpdesk-staff-token"
TOKEN_TTL_SECONDS = 3600
CSRF_HEADER = "X-CSRF-Token"
# The console's session cookie (wendu.console.auth writes it; nothing may import the console).
SESSION_COOKIE = "wendu_staff"
SESSION_PURPOSE = "staff-session"
SESSION_MAX_AGE = 8 * 3600


def issue_token(settings: Settings, user: StaffUser) -> str:
    """Return a signed bearer token for ``user`` (valid for ``TOKEN_TTL_SECONDS``)."""
    return sign(settings.secret_key, TOKEN_PURPOSE, f"{user.id}:{secrets.token_hex(8)}")


@dataclass(frozen=True)
class Staff:
    """The authenticated staff member of a request and the teams they belong to."""

    user: StaffUser
    team_ids: frozenset[str]

    @property
    def id(self) -> str:
        """Return the staff id."""
        return self.user.id

    @property
    def role(self) -> str:
        """Return the role."""
        return self.user.role

    @property
    def sees_all(self) -> bool:
        """Return True for roles that see every team's work (everyone but agents)."""
        return self.user.role != "agent"

    @property
    def is_manager(self) -> bool:
        """Return True for supervisors and admins."""
        return self.user.role in MANAGER_ROLES

    def in_queues(
        self, query: Select[Any], model: type[Conversation] | type[Ticket]
    ) -> Select[Any]:
        """Limit ``query`` over conversations or tickets to the staff member's queues."""
        if self.sees_all:
            return query
        mine: ColumnElement[bool] = or_(
            model.team_id.in_(self.team_ids), model.assignee_id == self.id
        )
        return query.where(mine)

    def can_see_conversation(self, conversation: Conversation) -> bool:
        """Return True when the conversation is in one of the staff member's queues."""
        if self.sees_all:
            return True
        return conversation.assignee_id == self.id or conversation.team_id in self.team_ids

    def in_queue(self, item: Conversation | Ticket) -> bool:
        """Return True when a conversation or ticket is in the staff member's queues."""
        if isinstance(item, Conversation):
            return self.can_see_conversation(item)
        return self.can_see_ticket(item)

    def can_see_ticket(self, ticket: Ticket) -> bool:
        """Return True when the ticket is in one of the staff member's queues."""
        if self.sees_all:
            return True
        return ticket.assignee_id == self.id or ticket.team_id in self.team_ids


def staff_of(session: Session, user: StaffUser) -> Staff:
    """Return the helpdesk's view of a staff user: role and teams."""
    return Staff(user=user, team_ids=frozenset(teams_of(session, user.id)))


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _staff_id(request: Request, settings: Settings) -> tuple[str, str | None]:
    """Return the staff id the request names and, for the console cookie, its session
    payload (which the caller checks is a live session)."""
    token = _bearer(request)
    if token is not None:
        value = unsign(settings.secret_key, TOKEN_PURPOSE, token, max_age_seconds=TOKEN_TTL_SECONDS)
        if value is None:
            raise unauthorized("The staff token is invalid or expired")
        return value.split(":", 1)[0], None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        value = unsign(
            settings.secret_key, SESSION_PURPOSE, cookie, max_age_seconds=SESSION_MAX_AGE
        )
        if value is not None:
            if request.method not in READ_METHODS:
                sent = request.headers.get(CSRF_HEADER, "")
                expected = derive(settings.secret_key, "csrf", cookie)
                if not sent or not secrets.compare_digest(sent, expected):
                    raise forbidden("A console write needs the session's X-CSRF-Token header")
            return value.split(":", 1)[0], value
    raise unauthorized("A staff bearer token is required")


def get_current_staff(request: Request, settings: SettingsDep) -> Staff:
    """Return the signed-in staff member; auditors are refused on every write (403).

    A plain ``def`` with its own short read session: it runs on a worker thread and never
    holds the request's write transaction (SQLite writers queue on BEGIN IMMEDIATE, and a
    lookup blocking the event loop there would stall the commit that frees the lock).
    """
    staff_id, cookie_session = _staff_id(request, settings)
    db: Database = request.app.state.db
    with db.session(write=False) as session:
        if cookie_session is not None and subject_of(session, "staff", cookie_session) is None:
            raise unauthorized("The console session has ended; sign in again")
        user = session.get(StaffUser, staff_id)
        if user is None or not user.active:
            raise unauthorized("The staff account is not active")
        staff = staff_of(session, user)
    audit = request.scope.setdefault("state", {}).setdefault("audit", {})
    audit.update(actor_type="staff", actor_id=user.username)
    if request.method not in READ_METHODS and user.role not in WRITE_ROLES:
        raise forbidden("Your role is read-only", key="read_only")
    return staff


async def get_manager(staff: Annotated[Staff, Depends(get_current_staff)]) -> Staff:
    """Return the staff member when they are a supervisor or an admin, else 403."""
    if not staff.is_manager:
        raise forbidden("Only supervisors and admins may do this")
    return staff


CurrentStaff = Annotated[Staff, Depends(get_current_staff)]
ManagerStaff = Annotated[Staff, Depends(get_manager)]


def visible_conversation(session: Session, staff: Staff, conversation_id: str) -> Conversation:
    """Return the conversation, or 400 U004 when unknown or outside the staff's queues."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or not staff.can_see_conversation(conversation):
        raise unknown_resource("conversation")
    return conversation


def visible_ticket(session: Session, staff: Staff, ticket_id: str) -> Ticket:
    """Return the ticket, or 400 U004 when unknown or outside the staff's queues."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or not staff.can_see_ticket(ticket):
        raise unknown_resource("ticket")
    return ticket
