"""Console pages of the helpdesk: inbox, conversation, ticket, customer 360 and SLA board.

Handlers parse the form, call ``desk_service`` (helpdesk use cases with the same scope
checks and audit entries as the staff API) and render or redirect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.console import desk_service as svc
from wendu.console.auth import CsrfChecked, OptionalStaff
from wendu.console.render import render
from wendu.db import utcnow
from wendu.deps import SessionDep
from wendu.errors import WenduError, bad_request, forbidden, unknown_resource
from wendu.helpdesk.deps import Staff
from wendu.helpdesk.models import PRESENCE, PRIORITIES, AgentState, Team
from wendu.helpdesk.taxonomy import taxonomy
from wendu.identity.models import StaffUser
from wendu.identity.staff import WRITE_ROLES

router = APIRouter(prefix="/console", include_in_schema=False)

as_staff = svc.staff_of


def to_login(request: Request) -> RedirectResponse:
    """Send a signed-out visitor to the sign-in page, back to the same page and query after."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/console/login?next={quote(target, safe='/')}", status_code=303)


def writer(user: StaffUser | None) -> StaffUser:
    """Return the user when their role may change things; auditors and strangers get 403."""
    if user is None or user.role not in WRITE_ROLES:
        raise forbidden("Your role is read-only")
    return user


def act(
    session: Session, back: str, action: Callable[[], object], *, done: str = "ok"
) -> RedirectResponse:
    """Run a staff action; on a business error roll it back and show the reason on ``back``."""
    sep = "&" if "?" in back else "?"
    try:
        action()
    except WenduError as exc:
        session.rollback()
        message = exc.items[0].message if exc.items else str(exc)
        return RedirectResponse(f"{back}{sep}error={quote(message[:200])}", status_code=303)
    return RedirectResponse(f"{back}{sep}done={done}", status_code=303)


def _team_names(session: Session, lang: str) -> dict[str, str]:
    return {
        t.id: (t.name_zh if lang == "zh" else t.name)
        for t in session.execute(select(Team)).scalars()
    }


def _staff_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(StaffUser.id, StaffUser.display_name)).tuples().all())


def category_label(code: str | None, lang: str) -> str:
    """Return the bilingual taxonomy label of a category code."""
    if not code:
        return "—"
    try:
        return taxonomy().get(code).label(lang)
    except KeyError:
        return code


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
        rows=svc.inbox(session, staff, view),
        view=view,
        presence=agent.presence if agent else None,
        teams=_team_names(session, user.language),
        names=_staff_names(session),
    )


@router.post("/presence")
def presence(
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
    presence: Annotated[str, Form()],
) -> Response:
    """Switch the agent's presence (online pulls waiting chats; away hands them on)."""
    staff = svc.writer(session, user)

    def run() -> None:
        if presence not in PRESENCE:
            raise bad_request("unknown presence", path="presence")
        svc.set_presence(session, staff, presence)

    return act(session, "/console/inbox", run)


# Conversation -----------------------------------------------------------------------------


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation(
    conversation_id: str, request: Request, user: OptionalStaff, session: SessionDep
) -> Response:
    """Show the transcript, hand-off context, customer timeline, reply box and actions."""
    if user is None:
        return to_login(request)
    staff = as_staff(session, user)
    if _is_fetch(request):  # the live transcript poll: messages only
        messages = svc.transcript(session, staff, conversation_id)
        return render(request, "_transcript.html", user=user, messages=messages)
    page = svc.conversation_page(request, session, staff, conversation_id)
    agents = list(
        session.execute(
            select(AgentState.staff_id, StaffUser.display_name)
            .join(StaffUser, StaffUser.id == AgentState.staff_id)
            .where(AgentState.presence != "offline")
        ).tuples()
    )
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


def _conv_action(
    conversation_id: str, user: StaffUser | None, session: Session, fn: Callable[[Staff], object]
) -> Response:
    staff = svc.writer(session, user)
    return act(session, f"/console/conversations/{conversation_id}", lambda: fn(staff))


