"""Customer-facing web plumbing: the signed session cookie, CSRF tokens, language and templates."""

from __future__ import annotations

import hmac
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import Database
from wendu.identity import sessions
from wendu.identity.texts import UI, permission_text
from wendu.kit.signing import sign, unsign

SESSION_COOKIE = "wendu_customer"
CSRF_COOKIE = "wendu_csrf"
CSRF_FIELD = "csrf_token"
SESSION_PURPOSE = "customer-session"
CSRF_PURPOSE = "customer-csrf"
SESSION_MAX_AGE_SECONDS = 30 * 60
CSRF_MAX_AGE_SECONDS = 12 * 3600
LANGUAGES = ("zh", "en")
TEMPLATES = Path(__file__).parent / "templates"
# Pages with credentials or consent choices must not be framed, cached or leak the URL onward.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["permission_text"] = permission_text
    return env


def pick_language(request: Request, explicit: str | None = None) -> str:
    """Return ``zh`` or ``en`` from an explicit choice, ``ui_locales``/``lang`` or the browser."""
    for candidate in (
        explicit,
        request.query_params.get("lang"),
        request.query_params.get("ui_locales"),
    ):
        if candidate:
            code = candidate.split()[0].lower()[:2]
            if code in LANGUAGES:
                return code
    accept = request.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") else "zh"


def _secure(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def render(
    template: str,
    context: dict[str, Any],
    *,
    lang: str,
    status_code: int = 200,
    request: Request | None = None,
) -> HTMLResponse:
    """Render a page in ``lang`` with the security headers every customer page carries.

    With a GET ``request`` the page links to itself in the other language.
    """
    other = "en" if lang == "zh" else "zh"
    switch_url = None
    if request is not None and request.method == "GET":
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        switch_url = f"{request.url.path}?{urlencode([*query, ('lang', other)])}"
    html = (
        _environment()
        .get_template(template)
        .render(**context, lang=lang, t=UI[lang], switch_url=switch_url)
    )
    return HTMLResponse(html, status_code=status_code, headers=dict(PAGE_HEADERS))


def _payload(request: Request, settings: Settings) -> str | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    return unsign(
        settings.secret_key, SESSION_PURPOSE, cookie, max_age_seconds=SESSION_MAX_AGE_SECONDS
    )


def customer_id_from(request: Request, settings: Settings) -> str | None:
    """Return the customer logged in on this browser (a live server-side session), or None."""
    payload = _payload(request, settings)
    if payload is None:
        return None
    db: Database = request.app.state.db
    with db.session(write=False) as session:
        return sessions.subject_of(session, "customer", payload)


def start_session(
    response: Response, settings: Settings, session: Session, customer_id: str
) -> None:
    """Log the customer in on this browser: a server-side session named by a signed,
    HttpOnly, SameSite=Lax cookie."""
    payload = sessions.open_session(session, "customer", customer_id, SESSION_MAX_AGE_SECONDS)
    response.set_cookie(
        SESSION_COOKIE,
        sign(settings.secret_key, SESSION_PURPOSE, payload),
        max_age=SESSION_MAX_AGE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
        path="/",
    )


def end_session(response: Response, request: Request, settings: Settings, session: Session) -> None:
    """Log the customer out: end the session on the server and remove the cookie."""
    sessions.end_session(session, "customer", _payload(request, settings))
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(settings)
    )


def csrf_token(request: Request, settings: Settings) -> tuple[str, str | None]:
    """Return the CSRF value for forms and, when the browser has none yet, the cookie to set."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if cookie:
        value = unsign(
            settings.secret_key, CSRF_PURPOSE, cookie, max_age_seconds=CSRF_MAX_AGE_SECONDS
        )
        if value:
            return value, None
    value = secrets.token_urlsafe(24)
    return value, sign(settings.secret_key, CSRF_PURPOSE, value)


def set_csrf_cookie(response: Response, settings: Settings, cookie: str | None) -> None:
    """Attach a new CSRF cookie to ``response`` when ``csrf_token`` minted one."""
    if cookie is None:
        return
    response.set_cookie(
        CSRF_COOKIE,
        cookie,
        max_age=CSRF_MAX_AGE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
        path="/",
    )


def csrf_ok(request: Request, settings: Settings, submitted: str | None) -> bool:
    """Return True when the form's CSRF field matches the browser's signed CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted:
        return False
    value = unsign(settings.secret_key, CSRF_PURPOSE, cookie, max_age_seconds=CSRF_MAX_AGE_SECONDS)
    return value is not None and hmac.compare_digest(value, submitted)


def same_origin(request: Request, settings: Settings) -> bool:
    """Return False when a browser says the request came from another site."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    own = {settings.public_url.rstrip("/"), f"{request.url.scheme}://{request.url.netloc}"}
    return origin.rstrip("/") in own
