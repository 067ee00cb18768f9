"""Console pages for managers and auditors: reports with charts, knowledge base editor, audit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.assistant.knowledge import service as kb
from wendu.audit import chain
from wendu.audit.models import AuditEntry
from wendu.config import Settings
from wendu.console import repository
from wendu.console.auth import CsrfChecked, OptionalStaff
from wendu.console.charts import bar_chart, line_chart
from wendu.console.desk import act, as_staff, to_login, writer
from wendu.console.failures import Problem, problem_of
from wendu.console.i18n import translate
from wendu.console.render import render
from wendu.console.route import ConsoleRoute, interaction_id
from wendu.db import utcnow
from wendu.deps import SessionDep
from wendu.errors import WenduError, forbidden
from wendu.helpdesk import reports
from wendu.identity.models import StaffUser
from wendu.identity.staff import WRITE_ROLES
from wendu.kit.instants import in_range

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

REPORT_DIMENSIONS = ("category", "channel", "partner", "team", "agent", "intent", "priority")


def _window(days: int) -> tuple[dt.datetime, dt.datetime]:
    end = utcnow() + dt.timedelta(seconds=1)
    return end - dt.timedelta(days=days), end


def _timezone(request: Request) -> str:
    """Return the bank's zone, in which a report's days are dated."""
    settings: Settings = request.app.state.settings
    return settings.timezone


def _minutes(seconds: float | None) -> float:
    return round(seconds / 60, 1) if seconds is not None else 0.0


@router.get("/reports", response_class=HTMLResponse)
def report_page(
    request: Request,
    user: OptionalStaff,
    session: SessionDep,
    by: str = "category",
    days: int = 30,
) -> Response:
    """Show volume, response/resolution times, SLA, containment, CSAT and NPS with charts."""
    if user is None:
        return to_login(request)
    staff = as_staff(session, user)
    if not staff.sees_all:
        raise forbidden("Reports are for supervisors, admins and auditors", key="reports_forbidden")
    by = by if by in REPORT_DIMENSIONS else "category"
    days = min(max(days, 1), 365)
    rows = reports.conversation_rows(session, *_window(days), timezone=_timezone(request))
    total = reports.summarize(rows, None)
    groups = reports.summarize(rows, by)
    daily = reports.summarize(rows, "day")
    lang = user.language
    labels = repository.group_labels(session, by, [g.key for g in groups], lang)
    names = [labels[g.key] for g in groups]
    charts = {
        "volume": line_chart(
            [d.key[5:] for d in daily],
            {
                translate(lang, "report.conversations"): [d.conversations for d in daily],
                translate(lang, "report.handed_off"): [d.handed_off for d in daily],
            },
            title=translate(lang, "report.volume"),
        ),
        "response": bar_chart(
            names,
            [_minutes(g.first_response_avg_seconds) for g in groups],
            title=translate(lang, "report.first_response_min"),
        ),
        "resolution": bar_chart(
            names,
            [_minutes(g.resolution_avg_seconds) for g in groups],
            title=translate(lang, "report.resolution_min"),
        ),
        "sla": bar_chart(
            names,
            [g.within_sla_pct or 0.0 for g in groups],
            title=translate(lang, "report.within_sla"),
            unit="%",
        ),
        "csat": bar_chart(
            names,
            [g.csat_avg or 0.0 for g in groups],
            title=translate(lang, "report.csat"),
        ),
        "nps": bar_chart(
            names, [g.nps or 0.0 for g in groups], title=translate(lang, "report.nps")
        ),
    }
    return render(
        request,
        "reports.html",
        user=user,
        total=total[0] if total else None,
        groups=list(zip(names, groups, strict=True)),
        charts=charts,
        by=by,
        days=days,
        dimensions=REPORT_DIMENSIONS,
        backlog=reports.backlog(session, utcnow()),
    )


@router.get("/reports/drill", response_class=HTMLResponse)
def report_drill(
    request: Request,
    user: OptionalStaff,
    session: SessionDep,
    metric: str = "conversations",
    by: str | None = None,
    key: str | None = None,
    days: int = 30,
) -> Response:
    """List the conversations behind one number of the report."""
    if user is None:
        return to_login(request)
    if not as_staff(session, user).sees_all:
        raise forbidden("Reports are for supervisors, admins and auditors", key="reports_forbidden")
    by = by if by in reports.DIMENSIONS else None
    metric = metric if metric in reports.METRICS else "conversations"
    ids = reports.drill_down(
        reports.conversation_rows(
            session, *_window(min(max(days, 1), 365)), timezone=_timezone(request)
        ),
        by=by,
        key=key,
        metric=metric,
    )
    key_label = None
    if by is not None and key is not None:
        key_label = repository.group_labels(session, by, [key], user.language)[key]
    return render(
        request,
        "drill.html",
        user=user,
        ids=ids,
        subjects=repository.conversation_subjects(session, ids),
        metric=metric,
        by=by,
        key=key,
        key_label=key_label,
        days=days,
    )


# Knowledge base ---------------------------------------------------------------------------


NEW_ARTICLE_FIELDS = ("slug", "category", "title_zh", "title_en", "body_zh", "body_en", "tags")


def _kb_list_page(
    request: Request,
    user: StaffUser,
    session: Session,
    q: str = "",
    *,
    draft: dict[str, str] | None = None,
    error: Problem | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "kb_list.html",
        user=user,
        articles=kb.find_articles(session, q),
        q=q,
        can_write=user.role in WRITE_ROLES,
        draft=draft or {},
        error=error,
        status_code=status_code,
    )


@router.get("/kb", response_class=HTMLResponse)
def kb_list(request: Request, user: OptionalStaff, session: SessionDep, q: str = "") -> Response:
    """List knowledge articles (drafts and archived included), or those matching a search."""
    if user is None:
        return to_login(request)
    return _kb_list_page(request, user, session, q.strip())


@router.post("/kb")
def kb_create(
    request: Request,
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
    slug: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    title_zh: Annotated[str, Form()] = "",
    title_en: Annotated[str, Form()] = "",
    body_zh: Annotated[str, Form()] = "",
    body_en: Annotated[str, Form()] = "",
    tags: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "draft",
) -> Response:
    """Create an article (the list page's "new article" form); audited like an edit."""
    staff = writer(user)
    form = {
        "slug": slug.strip(),
        "category": category.strip(),
        "title_zh": title_zh,
        "title_en": title_en,
        "body_zh": body_zh,
        "body_en": body_en,
        "tags": tags,
    }
    data: dict[str, Any] = {
        **form,
        "tags": [t.strip() for t in tags.replace("，", ",").split(",") if t.strip()],
        "status": status,
    }
    try:
        kb.create_article(session, data, staff=staff.username, audit="console")
    except WenduError as exc:
        session.rollback()
        return _kb_list_page(
            request,
            staff,
            session,
            draft={**form, "status": status},
            error=problem_of(exc, interaction_id(request)),
            status_code=exc.status,
        )
    return RedirectResponse(f"/console/kb/{quote(data['slug'])}?done=created", status_code=303)


@router.get("/kb/{slug}", response_class=HTMLResponse)
def kb_edit(slug: str, request: Request, user: OptionalStaff, session: SessionDep) -> Response:
    """Show the editor of one article, both languages side by side."""
    if user is None:
        return to_login(request)
    article = kb.get_article(session, slug)
    editors = repository.staff_names_by_username(session, [article.updated_by])
    return render(
        request,
        "kb_edit.html",
        user=user,
        article=article,
        editor=editors.get(article.updated_by or "", article.updated_by),
        statuses=kb.STATUSES,
        can_write=user.role in WRITE_ROLES,
    )


@router.post("/kb/{slug}")
def kb_save(
    slug: str,
    request: Request,
    user: OptionalStaff,
    session: SessionDep,
    _csrf: CsrfChecked,
    title_zh: Annotated[str, Form()],
    title_en: Annotated[str, Form()],
    body_zh: Annotated[str, Form()],
    body_en: Annotated[str, Form()],
    status: Annotated[str, Form()] = "published",
    version: Annotated[int | None, Form()] = None,
) -> Response:
    """Save an edit of the version shown (live for the assistant on its next question); audited."""
    staff = writer(user)
    changes = {
        "title_zh": title_zh,
        "title_en": title_en,
        "body_zh": body_zh,
        "body_en": body_en,
        "status": status,
    }

    def run() -> None:
        kb.update_article(
            session,
            slug,
            changes,
            staff=staff.username,
            expected_version=version,
            audit="console",
        )

    return act(request, session, f"/console/kb/{slug}", run, done="saved")


# Audit ------------------------------------------------------------------------------------


def _parse_day(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return in_range(dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC))
    except ValueError:  # not a date, or outside the years the code can compute with
        return None


@router.get("/audit", response_class=HTMLResponse)
def audit_search(
    request: Request,
    user: OptionalStaff,
    session: SessionDep,
    actor: str = "",
    partner: str = "",
    consent: str = "",
    action: str = "",
    start: str = "",
    end: str = "",
    verify: str = "",
) -> Response:
    """Search the audit trail; optionally recompute the hash chain."""
    if user is None:
        return to_login(request)
    if user.role not in ("admin", "supervisor", "auditor"):
        raise forbidden(
            "The audit trail is for supervisors, admins and auditors", key="audit_forbidden"
        )
    query = select(AuditEntry)
    if actor:
        query = query.where(AuditEntry.actor_id == actor.strip())
    if partner:
        query = query.where(AuditEntry.partner_id == partner.strip())
    if consent:
        query = query.where(AuditEntry.consent_id == consent.strip())
    if action:
        query = query.where(AuditEntry.action.contains(action.strip()))
    since, until = _parse_day(start), _parse_day(end)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until + dt.timedelta(days=1))
    entries = session.execute(query.order_by(AuditEntry.id.desc()).limit(200)).scalars().all()
    result = chain.verify(session.connection()) if verify else None
    return render(
        request,
        "audit.html",
        user=user,
        entries=entries,
        result=result,
        filters={
            "actor": actor,
            "partner": partner,
            "consent": consent,
            "action": action,
            "start": start,
            "end": end,
        },
    )
