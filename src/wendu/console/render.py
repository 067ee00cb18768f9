"""Jinja2 rendering for console pages, with translation and CSRF helpers in every template."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from wendu.console import charts
from wendu.console.auth import csrf_token
from wendu.console.failures import flash_message
from wendu.console.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from wendu.identity.models import StaffUser


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Return the template environment (templates ship inside the package)."""
    env = Environment(
        loader=PackageLoader("wendu.console", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["bar_chart"] = charts.bar_chart
    env.globals["line_chart"] = charts.line_chart
    env.globals["languages"] = LANGUAGES
    return env


def page_language(request: Request, user: StaffUser | None) -> str:
    """Return the language of the page: the user's stored choice, else a cookie, else zh."""
    if user is not None:
        return user.language
    chosen = request.cookies.get("wendu_lang", DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def render(
    request: Request,
    template: str,
    *,
    user: StaffUser | None,
    status_code: int = 200,
    csrf: str | None = None,
    language: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` for ``user`` in their language (or in ``language`` if given).

    A failed form post's ``?error=`` becomes ``flash_error``, the translated message.
    """
    language = language if language in LANGUAGES else page_language(request, user)

    def t(key: str, **values: object) -> str:
        return translate(language, key, **values)

    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            user=user,
            lang=language,
            t=t,
            csrf_token=csrf or csrf_token(request),
            bank_name=request.app.state.settings.bank_name,
            flash_error=flash_message(request.query_params, language),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code)
