"""HTTP routes of the helpdesk API (staff bearer tokens) and its customer-facing channel.

Staff routes: ``/helpdesk/v1/...`` behind :data:`CurrentStaff` (agents limited to their
teams' queues, auditors read-only). Customer routes: ``/helpdesk/v1/channel/...`` with a
signed conversation token, and ``/helpdesk/v1/surveys/{token}``.

Each handler opens and ends its own transaction on the worker thread it runs on (not the
request-scoped ``SessionDep``, whose commit hops to another thread): under hundreds of
concurrent chats on SQLite, writers queued on the write lock would otherwise hold every
worker thread while the lock holder waits for one to commit, and read sessions would hold
pooled connections while waiting for a thread to close them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wendu.audit import record
from wendu.config import Settings
from wendu.db import utcnow
from wendu.deps import DatabaseDep, SettingsDep
from wendu.errors import (
    bad_request,
    conflict,
    forbidden,
    sandbox_only,
    unauthorized,
    unknown_resource,
)
from wendu.helpdesk import actions, reports, routing, surveys, tickets
from wendu.helpdesk import canned as canned_service
from wendu.helpdesk import conversations as conv_service
from wendu.helpdesk.customer360 import CustomerView, customer_view
from wendu.helpdesk.deps import (
    TOKEN_TTL_SECONDS,
    CurrentStaff,
    ManagerStaff,
    Staff,
    issue_token,
    visible_conversation,
    visible_ticket,
)
from wendu.helpdesk.models import (
    AgentState,
    Conversation,
    Incident,
    Team,
    TeamMember,
    Ticket,
)
from wendu.helpdesk.schemas import (
    AgentOut,
    AssignIn,
    CannedIn,
    CannedOut,
    ChannelMessageIn,
    ChannelMessagesOut,
    ChannelStartIn,
    ChannelStartOut,
    ClockOut,
    ConversationDetail,
    ConversationIn,
    ConversationOut,
    CustomerOut,
    HandoffIn,
    IncidentOut,
    LinkIn,
    MemberIn,
    MessageIn,
    MessageOut,
    PresenceIn,
    PresenceOut,
    RenderedOut,
    ReplyIn,
    StaffOut,
    StatusIn,
    SuggestedAnswerOut,
    SurveyAnswerIn,
    SurveyOut,
    TeamIn,
    TeamOut,
    TicketDetail,
    TicketEventOut,
    TicketIn,
    TicketOut,
    TicketPatch,
    TimelineItemOut,
    TokenRequest,
    TokenResponse,
    TransferIn,
)
from wendu.helpdesk.staff_actions import audit_staff_action
from wendu.identity.staff import sign_in
from wendu.kit.ids import MAX_ROW_ID
from wendu.kit.instants import in_range
from wendu.kit.signing import sign, unsign
from wendu.ledger.port import CoreBank
from wendu.ledger.sandbox import core_bank_for
from wendu.ratelimit import RateLimiter
from wendu.web import record_rate_limit

router = APIRouter(prefix="/helpdesk/v1", tags=["Helpdesk"])

CHANNEL_PURPOSE = "helpdesk-channel"
CHANNEL_TOKEN_MAX_AGE = 24 * 3600


# Auth -------------------------------------------------------------------------------------


@router.post("/auth/token", operation_id="helpdesk_token")
def create_token(
    body: TokenRequest, request: Request, db: DatabaseDep, settings: SettingsDep
) -> TokenResponse:
    """Trade a staff username and password for a short-lived bearer token.

    Failures are throttled per account and per client IP (429 with ``Retry-After`` once
    locked) and recorded in the audit trail.
    """
    client = request.client.host if request.client else "unknown"
    with db.session() as session:
        user = sign_in(
            session,
            request.app.state.signin_throttle,
            body.username,
            body.password,
            client_ip=client,
            channel="api",
        )
        if user is not None:
            record(session, actor_type="staff", actor_id=user.username, action="helpdesk.token")
            return TokenResponse(
                access_token=issue_token(settings, user),
                expires_in=TOKEN_TTL_SECONDS,
                role=user.role,
                staff_id=user.id,
            )
    raise unauthorized("Unknown username or wrong password")  # the failure's audit committed


@router.get("/me", operation_id="helpdesk_me")
def me(staff: CurrentStaff) -> StaffOut:
    """Return the signed-in staff member and their teams."""
    u = staff.user
    return StaffOut(
        id=u.id,
        username=u.username,
        display_name=u.display_name,
        role=u.role,
        team_ids=sorted(staff.team_ids),
    )


# Teams and agents -------------------------------------------------------------------------


@router.get("/teams", operation_id="helpdesk_list_teams")
def list_teams(staff: CurrentStaff, db: DatabaseDep) -> list[TeamOut]:
    """List the teams (agents: their own)."""
    with db.session(write=False) as session:
        query = select(Team).order_by(Team.id)
        if not staff.sees_all:
            query = query.where(Team.id.in_(staff.team_ids))
        return [TeamOut.model_validate(t) for t in session.execute(query).scalars()]


@router.post("/teams", status_code=201, operation_id="helpdesk_create_team")
def create_team(body: TeamIn, staff: ManagerStaff, db: DatabaseDep) -> TeamOut:
    """Create a team (supervisors and admins)."""
    with db.session() as session:
        team = actions.create_team(
            session,
            staff,
            team_id=body.id,
            name=body.name,
            name_zh=body.name_zh,
            languages=body.languages,
            product_areas=body.product_areas,
        )
        return TeamOut.model_validate(team)


@router.post("/teams/{team_id}/members", status_code=201, operation_id="helpdesk_add_member")
def add_member(team_id: str, body: MemberIn, staff: ManagerStaff, db: DatabaseDep) -> AgentOut:
    """Add a staff member to a team, creating their routing state (capacity, languages)."""
    with db.session() as session:
        agent = actions.add_member(
            session,
            staff,
            team_id,
            body.staff_id,
            capacity=body.capacity,
            languages=body.languages,
            product_areas=body.product_areas,
        )
        return AgentOut.model_validate(agent)


@router.get("/agents", operation_id="helpdesk_list_agents")
def list_agents(staff: CurrentStaff, db: DatabaseDep) -> list[AgentOut]:
    """List agents with presence and open load (agents: their teams' colleagues)."""
    with db.session(write=False) as session:
        query = select(AgentState).order_by(AgentState.staff_id)
        if not staff.sees_all:
            members = select(TeamMember.staff_id).where(TeamMember.team_id.in_(staff.team_ids))
            query = query.where(AgentState.staff_id.in_(members))
        loads = dict(
            session.execute(
                select(Conversation.assignee_id, func.count())
                .where(Conversation.status == "assigned")
                .group_by(Conversation.assignee_id)
            ).all()
        )
        out = []
        for agent in session.execute(query).scalars():
            item = AgentOut.model_validate(agent)
            item.load = int(loads.get(agent.staff_id, 0))
            out.append(item)
        return out


@router.put("/agents/me/presence", operation_id="helpdesk_set_presence")
def set_my_presence(body: PresenceIn, staff: CurrentStaff, db: DatabaseDep) -> PresenceOut:
    """Go online (pulls waiting chats), away or offline (hands open chats to colleagues)."""
    with db.session() as session:
        moved = actions.set_presence(session, staff, body.presence)
        return PresenceOut(presence=body.presence, moved=moved)


# Conversations --------------------------------------------------------------------------


@router.post("/conversations", status_code=201, operation_id="helpdesk_create_conversation")
def create_conversation(
    body: ConversationIn, staff: CurrentStaff, db: DatabaseDep
) -> ConversationOut:
    """Open a conversation from any channel: e-mail received, phone notes typed by an agent."""
    with db.session() as session:
        actions.check_team(session, staff, body.team_id)
        conversation = conv_service.start_conversation(
            session,
            channel=body.channel,
            customer_id=body.customer_id,
            language=body.language,
            subject=body.subject,
            with_assistant=False,
        )
        conversation.opened_by = staff.id
        conversation.team_id = body.team_id or (
            next(iter(sorted(staff.team_ids)), None) if not staff.sees_all else None
        )
        author = body.author
        conv_service.add_message(
            session,
            conversation,
            author_type=author,
            author_id=staff.id if author == "agent" else None,
            body=body.body,
        )
        if body.assign_to_me:
            agent = session.get(AgentState, staff.id)
            if agent is None:
                raise conflict("you are not an agent of any team", key="not_an_agent")
            routing.transfer(session, conversation, to_agent_id=staff.id)
        else:
            routing.route(session, conversation)
        audit_staff_action(session, staff, "conversation.create", conversation_id=conversation.id)
        return ConversationOut.model_validate(conversation)


@router.get("/conversations", operation_id="helpdesk_inbox")
def inbox(
    staff: CurrentStaff,
    db: DatabaseDep,
    view: Annotated[str, Query(pattern="^(queued|assigned|mine|open|all)$")] = "open",
    channel: str | None = None,
    team_id: str | None = None,
    customer_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ConversationOut]:
    """List the inbox: queued, assigned, mine, open (queued+assigned) or all."""
    with db.session(write=False) as session:
        rows = actions.inbox(
            session,
            staff,
            view,
            channel=channel,
            team_id=team_id,
            customer_id=customer_id,
            limit=limit,
        )
        return [ConversationOut.model_validate(c) for c in rows]


def _bank(request: Request, session: Session) -> CoreBank:
    return core_bank_for(request.app.state, session)


def _customer_out(view: CustomerView) -> CustomerOut:
    return CustomerOut(
        customer_id=view.customer_id,
        name=view.name,
        sentiment=view.sentiment,
        consents=view.consents,
        timeline=[TimelineItemOut(**asdict(i)) for i in view.timeline],
    )


@router.get("/conversations/{conversation_id}", operation_id="helpdesk_get_conversation")
def get_conversation(
    conversation_id: str, request: Request, staff: CurrentStaff, db: DatabaseDep
) -> ConversationDetail:
    """Return a conversation with its transcript (private notes included) and customer timeline."""
    with db.session(write=False) as session:
        view = actions.conversation_view(session, staff, conversation_id, _bank(request, session))
        return ConversationDetail(
            conversation=ConversationOut.model_validate(view.conversation),
            messages=[MessageOut.model_validate(m) for m in view.messages],
            ticket_ids=view.ticket_ids,
            customer=_customer_out(view.customer) if view.customer is not None else None,
        )


@router.post(
    "/conversations/{conversation_id}/messages",
    status_code=201,
    operation_id="helpdesk_post_message",
)
def post_message(
    conversation_id: str,
    body: MessageIn,
    request: Request,
    staff: CurrentStaff,
    db: DatabaseDep,
) -> MessageOut:
    """Reply to the customer, or write a private note with @mentions (canned bodies rendered)."""
    with db.session() as session:
        conversation = visible_conversation(session, staff, conversation_id)
        text = actions.reply_text(
            session,
            staff,
            body.body,
            body.canned_id,
            lambda: actions.canned_variables(
                session, staff, conversation, request.app.state.settings, _bank(request, session)
            ),
        )
        if not text:
            raise bad_request("give body or canned_id", path="body")
        message = actions.post_message(
            session, staff, conversation, text, private=body.private, mentions=body.mentions
        )
        return MessageOut.model_validate(message)


@router.post("/conversations/{conversation_id}/handoff", operation_id="helpdesk_handoff")
def handoff(
    conversation_id: str, body: HandoffIn, staff: CurrentStaff, db: DatabaseDep
) -> ConversationOut:
    """Queue a conversation for a person (with the assistant's context) and route it."""
    with db.session() as session:
        conversation = visible_conversation(session, staff, conversation_id)
        conv_service.hand_off(
            session, conversation, reason=body.reason, context=body.context, priority=body.priority
        )
        routing.route(session, conversation, product_area=body.product_area)
        audit_staff_action(session, staff, "conversation.handoff", conversation_id=conversation.id)
        return ConversationOut.model_validate(conversation)


@router.post("/conversations/{conversation_id}/assign", operation_id="helpdesk_assign")
def assign(
    conversation_id: str, body: AssignIn, staff: CurrentStaff, db: DatabaseDep
) -> ConversationOut:
    """Take a conversation (no agent_id) or give it to an agent (supervisors, admins)."""
    with db.session() as session:
        conversation = actions.assign(session, staff, conversation_id, body.agent_id)
        return ConversationOut.model_validate(conversation)


@router.post("/conversations/{conversation_id}/transfer", operation_id="helpdesk_transfer")
def transfer(
    conversation_id: str, body: TransferIn, staff: CurrentStaff, db: DatabaseDep
) -> ConversationOut:
    """Transfer to another agent or team (a team transfer re-queues and routes it)."""
    with db.session() as session:
        conversation = actions.transfer(
            session,
            staff,
            conversation_id,
            to_agent_id=body.to_agent_id,
            to_team_id=body.to_team_id,
        )
        return ConversationOut.model_validate(conversation)


@router.post("/conversations/{conversation_id}/hand-back", operation_id="helpdesk_hand_back")
def hand_back(conversation_id: str, staff: CurrentStaff, db: DatabaseDep) -> ConversationOut:
    """Hand the conversation back to the assistant; the agent takes the next waiting chat."""
    with db.session() as session:
        conversation = actions.hand_back(session, staff, conversation_id)
        return ConversationOut.model_validate(conversation)


@router.post("/conversations/{conversation_id}/resolve", operation_id="helpdesk_resolve")
def resolve(
    conversation_id: str, staff: CurrentStaff, db: DatabaseDep, settings: SettingsDep
) -> ConversationOut:
    """Resolve the conversation, send the CSAT survey in-channel, free the agent."""
    with db.session() as session:
        conversation = actions.resolve(session, settings, staff, conversation_id)
        return ConversationOut.model_validate(conversation)


@router.get(
    "/conversations/{conversation_id}/suggestions", operation_id="helpdesk_suggested_answers"
)
def suggestions(
    conversation_id: str, request: Request, staff: CurrentStaff, db: DatabaseDep
) -> list[SuggestedAnswerOut]:
    """Suggest replies to the customer's last message (knowledge base, then canned)."""
    with db.session(write=False) as session:
        conversation = visible_conversation(session, staff, conversation_id)
        variables = actions.canned_variables(
            session, staff, conversation, request.app.state.settings, _bank(request, session)
        )
        found = actions.suggested_answers(session, staff, conversation, variables)
        return [SuggestedAnswerOut(**asdict(a)) for a in found]


@router.get("/customers/{customer_id}", operation_id="helpdesk_customer_360")
def customer(
    customer_id: str, request: Request, staff: CurrentStaff, db: DatabaseDep
) -> CustomerOut:
    """Return the customer's timeline (agents: only customers with a chat in their queues)."""
    with db.session(write=False) as session:
        if not actions.has_visible_conversation(session, staff, customer_id):
            raise unknown_resource("customer")
        bank = _bank(request, session)
        return _customer_out(customer_view(session, bank, customer_id, scope=staff.in_queue))


# Canned responses -------------------------------------------------------------------------


@router.get("/canned", operation_id="helpdesk_list_canned")
def list_canned(
    staff: CurrentStaff, db: DatabaseDep, language: str | None = None
) -> list[CannedOut]:
    """List canned responses (agents: shared ones and their teams')."""
    with db.session(write=False) as session:
        return [CannedOut.model_validate(c) for c in actions.canned_list(session, staff, language)]


@router.post("/canned", status_code=201, operation_id="helpdesk_create_canned")
def create_canned(body: CannedIn, staff: CurrentStaff, db: DatabaseDep) -> CannedOut:
    """Save a canned response (agents only for their own teams)."""
    with db.session() as session:
        canned = actions.create_canned(
            session,
            staff,
            shortcut=body.shortcut,
            body=body.body,
            language=body.language,
            team_id=body.team_id,
        )
        return CannedOut.model_validate(canned)


@router.get("/canned/{canned_id}/render", operation_id="helpdesk_render_canned")
def render_canned(
    canned_id: str,
    conversation_id: str,
    request: Request,
    staff: CurrentStaff,
    db: DatabaseDep,
) -> RenderedOut:
    """Render a canned response for a conversation (fills the variables)."""
    with db.session(write=False) as session:
        canned = actions.visible_canned(session, staff, canned_id)
        conversation = visible_conversation(session, staff, conversation_id)
        variables = actions.canned_variables(
            session, staff, conversation, request.app.state.settings, _bank(request, session)
        )
        return RenderedOut(body=canned_service.render(canned.body, variables))


# Tickets ---------------------------------------------------------------------------------


def _ticket_detail(session: Session, ticket: Ticket) -> TicketDetail:
    view = actions.ticket_view(session, ticket)
    return TicketDetail(
        ticket=TicketOut.model_validate(ticket),
        history=[TicketEventOut.model_validate(e) for e in view.history],
        sla=[ClockOut(**asdict(c)) for c in view.clocks],
        conversation_ids=view.conversation_ids,
        transaction_ids=view.transaction_ids,
    )


@router.post("/tickets", status_code=201, operation_id="helpdesk_create_ticket")
def create_ticket(body: TicketIn, staff: CurrentStaff, db: DatabaseDep) -> TicketDetail:
    """Open a ticket or complaint, directly or from a conversation; it is auto-categorised."""
    with db.session() as session:
        ticket = actions.create_ticket(session, staff, **body.model_dump())
        return _ticket_detail(session, ticket)


@router.get("/tickets", operation_id="helpdesk_list_tickets")
def list_tickets(
    staff: CurrentStaff,
    db: DatabaseDep,
    status: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    customer_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TicketOut]:
    """List tickets (agents: their teams' and their own)."""
    with db.session(write=False) as session:
        rows = actions.ticket_list(
            session,
            staff,
            status=status,
            kind=kind,
            category=category,
            customer_id=customer_id,
            limit=limit,
        )
        return [TicketOut.model_validate(t) for t in rows]


@router.get("/tickets/{ticket_id}", operation_id="helpdesk_get_ticket")
def get_ticket(ticket_id: str, staff: CurrentStaff, db: DatabaseDep) -> TicketDetail:
    """Return a ticket with its history, SLA clocks and links."""
    with db.session(write=False) as session:
        return _ticket_detail(session, visible_ticket(session, staff, ticket_id))


@router.patch("/tickets/{ticket_id}", operation_id="helpdesk_update_ticket")
def update_ticket(
    ticket_id: str, body: TicketPatch, staff: CurrentStaff, db: DatabaseDep
) -> TicketDetail:
    """Override category, priority, team or assignee (agents: within their teams)."""
    with db.session() as session:
        ticket = actions.update_ticket(session, staff, ticket_id, **body.model_dump())
        return _ticket_detail(session, ticket)


@router.post("/tickets/{ticket_id}/accept-suggestion", operation_id="helpdesk_accept_suggestion")
def accept_suggestion(ticket_id: str, staff: CurrentStaff, db: DatabaseDep) -> TicketDetail:
    """Apply the classifier's suggested category and priority."""
    with db.session() as session:
        ticket = actions.accept_suggestion(session, staff, ticket_id)
        return _ticket_detail(session, ticket)


@router.post("/tickets/{ticket_id}/status", operation_id="helpdesk_ticket_status")
def ticket_status(
    ticket_id: str, body: StatusIn, staff: CurrentStaff, db: DatabaseDep
) -> TicketDetail:
    """Move a ticket: open, pending_customer (pauses the SLA), resolved, closed."""
    with db.session() as session:
        ticket = actions.ticket_status(session, staff, ticket_id, body.status, body.note)
        return _ticket_detail(session, ticket)


@router.post("/tickets/{ticket_id}/replies", status_code=201, operation_id="helpdesk_ticket_reply")
def ticket_reply(
    ticket_id: str, body: ReplyIn, staff: CurrentStaff, db: DatabaseDep
) -> TicketDetail:
    """Answer the customer on the ticket (posted in its conversation when it has one)."""
    with db.session() as session:
        ticket = visible_ticket(session, staff, ticket_id)
        if ticket.status in ("resolved", "closed"):
            raise conflict("the ticket is not open")
        conversation = session.get(Conversation, ticket.conversation_id or "")
        if conversation is not None and conversation.status != "closed":
            conv_service.add_message(
                session, conversation, author_type="agent", author_id=staff.id, body=body.body
            )
        tickets.history(session, ticket, "reply", staff.user.username, body=body.body[:500])
        tickets.record_agent_reply(session, ticket, actor=staff.user.username)
        audit_staff_action(session, staff, "ticket.reply", ticket_id=ticket.id)
        return _ticket_detail(session, ticket)


@router.post("/tickets/{ticket_id}/links", operation_id="helpdesk_ticket_link")
def ticket_link(ticket_id: str, body: LinkIn, staff: CurrentStaff, db: DatabaseDep) -> TicketDetail:
    """Link a conversation or a ledger transaction to the ticket."""
    with db.session() as session:
        ticket = visible_ticket(session, staff, ticket_id)
        if (body.conversation_id is None) == (body.transaction_id is None):
            raise bad_request("give exactly one of conversation_id and transaction_id")
        if body.conversation_id is not None:
            conversation = visible_conversation(session, staff, body.conversation_id)
            tickets.link_conversation(session, ticket, conversation, actor=staff.user.username)
        if body.transaction_id is not None:
            tickets.link_transaction(
                session, ticket, body.transaction_id, actor=staff.user.username
            )
        audit_staff_action(session, staff, "ticket.link", ticket_id=ticket.id)
        return _ticket_detail(session, ticket)


@router.get("/incidents", operation_id="helpdesk_list_incidents")
def list_incidents(
    staff: CurrentStaff, db: DatabaseDep, status: str | None = None
) -> list[IncidentOut]:
    """List incidents (complaint or contact spikes) with their linked tickets."""
    with db.session(write=False) as session:
        query = select(Incident).order_by(Incident.opened_at.desc()).limit(100)
        if status:
            query = query.where(Incident.status == status)
        out = []
        for incident in session.execute(query).scalars():
            item = IncidentOut.model_validate(incident)
            ids = select(Ticket.id).where(Ticket.incident_id == incident.id)
            if not staff.sees_all:
                ids = ids.where(Ticket.team_id.in_(staff.team_ids))
            item.ticket_ids = list(session.execute(ids.order_by(Ticket.created_at)).scalars())
            out.append(item)
        return out


# Reports ----------------------------------------------------------------------------------


def _report_staff(staff: Staff) -> Staff:
    if not staff.sees_all:
        raise forbidden("Reports are for supervisors, admins and auditors", key="reports_forbidden")
    return staff


def _window(start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    if (start is not None and start.tzinfo is None) or (end is not None and end.tzinfo is None):
        raise bad_request("start and end need a time zone", code="U003", path="start")
    try:
        end = in_range(end or utcnow() + dt.timedelta(seconds=1))
        start = in_range(start or end - dt.timedelta(days=30))
    except (ValueError, OverflowError) as exc:
        raise bad_request(
            "start and end must lie between the years 0001 and 9999", code="U003", path="start"
        ) from exc
    if start >= end:
        raise bad_request("start must be before end", code="U003", path="start")
    return start, end


def _dimension(by: str | None) -> str | None:
    if by is not None and by not in reports.DIMENSIONS:
        raise bad_request(f"by must be one of {', '.join(reports.DIMENSIONS)}", path="by")
    return by


@router.get("/reports/summary", operation_id="helpdesk_report_summary")
def report_summary(
    staff: CurrentStaff,
    db: DatabaseDep,
    settings: SettingsDep,
    by: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Volume, response and resolution times, % within SLA, containment, CSAT, NPS by group."""
    with db.session(write=False) as session:
        _report_staff(staff)
        rows = reports.conversation_rows(session, *_window(start, end), timezone=settings.timezone)
        return [asdict(s) for s in reports.summarize(rows, _dimension(by))]


@router.get("/reports/drill-down", operation_id="helpdesk_report_drill_down")
def report_drill_down(
    staff: CurrentStaff,
    db: DatabaseDep,
    settings: SettingsDep,
    metric: str = "conversations",
    by: str | None = None,
    key: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[str]:
    """Return the conversation ids behind one number."""
    with db.session(write=False) as session:
        _report_staff(staff)
        if metric not in reports.METRICS:
            raise bad_request(f"metric must be one of {', '.join(reports.METRICS)}", path="metric")
        rows = reports.conversation_rows(session, *_window(start, end), timezone=settings.timezone)
        return reports.drill_down(rows, by=_dimension(by), key=key, metric=metric)


@router.get("/reports/conversations.csv", operation_id="helpdesk_report_csv")
def report_csv(
    staff: CurrentStaff,
    db: DatabaseDep,
    settings: SettingsDep,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> Response:
    """Export one CSV row per conversation."""
    with db.session(write=False) as session:
        _report_staff(staff)
        rows = reports.conversation_rows(session, *_window(start, end), timezone=settings.timezone)
        return Response(
            reports.to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="conversations.csv"'},
        )


@router.get("/reports/backlog", operation_id="helpdesk_report_backlog")
def report_backlog(staff: CurrentStaff, db: DatabaseDep) -> dict[str, Any]:
    """Return the open conversations and tickets now."""
    with db.session(write=False) as session:
        _report_staff(staff)
        return asdict(reports.backlog(session, utcnow()))


@router.get("/reports/tickets", operation_id="helpdesk_report_tickets")
def report_tickets(
    staff: CurrentStaff,
    db: DatabaseDep,
    by: Annotated[str, Query(pattern="^(agent|team|category)$")] = "category",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Return tickets' SLA attainment per agent, team or category."""
    with db.session(write=False) as session:
        _report_staff(staff)
        return [asdict(s) for s in reports.ticket_stats(session, *_window(start, end), by=by)]


@router.get("/reports/first-experience", operation_id="helpdesk_report_first_experience")
def report_first_experience(
    staff: CurrentStaff,
    db: DatabaseDep,
    joined_within_days: Annotated[int, Query(ge=1, le=365)] = 90,
) -> list[dict[str, Any]]:
    """Return recent customers' first 30 days: contacts, first failure, first complaint."""
    with db.session(write=False) as session:
        _report_staff(staff)
        found = reports.first_experience(session, utcnow(), joined_within_days=joined_within_days)
        return [asdict(f) for f in found]


# Customer channel (web widget, app) -----------------------------------------------------------


def _channel_conversation(
    session: Session, settings: Any, conversation_id: str, token: str | None
) -> Conversation:
    value = unsign(
        settings.secret_key, CHANNEL_PURPOSE, token or "", max_age_seconds=CHANNEL_TOKEN_MAX_AGE
    )
    if value != conversation_id:
        raise unauthorized("The conversation token is invalid or expired")
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise unknown_resource("conversation")
    return conversation


ConversationToken = Annotated[str | None, Header(alias="X-Conversation-Token")]


def _check_channel_caller(request: Request, settings: Settings, key: str | None) -> None:
    """Refuse a channel start without the channel's key (production) or over its rate."""
    expected = settings.helpdesk_channel_key
    if settings.is_production and not expected:
        raise sandbox_only()  # no key configured: the anonymous channel stays closed
    if expected and (not key or not secrets.compare_digest(key.encode(), expected.encode())):
        raise unauthorized("The X-Channel-Key header must carry the channel's key")
    limiter: RateLimiter = request.app.state.rate_limiter
    ip = request.client.host if request.client else "unknown"
    rate = settings.channel_starts_per_minute
    record_rate_limit(
        request.scope, limiter.backend.hit(f"chan:{ip}", rate / 60.0, max(1, min(rate, 20)))
    )


@router.post("/channel/conversations", status_code=201, operation_id="helpdesk_channel_start")
def channel_start(
    body: ChannelStartIn,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    channel_key: Annotated[str | None, Header(alias="X-Channel-Key")] = None,
) -> ChannelStartOut:
    """Start a chat from the web widget or app; returns the token for the next calls.

    Each client address may start ``channel_starts_per_minute`` chats a minute (429 with
    ``Retry-After`` beyond). In production the caller must send the channel's own key
    (``WENDU_HELPDESK_CHANNEL_KEY``) in ``X-Channel-Key``; without a configured key the
    anonymous channel is closed there.
    """
    _check_channel_caller(request, settings, channel_key)
    with db.session() as session:
        conversation = conv_service.start_conversation(
            session,
            channel=body.channel,
            customer_id=None,
            language=body.language,
            subject=body.subject,
        )
        conv_service.add_customer_message(session, conversation, body.body)
        return ChannelStartOut(
            conversation_id=conversation.id,
            token=sign(settings.secret_key, CHANNEL_PURPOSE, conversation.id),
            status=conversation.status,
        )


@router.post(
    "/channel/conversations/{conversation_id}/messages",
    status_code=201,
    operation_id="helpdesk_channel_message",
)
def channel_message(
    conversation_id: str,
    body: ChannelMessageIn,
    db: DatabaseDep,
    settings: SettingsDep,
    token: ConversationToken = None,
) -> MessageOut:
    """Post the customer's message."""
    with db.session() as session:
        conversation = _channel_conversation(session, settings, conversation_id, token)
        message = conv_service.add_customer_message(session, conversation, body.body)
        for ticket in tickets.open_tickets_of_conversation(session, conversation.id):
            tickets.record_customer_reply(session, ticket)
        if conversation.status == "queued":
            routing.route(session, conversation)
        return MessageOut.model_validate(message)


@router.post(
    "/channel/conversations/{conversation_id}/human", operation_id="helpdesk_channel_human"
)
def channel_ask_human(
    conversation_id: str,
    db: DatabaseDep,
    settings: SettingsDep,
    token: ConversationToken = None,
) -> ChannelMessagesOut:
    """Ask for a person: the conversation is queued and routed to an agent."""
    with db.session() as session:
        conversation = _channel_conversation(session, settings, conversation_id, token)
        if conversation.status in ("bot", "resolved"):
            conv_service.hand_off(session, conversation, reason="customer_asked")
        routing.route(session, conversation)
        return ChannelMessagesOut(status=conversation.status, messages=[])


@router.get(
    "/channel/conversations/{conversation_id}/messages",
    operation_id="helpdesk_channel_messages",
)
def channel_messages(
    conversation_id: str,
    db: DatabaseDep,
    settings: SettingsDep,
    token: ConversationToken = None,
    after: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> ChannelMessagesOut:
    """Return the public messages after ``after`` (private notes never leave the desk)."""
    with db.session(write=False) as session:
        conversation = _channel_conversation(session, settings, conversation_id, token)
        messages = [m for m in conv_service.transcript(session, conversation.id) if m.id > after]
        return ChannelMessagesOut(
            status=conversation.status, messages=[MessageOut.model_validate(m) for m in messages]
        )


# Surveys ---------------------------------------------------------------------------------


@router.get("/surveys/{token}", operation_id="helpdesk_get_survey")
def get_survey(token: str, db: DatabaseDep, settings: SettingsDep) -> SurveyOut:
    """Return a survey's questions and scale for the customer."""
    with db.session(write=False) as session:
        survey = surveys.survey_from_token(session, settings, token)
        return SurveyOut(
            kind=survey.kind,
            scale=survey.scale,
            questions=survey.questions,
            answered=survey.answered_at is not None,
        )


@router.post("/surveys/{token}", operation_id="helpdesk_answer_survey")
def answer_survey(
    token: str, body: SurveyAnswerIn, db: DatabaseDep, settings: SettingsDep
) -> SurveyOut:
    """Record the customer's answer (once)."""
    with db.session() as session:
        survey = surveys.survey_from_token(session, settings, token)
        surveys.answer_survey(
            session, survey, score=body.score, answers=body.answers, comment=body.comment
        )
        return SurveyOut(
            kind=survey.kind, scale=survey.scale, questions=survey.questions, answered=True
        )
