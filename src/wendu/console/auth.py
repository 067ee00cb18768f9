"""Console sign-in: the staff session cookie, CSRF tokens and role checks."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from wendu.console.i18n import LANGUAGE_STATE
from wendu.deps import SessionDep, SettingsDep
from wendu.errors import forbidden
from wendu.identity import sessions
from wendu.identity.models import StaffUser
from wendu.kit.signing import derive, sign, unsign

SESSION_COOKIE = "wendu_staff"
LOGIN_CSRF_COOKIE = "wendu_login_csrf"
SESSION_MAX_AGE = 8 * 3600  # one working shift


def start_session(response: Response, request: Request, session: Session, user: StaffUser) -> None:
    """Open a server-side session for ``user`` and set its signed cookie."""
    settings = request.app.state.settings
    payload = sessions.open_session(session, "staff", user.id, SESSION_MAX_AGE)
    value = sign(settings.secret_key, "staff-session", payload)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.public_url.startswith("https"),
        path="/",
    )


def end_session(response: Response, request: Request, session: Session) -> None:
    """End the browser's session on the server and remove its cookie."""
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        settings = request.app.state.settings
        payload = unsign(settings.secret_key, "staff-session", raw, max_age_seconds=SESSION_MAX_AGE)
        sessions.end_session(session, "staff", payload)
    response.delete_cookie(SESSION_COOKIE, path="/")


def get_optional_staff(
    request: Request, session: SessionDep, settings: SettingsDep
) -> StaffUser | None:
    """Return the signed-in staff user, or None."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    value = unsign(settings.secret_key, "staff-session", raw, max_age_seconds=SESSION_MAX_AGE)
    staff_id = sessions.subject_of(session, "staff", value)
    if staff_id is None:
        return None
    user = session.get(StaffUser, staff_id)
    if user is None or not user.active:
        return None
    state = request.scope.setdefault("state", {})
    state.setdefault("audit", {}).update(actor_type="staff", actor_id=user.username)
    state[LANGUAGE_STATE] = user.language
    return user


def csrf_token(request: Request) -> str:
    """Return the CSRF token bound to this session (or to the pre-login cookie)."""
    settings = request.app.state.settings
    raw = request.cookies.get(SESSION_COOKIE) or request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    return derive(settings.secret_key, "csrf", raw)


def login_csrf_token(request: Request, cookie_value: str) -> str:
    """Return the CSRF token for a pre-login cookie that is being set on this response."""
    return derive(request.app.state.settings.secret_key, "csrf", cookie_value)


def set_login_csrf_cookie(response: Response, value: str) -> None:
    """Set the random pre-login cookie the login form's CSRF token is bound to."""
    response.set_cookie(LOGIN_CSRF_COOKIE, value, httponly=True, samesite="strict", path="/")


def check_csrf(request: Request, csrf: Annotated[str, Form(alias="csrf_token")] = "") -> None:
    """Refuse a form post whose CSRF token does not match the session."""
    expected = csrf_token(request)
    if not csrf or not secrets.compare_digest(csrf, expected):
        raise forbidden(
            "The form has expired or did not come from this console; reload it", key="csrf"
        )


OptionalStaff = Annotated[StaffUser | None, Depends(get_optional_staff)]
CsrfChecked = Annotated[None, Depends(check_csrf)]


def require_role(user: StaffUser, roles: frozenset[str]) -> None:
    """Refuse ``user`` unless their role is in ``roles``."""
    if user.role not in roles:
        raise forbidden("Your role does not allow this action", key="role")
