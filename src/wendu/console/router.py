"""Console pages: sign-in, language, home overview, partners and consents."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wendu.console import desk, manage, repository, reputation
from wendu.console.auth import (
    LOGIN_CSRF_COOKIE,
    CsrfChecked,
    OptionalStaff,
    end_session,
    login_csrf_token,
    set_login_csrf_cookie,
    start_session,
)
from wendu.console.charts import bar_chart
from wendu.console.i18n import LANGUAGES, translate
from wendu.console.render import render
from wendu.console.route import ConsoleRoute
from wendu.console.static import static_response
from wendu.deps import SessionDep
from wendu.errors import not_found
from wendu.identity.staff import sign_in
from wendu.kit.redirects import local_path

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/console/login?next={request.url.path}", status_code=303)


def _safe_next(target: str) -> str:
    # Only same-site console paths, so the login page cannot be used as an open redirect.
    return local_path(target, default="/console", prefix="/console")


@router.get("/console/static/{name}")
def static(name: str) -> Response:
    """Serve a console asset from the installed package."""
    return static_response(name)


@router.get("/console/login", response_class=HTMLResponse)
def login_page(request: Request, user: OptionalStaff, next: str = "/console") -> Response:
    """Show the sign-in form."""
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    if request.cookies.get(LOGIN_CSRF_COOKIE):
        return render(request, "login.html", user=None, next=_safe_next(next), error=None)
    cookie = secrets.token_urlsafe(24)
    page = render(
        request,
        "login.html",
        user=None,
        next=_safe_next(next),
        error=None,
        csrf=login_csrf_token(request, cookie),
    )
    set_login_csrf_cookie(page, cookie)
    return page


@router.post("/console/login")
def login(
    request: Request,
    session: SessionDep,
    _csrf: CsrfChecked,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/console",
) -> Response:
    """Check the credentials and start a staff session."""
    user = sign_in(
        session,
        request.app.state.signin_throttle,
        username.strip(),
        password,
        client_ip=request.client.host if request.client else "unknown",
        channel="console",
    )
    if user is None:
        return render(
            request,
            "login.html",
            user=None,
            next=_safe_next(next),
            error="login.failed",
            status_code=401,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    start_session(response, request, session, user)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/console/logout")
def logout(request: Request, session: SessionDep, _csrf: CsrfChecked) -> Response:
    """End the staff session, on the server too (the cookie stops working everywhere)."""
    response = RedirectResponse("/console/login", status_code=303)
    end_session(response, request, session)
    return response


@router.post("/console/language")
def switch_language(
    request: Request,
    user: OptionalStaff,
    _csrf: CsrfChecked,
    language: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/console",
) -> Response:
    """Switch the console language and remember it on the staff account."""
    chosen = language if language in LANGUAGES else "zh"
    if user is not None:
        user.language = chosen
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie("wendu_lang", chosen, samesite="lax", path="/")
    return response


@router.get("/console", response_class=HTMLResponse)
def home(request: Request, user: OptionalStaff, session: SessionDep) -> Response:
    """Show the overview: customers, partners, consents and API traffic."""
    if user is None:
        return _to_login(request)
    overview = repository.overview(session)
    statuses = ("AWAU", "AUTH", "RJCT", "CANC", "EXPD")
    chart = bar_chart(
        [translate(user.language, f"consent.{s}") for s in statuses],
        [overview.consents_by_status.get(s, 0) for s in statuses],
        title=translate(user.language, "home.consents_chart"),
    )
    return render(request, "home.html", user=user, overview=overview, consents_chart=chart)


@router.get("/console/partners", response_class=HTMLResponse)
def partners(request: Request, user: OptionalStaff, session: SessionDep) -> Response:
    """List partner apps with their consents by status."""
    if user is None:
        return _to_login(request)
    rows = repository.partners_with_consents(session)
    return render(request, "partners.html", user=user, rows=rows)


router.include_router(desk.router)
router.include_router(manage.router)
router.include_router(reputation.router)


@router.get("/console/{rest:path}", response_class=HTMLResponse)
def unknown_page(rest: str, user: OptionalStaff) -> Response:
    """Any other console address: the console's own 404 page, in the staff member's language."""
    raise not_found()
