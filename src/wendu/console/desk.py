"""Console pages of the helpdesk: inbox, conversation, ticket, customer 360 and SLA board.

Handlers parse the form, call ``wendu.helpdesk.actions`` (the staff use cases the helpdesk
API calls too: same scope checks, same audit entries) and render or redirect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.console import repository
from wendu.console.auth import CsrfChecked, OptionalStaff
from wendu.console.failures import flash_query, problem_of
from wendu.console.render import render
from wendu.console.route import ConsoleRoute, interaction_id
from wendu.db import utcnow
from wendu.deps import SessionDep
from wendu.errors import WenduError, bad_request, forbidden, unknown_resource
from wendu.helpdesk import actions
from wendu.helpdesk.customer360 import customer_view
from wendu.helpdesk.deps import Staff, staff_of, visible_conversation, visible_ticket
from wendu.helpdesk.models import PRESENCE, PRIORITIES, AgentState, Conversation, Team
from wendu.helpdesk.taxonomy import taxonomy
from wendu.identity.models import StaffUser
from wendu.identity.staff import WRITE_ROLES
from wendu.ledger.models import Customer
from wendu.ledger.port import CoreBank
from wendu.ledger.sandbox import core_bank_for

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

as_staff = staff_of


def to_login(request: Request) -> RedirectResponse:
    """Send a signed-out visitor to the sign-in page, back to the same page and query after."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/console/login?next={quote(target, safe='/')}", status_code=303)


def writer(user: StaffUser | None) -> StaffUser:
    """Return the user when their role may change things; auditors and strangers get 403."""
    if user is None or user.role not in WRITE_ROLES:
        raise forbidden("Your role is read-only", key="read_only")
    return user


def core_bank(request: Request, session: Session) -> CoreBank:
    """Return the core bank the app is wired to (the sandbox ledger by default)."""
    return core_bank_for(request.app.state, session)


def act(
    request: Request,
    session: Session,
    back: str,
    action: Callable[[], object],
    *,
    done: str = "ok",
) -> RedirectResponse:
    """Run a staff action; on a business error roll it back and show the reason on ``back``.

    The reason travels as a message name (``?error=reply_empty``), shown translated; an error
    the console has no words for shows a generic message with this request's reference.
    """
    sep = "&" if "?" in back else "?"
    try:
        action()
    except WenduError as exc:
        session.rollback()
        problem = problem_of(exc, interaction_id(request))
        return RedirectResponse(f"{back}{sep}{flash_query(problem)}", status_code=303)
    return RedirectResponse(f"{back}{sep}done={done}", status_code=303)


def _team_names(session: Session, lang: str) -> dict[str, str]:
    return {
        t.id: (t.name_zh if lang == "zh" else t.name)
        for t in session.execute(select(Team)).scalars()
    }


def _staff_names(session: Session) -> dict[str, str]:
    rows = session.execute(select(StaffUser.id, StaffUser.display_name))
    return {staff_id: name for staff_id, name in rows}


category_label = repository.category_label


def _is_fetch(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


# Inbox ------------------------------------------------------------------------------------


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request, user: OptionalStaff, session: SessionDep, view: str = "open"
) -> Response:
    """Show the conversations in the queues this staff member may see (polled live)."""
    if user is None:
        return to_login(request)
    view = view if view in ("queued", "mine", "open", "all") else "open"
    staff = as_staff(session, user)
    agent = session.get(AgentState, user.id)
    return render(
        request,
        "inbox_rows.html" if _is_fetch(request) else "inbox.html",
        user=user,
        rows=actions.inbox(session, staff, view, limit=200),
        view=view,
        presence=agent.presence if agent else None,
        teams=_team_names(session, user.language),
        names=_staff_names(session),
    )


@router.post("/presence")
def presence(
    request: Request,
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
    presence: Annotated[str, Form()],
) -> Response:
    """Switch the agent's presence (online pulls waiting chats; away hands them on)."""
    staff = as_staff(session, writer(user))

    def run() -> None:
        if presence not in PRESENCE:
            raise bad_request("unknown presence", path="presence", key="invalid_presence")
        actions.set_presence(session, staff, presence)

    return act(request, session, "/console/inbox", run)


# Conversation -----------------------------------------------------------------------------


def _conversation_page(
    request: Request, session: Session, staff: Staff, conversation_id: str
) -> actions.ConversationView:
    view = actions.conversation_view(session, staff, conversation_id, core_bank(request, session))
    conversation = view.conversation
    return replace(
        view,
        suggestions=actions.suggested_answers(
            session, staff, conversation, _variables(request, session, staff, conversation)
        ),
        canned=actions.canned_list(session, staff, conversation.language),
    )


