"""The demo bank's helpdesk: teams, agents, canned responses and sample customer contacts.

``wendu demo`` calls :func:`ensure_helpdesk_showcase` so the console's inbox, tickets, SLA
board and reports have something to show. Everything goes through the helpdesk's own use
cases — ``helpdesk.actions`` for what staff do (scope checks and ``helpdesk.*`` audit
entries), ``conversations``/``routing``/``surveys`` for what customers and the assistant do —
so routing, SLA clocks, CSAT invitations and events behave exactly as for real contacts.

Idempotent: a team, agent, canned response (shortcut and language), sample conversation
(customer and subject) or sample ticket (customer and subject) that exists is left as it
is, so a restart adds nothing and keeps what staff changed.

Time: the helpdesk's use cases stamp everything with the current time and take no ``now``,
so the samples are created "now" and are not backdated (response times in the reports are
therefore seconds). The SLA board still shows a clock running out: the phoned-in fraud
complaint is urgent, measured on the 24x7 calendar with a 15-minute first-response target,
and nobody has answered it, so it warns a few minutes after ``wendu demo`` starts and
breaches after a quarter of an hour. The other tickets run on the business-hours calendar.
The sample agents are left online; like any agent who stops answering, the periodic job
sets them away after ``WENDU_HELPDESK_AGENT_IDLE_MINUTES`` and their chats go back to the
queue, where ``demo.admin`` (a member of every team) can pick them up.

The teams, agents, canned responses and contacts themselves are data, in ``helpdesk_script``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import Database
from wendu.demo.helpdesk_script import (
    AGENTS,
    CANNED,
    CONTACTS,
    PHONE_COMPLAINTS,
    TEAMS,
    Answer,
    Contact,
    HandOff,
    OpenTicket,
    PhoneComplaint,
    Reply,
    Resolve,
    Say,
    Step,
    TicketStatus,
)
from wendu.demo.people import SANDBOX_PASSWORD
from wendu.demo.showcase import DEMO_PARTNER_NAME, DEMO_STAFF_USERNAME
from wendu.helpdesk import actions, routing, surveys
from wendu.helpdesk import canned as canned_service
from wendu.helpdesk import conversations as conv_service
from wendu.helpdesk.deps import Staff, staff_of
from wendu.helpdesk.models import CannedResponse, Conversation, Survey, Team, Ticket
from wendu.identity.models import CustomerLogin, Partner, StaffUser
from wendu.identity.staff import create_staff
from wendu.kit.masking import mask_sensitive
from wendu.ledger.models import Account, Customer, LedgerTransaction, Posting
from wendu.ledger.sandbox import SandboxCoreBank


@dataclass
class HelpdeskShowcase:
    """What one call added (all zero when the showcase was already there); the steps below
    count into it as they go."""

    teams: int = 0
    agents: int = 0
    canned: int = 0
    conversations: int = 0
    tickets: int = 0
    surveys: int = 0

    @property
    def added(self) -> int:
        """Return how many things were added in all."""
        return (
            self.teams
            + self.agents
            + self.canned
            + self.conversations
            + self.tickets
            + self.surveys
        )


# The work ---------------------------------------------------------------------------------


def ensure_helpdesk_showcase(
    database: Database, settings: Settings, *, admin_username: str = DEMO_STAFF_USERNAME
) -> HelpdeskShowcase:
    """Create the demo helpdesk (what is missing of it) and return what was added.

    ``admin_username`` (the demo admin, created by ``ensure_demo_access``) sets up teams and
    shared canned responses and joins every team. Needs a seeded bank for the customers.
    """
    added = HelpdeskShowcase()
    with database.session() as session:
        admin_user = session.execute(
            select(StaffUser).where(StaffUser.username == admin_username)
        ).scalar_one_or_none()
        if admin_user is None:
            raise LookupError(f"staff user {admin_username!r} does not exist")
        customers = _customers(session)
        if not customers:
            return HelpdeskShowcase()
        _teams_and_agents(session, staff_of(session, admin_user), added)
        admin = staff_of(session, admin_user)
        _canned(session, admin, added)
        people = {u: staff_of(session, _user(session, u)) for u in (a.username for a in AGENTS)}
        partner_id = (
            session.execute(
                select(Partner.id)
                .where(Partner.name == DEMO_PARTNER_NAME)
                .order_by(Partner.created_at)
            )
            .scalars()
            .first()
        )
        for contact in CONTACTS:
            _contact(session, settings, contact, customers, people, partner_id, added)
        for complaint in PHONE_COMPLAINTS:
            _phone_complaint(session, complaint, customers, people["wang.fang"], added)
    return added


def _user(session: Session, username: str) -> StaffUser:
    return session.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one()


def _teams_and_agents(session: Session, admin: Staff, added: HelpdeskShowcase) -> None:
    """Create missing teams and agents; memberships only come with a new team or agent."""
    new_teams = set()
    for spec in TEAMS:
        if session.get(Team, spec.id) is None:
            actions.create_team(
                session,
                admin,
                team_id=spec.id,
                name=spec.name,
                name_zh=spec.name_zh,
                languages=spec.languages,
                product_areas=spec.product_areas,
            )
            new_teams.add(spec.id)
            added.teams += 1
    for team_id in sorted(new_teams):
        actions.add_member(
            session,
            admin,
            team_id,
            admin.id,
            capacity=5,
            languages=("zh", "en"),
            product_areas=(),
        )
    new_agents = []
    for agent in AGENTS:
        existing = session.execute(
            select(StaffUser).where(StaffUser.username == agent.username)
        ).scalar_one_or_none()
        if existing is None:
            existing = create_staff(
                session,
                username=agent.username,
                password=SANDBOX_PASSWORD,
                role=agent.role,
                display_name=agent.display_name,
                language="en" if agent.languages[0] == "en" else "zh",
            )
            new_agents.append(agent)
            added.agents += 1
        for team_id in agent.teams:
            if agent in new_agents or team_id in new_teams:
                actions.add_member(
                    session,
                    admin,
                    team_id,
                    existing.id,
                    capacity=agent.capacity,
                    languages=agent.languages,
                    product_areas=(),
                )
    # Only agents created now go on shift; an existing agent's presence is theirs to keep.
    for agent in new_agents:
        if agent.presence != "offline":
            staff = staff_of(session, _user(session, agent.username))
            actions.set_presence(session, staff, agent.presence)


def _canned(session: Session, admin: Staff, added: HelpdeskShowcase) -> None:
    for spec in CANNED:
        for language, body in (("zh", spec.zh), ("en", spec.en)):
            exists = session.execute(
                select(CannedResponse.id).where(
                    CannedResponse.shortcut == spec.shortcut, CannedResponse.language == language
                )
            ).first()
            if exists is None and (spec.team is None or session.get(Team, spec.team) is not None):
                actions.create_canned(
                    session,
                    admin,
                    shortcut=spec.shortcut,
                    body=body,
                    language=language,
                    team_id=spec.team,
                )
                added.canned += 1


def _customers(session: Session) -> dict[str, list[Customer]]:
    """Return the seeded individual customers with a login, by language (``all`` too)."""
    rows = list(
        session.execute(
            select(Customer)
            .join(CustomerLogin, CustomerLogin.customer_id == Customer.id)
            .where(Customer.kind == "individual", Customer.status == "active")
            .order_by(CustomerLogin.username)
            .limit(500)
        ).scalars()
    )
    by_language: dict[str, list[Customer]] = {"all": rows}
    for customer in rows:
        by_language.setdefault(customer.preferred_language, []).append(customer)
    return by_language


def _pick(customers: dict[str, list[Customer]], index: int, language: str) -> Customer:
    pool = customers.get(language) or customers["all"]
    return pool[index % len(pool)]


def _latest_transfer_out(session: Session, customer_id: str) -> int | None:
    return session.execute(
        select(LedgerTransaction.id)
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .join(Account, Account.id == Posting.account_id)
        .where(
            Account.customer_id == customer_id,
            LedgerTransaction.kind == "transfer",
            Posting.amount_minor < 0,
        )
        .order_by(LedgerTransaction.booked_at.desc(), LedgerTransaction.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _contact(
    session: Session,
    settings: Settings,
    contact: Contact,
    customers: dict[str, list[Customer]],
    people: dict[str, Staff],
    partner_id: str | None,
    added: HelpdeskShowcase,
) -> None:
    customer = _pick(customers, contact.customer, contact.language)
    subject = mask_sensitive(contact.subject)[:200]
    exists = session.execute(
        select(Conversation.id).where(
            Conversation.customer_id == customer.id, Conversation.subject == subject
        )
    ).first()
    if exists is not None:
        return
    channel = contact.channel
    if contact.via_partner and partner_id is None:
        channel = "web_widget"  # no demo partner to relay it: the bank's own widget
    conversation = conv_service.start_conversation(
        session,
        channel=channel,
        customer_id=customer.id,
        language=contact.language,
        partner_id=partner_id if channel == "partner_chat" else None,
        subject=contact.subject,
        with_assistant=contact.with_assistant,
    )
    added.conversations += 1
    intents: list[dict[str, object]] = []
    for step in contact.steps:
        if isinstance(step, Say):
            conv_service.add_message(session, conversation, author_type=step.author, body=step.text)
            if step.author == "customer" and not contact.with_assistant:
                # Arrived by e-mail: straight to the queue of the team for its product area.
                routing.route(session, conversation, product_area=contact.product_area)
        elif isinstance(step, HandOff):
            intents.append({"name": step.intent, "confidence": 0.9})
            conv_service.hand_off(
                session,
                conversation,
                reason=step.reason,
                priority=step.priority,
                context={"intents": intents, "summary": contact.subject},
            )
            routing.route(session, conversation, product_area=step.product_area)
        elif isinstance(step, Resolve):
            staff = _assignee(session, conversation, people)
            if conversation.status == "bot":
                conv_service.resolve(session, conversation)  # the assistant answered it
            elif staff is not None:
                actions.resolve(session, settings, staff, conversation.id)
            else:
                return
        elif isinstance(step, Answer):
            added.surveys += _answer(session, settings, conversation, step)
        else:
            staff = _assignee(session, conversation, people)
            if staff is None:
                return  # nobody took it (agents away on a later run): it waits in the queue
            _staff_step(session, settings, staff, step, conversation, customer, people, added)


def _assignee(
    session: Session, conversation: Conversation, people: dict[str, Staff]
) -> Staff | None:
    if conversation.status != "assigned" or conversation.assignee_id is None:
        return None
    for staff in people.values():
        if staff.id == conversation.assignee_id:
            return staff
    user = session.get(StaffUser, conversation.assignee_id)
    return staff_of(session, user) if user is not None else None


def _staff_step(
    session: Session,
    settings: Settings,
    staff: Staff,
    step: Step,
    conversation: Conversation,
    customer: Customer,
    people: dict[str, Staff],
    added: HelpdeskShowcase,
) -> None:
    if isinstance(step, Reply):
        canned_id = None
        if step.canned:
            canned_id = session.execute(
                select(CannedResponse.id).where(
                    CannedResponse.shortcut == step.canned,
                    CannedResponse.language == conversation.language,
                )
            ).scalar_one_or_none()
            if canned_id is None:
                return  # a colleague deleted it: say nothing rather than invent it
        variables = actions.canned_variables(
            session, staff, conversation, settings, SandboxCoreBank(session)
        )
        body = canned_service.render(step.text or "", variables)
        text = actions.reply_text(session, staff, body, canned_id, lambda: variables)
        mentions = [people[step.mention].id] if step.mention in people else []
        actions.post_message(
            session, staff, conversation, text or "", private=step.private, mentions=mentions
        )
    elif isinstance(step, OpenTicket):
        transfer = _latest_transfer_out(session, customer.id) if step.link_transfer else None
        ticket = actions.create_ticket(
            session,
            staff,
            subject=step.subject,
            description=step.description,
            kind=step.kind,
            conversation_id=conversation.id,
            category=step.category,
            priority=step.priority,
            transaction_ids=[transfer] if transfer is not None else [],
        )
        added.tickets += 1
        if step.move_to_team is not None:
            supervisor = people["wang.fang"]
            actions.update_ticket(session, supervisor, ticket.id, team_id=step.move_to_team)
    elif isinstance(step, TicketStatus):
        for ticket in _tickets_of(session, conversation):
            actions.ticket_status(session, staff, ticket.id, step.status, step.note)


def _tickets_of(session: Session, conversation: Conversation) -> Sequence[Ticket]:
    return list(
        session.execute(
            select(Ticket)
            .where(Ticket.conversation_id == conversation.id)
            .order_by(Ticket.created_at, Ticket.id)
        ).scalars()
    )


def _answer(session: Session, settings: Settings, conversation: Conversation, step: Answer) -> int:
    """Answer the CSAT survey the resolution sent, then an NPS survey; return how many."""
    answered = 0
    csat = session.execute(
        select(Survey).where(Survey.conversation_id == conversation.id, Survey.kind == "csat")
    ).scalar_one_or_none()
    if csat is not None and csat.answered_at is None:
        surveys.answer_survey(
            session,
            csat,
            score=step.csat,
            answers={"overall": step.csat, "solved": step.csat >= 4},
            comment=step.comment,
        )
        answered += 1
    if step.nps is not None:
        nps = surveys.send_nps(session, settings, conversation)
        surveys.answer_survey(session, nps, score=step.nps)
        answered += 1
    return answered


def _phone_complaint(
    session: Session,
    complaint: PhoneComplaint,
    customers: dict[str, list[Customer]],
    supervisor: Staff,
    added: HelpdeskShowcase,
) -> None:
    customer = _pick(customers, complaint.customer, "zh")
    subject = mask_sensitive(complaint.subject)[:200]
    exists = session.execute(
        select(Ticket.id).where(Ticket.customer_id == customer.id, Ticket.subject == subject)
    ).first()
    if exists is not None or session.get(Team, complaint.team) is None:
        return
    actions.create_ticket(
        session,
        supervisor,
        subject=complaint.subject,
        description=complaint.description,
        kind="complaint",
        channel="phone",
        customer_id=customer.id,
        category=complaint.category,
        priority=complaint.priority,
        team_id=complaint.team,
    )
    added.tickets += 1