@router.post("/conversations/{conversation_id}/pick-up")
def pick_up(
    conversation_id: str, user: OptionalStaff, session: SessionDep, _csrf: CsrfChecked
) -> Response:
    """Take the conversation; picking up work puts the agent online first."""
    return _conv_action(
        conversation_id, user, session, lambda s: svc.pick_up(session, s, conversation_id)
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
    return _conv_action(
        conversation_id,
        user,
        session,
        lambda s: svc.post_message(
            request,
            session,
            s,
            conversation_id,
            body=body,
            private=bool(private),
            canned_id=canned_id or None,
        ),
    )


@router.post("/conversations/{conversation_id}/transfer")
def transfer(
    conversation_id: str,
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
    target: Annotated[str, Form()],
) -> Response:
    """Transfer to an agent (``agent:<id>``) or a team (``team:<id>``)."""
    kind, _, ref = target.partition(":")
    return _conv_action(
        conversation_id,
        user,
        session,
        lambda s: svc.transfer(
            session,
            s,
            conversation_id,
            to_agent_id=ref if kind == "agent" else None,
            to_team_id=ref if kind == "team" else None,
        ),
    )


@router.post("/conversations/{conversation_id}/hand-back")
def hand_back(
    conversation_id: str, user: OptionalStaff, session: SessionDep, _csrf: CsrfChecked
) -> Response:
    """Hand the conversation back to the assistant."""
    return _conv_action(
        conversation_id, user, session, lambda s: svc.hand_back(session, s, conversation_id)
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
        conversation_id,
        user,
        session,
        lambda s: svc.resolve(request, session, s, conversation_id),
    )


# Tickets ----------------------------------------------------------------------------------


@router.get("/tickets", response_class=HTMLResponse)
def ticket_list(request: Request, user: OptionalStaff, session: SessionDep) -> Response:
    """List the tickets this staff member may see."""
    if user is None:
        return to_login(request)
    rows = svc.visible_tickets(session, as_staff(session, user))
    return render(request, "tickets.html", user=user, rows=rows, category_label=category_label)


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket(ticket_id: str, request: Request, user: OptionalStaff, session: SessionDep) -> Response:
    """Show a ticket: status, priority, category and suggestion, SLA clocks, history, links."""
    if user is None:
        return to_login(request)
    page = svc.ticket_page(session, as_staff(session, user), ticket_id)
    return render(
        request,
        "ticket.html",
        user=user,
        detail=page,
        tk=page.ticket,
        categories=[(c.code, c.label(user.language)) for c in taxonomy()],
        category_label=category_label,
        names=_staff_names(session),
        can_write=user.role in WRITE_ROLES,
    )


def _ticket_action(
    ticket_id: str, user: StaffUser | None, session: Session, fn: Callable[[Staff], object]
) -> Response:
    staff = svc.writer(session, user)
    return act(session, f"/console/tickets/{ticket_id}", lambda: fn(staff))


@router.post("/tickets/{ticket_id}/status")
def ticket_status(
    ticket_id: str,
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
    status: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """Move the ticket to another status."""
    return _ticket_action(
        ticket_id,
        user,
        session,
        lambda s: svc.ticket_status(session, s, ticket_id, status, note.strip()[:2000] or None),
    )


@router.post("/tickets/{ticket_id}/update")
def ticket_update(
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
            raise bad_request("unknown priority", path="priority")
        svc.ticket_update(
            session, staff, ticket_id, category=category or None, priority=priority or None
        )

    return _ticket_action(ticket_id, user, session, run)


@router.post("/tickets/{ticket_id}/accept-suggestion")
def ticket_accept(
    ticket_id: str, user: OptionalStaff, session: SessionDep, _csrf: CsrfChecked
) -> Response:
    """Apply the classifier's suggested category and priority."""
    return _ticket_action(
        ticket_id, user, session, lambda s: svc.ticket_accept(session, s, ticket_id)
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
    view = svc.customer_page(request, session, staff, customer_id)
    bank = svc.core_bank(request, session)
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
        tickets=svc.visible_tickets(session, staff, customer_id=customer_id)[:20],
    )


# SLA board --------------------------------------------------------------------------------


def _sla_rows(session: Session, staff: Staff, now: dt.datetime) -> list[dict[str, Any]]:
    rows = []
    for ticket in svc.visible_tickets(session, staff, open_only=True):
        live = [c for c in svc.clocks(ticket, now) if c.phase != "stopped"]
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