def _variables(
    request: Request, session: Session, staff: Staff, conversation: Conversation
) -> dict[str, str]:
    return actions.canned_variables(
        session,
        staff,
        conversation,
        request.app.state.settings,
        core_bank(request, session),
    )


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation(
    conversation_id: str, request: Request, user: OptionalStaff, session: SessionDep
) -> Response:
    """Show the transcript, hand-off context, customer timeline, reply box and actions."""
    if user is None:
        return to_login(request)
    staff = as_staff(session, user)
    if _is_fetch(request):  # the live transcript poll: messages only
        messages = actions.transcript(session, staff, conversation_id)
        return render(request, "_transcript.html", user=user, messages=messages)
    page = _conversation_page(request, session, staff, conversation_id)
    agents = [
        (staff_id, name)
        for staff_id, name in session.execute(
            select(AgentState.staff_id, StaffUser.display_name)
            .join(StaffUser, StaffUser.id == AgentState.staff_id)
            .where(AgentState.presence != "offline")
        )
    ]
    return render(
        request,
        "conversation.html",
        user=user,
        detail=page,
        conv=page.conversation,
        context=page.conversation.handoff_context or {},
        suggestions=page.suggestions,
        canned=page.canned,
        agents=agents,
        teams=_team_names(session, user.language),
        names=_staff_names(session),
        can_write=user.role in WRITE_ROLES,
    )


def _staff_action(
    request: Request,
    back: str,
    user: StaffUser | None,
    session: Session,
    fn: Callable[[Staff], object],
) -> Response:
    """Run ``fn`` as the signed-in writer (403 for read-only roles) and redirect to ``back``."""
    staff = as_staff(session, writer(user))
    return act(request, session, back, lambda: fn(staff))


def _conv_action(
    request: Request,
    conversation_id: str,
    user: StaffUser | None,
    session: Session,
    fn: Callable[[Staff], object],
) -> Response:
    return _staff_action(request, f"/console/conversations/{conversation_id}", user, session, fn)


@router.post("/conversations/{conversation_id}/pick-up")
def pick_up(
    request: Request,
    conversation_id: str,
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
) -> Response:
    """Take the conversation; picking up work puts the agent online first."""
    return _conv_action(
        request,
        conversation_id,
        user,
        session,
        lambda s: actions.pick_up(session, s, conversation_id),
    )


@router.post("/conversations/{conversation_id}/messages")
def post_message(
    conversation_id: str,
    request: Request,
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
    body: Annotated[str, Form()] = "",
    private: Annotated[str, Form()] = "",
    canned_id: Annotated[str, Form()] = "",
) -> Response:
    """Reply to the customer or write a private note (a canned response fills the body)."""

    def run(staff: Staff) -> None:
        conversation = visible_conversation(session, staff, conversation_id)
        text = actions.reply_text(
            session,
            staff,
            body.strip(),
            canned_id or None,
            lambda: _variables(request, session, staff, conversation),
        )
        if not text:
            raise bad_request(
                "write a reply or pick a canned response", path="body", key="reply_empty"
            )
        actions.post_message(session, staff, conversation, text, private=bool(private))

    return _conv_action(request, conversation_id, user, session, run)


@router.post("/conversations/{conversation_id}/transfer")
def transfer(
    request: Request,
    conversation_id: str,
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
    target: Annotated[str, Form()],
) -> Response:
    """Transfer to an agent (``agent:<id>``) or a team (``team:<id>``).

    An agent who hands a chat to another team no longer sees it: they go back to the inbox,
    not to a "conversation not found" page.
    """
    kind, _, ref = target.partition(":")
    response = _conv_action(
        request,
        conversation_id,
        user,
        session,
        lambda s: actions.transfer(
            session,
            s,
            conversation_id,
            to_agent_id=ref if kind == "agent" else None,
            to_team_id=ref if kind == "team" else None,
        ),
    )
    location = response.headers.get("location", "")
    if location.endswith("done=ok") and user is not None:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or not as_staff(session, user).can_see_conversation(conversation):
            return RedirectResponse("/console/inbox?done=ok", status_code=303)
    return response


@router.post("/conversations/{conversation_id}/hand-back")
def hand_back(
    request: Request,
    conversation_id: str,
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
) -> Response:
    """Hand the conversation back to the assistant."""
    return _conv_action(
        request,
        conversation_id,
        user,
        session,
        lambda s: actions.hand_back(session, s, conversation_id),
    )


@router.post("/conversations/{conversation_id}/resolve")
def resolve(
    conversation_id: str,
    request: Request,
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
) -> Response:
    """Resolve the conversation (the customer gets the CSAT survey in-channel)."""
    return _conv_action(
        request,
        conversation_id,
        user,
        session,
        lambda s: actions.resolve(session, request.app.state.settings, s, conversation_id),
    )


# Tickets ----------------------------------------------------------------------------------


@router.get("/tickets", response_class=HTMLResponse)
def ticket_list(request: Request, user: OptionalStaff, session: SessionDep) -> Response:
    """List the tickets this staff member may see."""
    if user is None:
        return to_login(request)
    rows = actions.ticket_list(session, as_staff(session, user), limit=500)
    return render(request, "tickets.html", user=user, rows=rows, category_label=category_label)


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket(ticket_id: str, request: Request, user: OptionalStaff, session: SessionDep) -> Response:
    """Show a ticket: status, priority, category and suggestion, SLA clocks, history, links."""
    if user is None:
        return to_login(request)
    ticket = visible_ticket(session, as_staff(session, user), ticket_id)
    page = actions.ticket_view(session, ticket)
    customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    return render(
        request,
        "ticket.html",
        user=user,
        detail=page,
        tk=page.ticket,
        categories=[(c.code, c.label(user.language)) for c in taxonomy()],
        category_label=category_label,
        names=_staff_names(session),
        actors=repository.staff_names_by_username(session, [e.actor for e in page.history]),
        subjects=repository.conversation_subjects(session, page.conversation_ids),
        customer_name=customer.full_name if customer else None,
        can_write=user.role in WRITE_ROLES,
    )


def _ticket_action(
    request: Request,
    ticket_id: str,
    user: StaffUser | None,
    session: Session,
    fn: Callable[[Staff], object],
) -> Response:
    return _staff_action(request, f"/console/tickets/{ticket_id}", user, session, fn)


@router.post("/tickets/{ticket_id}/status")
def ticket_status(
    request: Request,
    ticket_id: str,
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
    status: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """Move the ticket to another status."""
    return _ticket_action(
        request,
        ticket_id,
        user,
        session,
        lambda s: actions.ticket_status(session, s, ticket_id, status, note.strip()[:2000] or None),
    )


@router.post("/tickets/{ticket_id}/update")
def ticket_update(
    request: Request,
    ticket_id: str,
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
    category: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "",
) -> Response:
    """Override the category or priority."""

    def run(staff: Staff) -> None:
        if priority and priority not in PRIORITIES:
            raise bad_request("unknown priority", path="priority", key="invalid_priority")
        actions.update_ticket(
            session, staff, ticket_id, category=category or None, priority=priority or None
        )

    return _ticket_action(request, ticket_id, user, session, run)


@router.post("/tickets/{ticket_id}/accept-suggestion")
def ticket_accept(
    request: Request, ticket_id: str, user: OptionalStaff, session: SessionDep, _csrf: CsrfChecked
) -> Response:
    """Apply the classifier's suggested category and priority."""
    return _ticket_action(
        request,
        ticket_id,
        user,
        session,
        lambda s: actions.accept_suggestion(session, s, ticket_id),
    )


# Customer 360 -----------------------------------------------------------------------------


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer(
    customer_id: str, request: Request, user: OptionalStaff, session: SessionDep
) -> Response:
    """Show the customer: profile, accounts, connected apps, transactions, contacts, tickets."""
    if user is None:
        return to_login(request)
    staff = as_staff(session, user)
    if not staff.sees_all and not actions.has_visible_conversation(session, staff, customer_id):
        raise unknown_resource("customer")
    bank = core_bank(request, session)
    view = customer_view(session, bank, customer_id, transactions=15, scope=staff.in_queue)
    party = bank.party(customer_id)
    if party is None:
        raise unknown_resource("customer")
    return render(
        request,
        "customer.html",
        user=user,
        view=view,
        party=party,
        accounts=bank.customer_accounts(customer_id),
        tickets=actions.ticket_list(session, staff, customer_id=customer_id, limit=20),
    )


# SLA board --------------------------------------------------------------------------------


def _sla_rows(session: Session, staff: Staff, now: dt.datetime) -> list[dict[str, Any]]:
    rows = []
    for ticket in actions.ticket_list(session, staff, open_only=True, limit=500):
        live = [c for c in actions.clocks(ticket, now) if c.phase != "stopped"]
        rows.append(
            {
                "ticket": ticket,
                "due": min((c.due_at for c in live if c.due_at is not None), default=None),
                "remaining": min((c.remaining_seconds for c in live), default=None),
                "breached": any(c.state == "breached" for c in live),
                "warning": any(c.state == "warning" for c in live),
                "regulatory_due": ticket.regulatory_due_at,
            }
        )
    rows.sort(key=lambda r: (r["remaining"] is None, r["remaining"] or 0.0))
    return rows


@router.get("/sla", response_class=HTMLResponse)
def sla_board(request: Request, user: OptionalStaff, session: SessionDep) -> Response:
    """Show open tickets by time to breach, with warnings and breaches (polled live)."""
    if user is None:
        return to_login(request)
    rows = _sla_rows(session, as_staff(session, user), utcnow())
    return render(
        request,
        "sla_rows.html" if _is_fetch(request) else "sla.html",
        user=user,
        rows=rows,
        category_label=category_label,
        breached=sum(1 for r in rows if r["breached"]),
        warnings=sum(1 for r in rows if r["warning"] and not r["breached"]),
    )
