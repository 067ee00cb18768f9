"""The console's route class: a failure while serving a page is a page, in the staff member's
language, with the status it had (403, 400 U004, 404, 422, 500) — never the API's JSON body
or a stack trace. The REST API's error bodies are untouched: only console routes use it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from wendu.console.failures import BY_STATUS, GENERIC, Problem, problem_of
from wendu.console.i18n import DEFAULT_LANGUAGE, LANGUAGE_STATE, LANGUAGES, catalogue
from wendu.console.render import render
from wendu.errors import WenduError

log = logging.getLogger("wendu.console")

STATIC_PREFIX = "/console/static/"
# Every console page and redirect: never framed (clickjacking), never stored by a browser or
# proxy (customer data on a shared PC), scripts and styles only from the console's own files.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def interaction_id(request: Request) -> str | None:
    """Return the request's interaction id (the reference staff can quote to support)."""
    value = request.scope.get("state", {}).get("interaction_id")
    return str(value) if value else None


def staff_language(request: Request) -> str:
    """Return the signed-in staff member's language, else the cookie's, else Chinese."""
    chosen = request.scope.get("state", {}).get(LANGUAGE_STATE) or request.cookies.get("wendu_lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def error_page(
    request: Request, problem: Problem, headers: Mapping[str, str] | None = None
) -> Response:
    """Render the console's error page for ``problem`` in the staff member's language."""
    status = problem.status if 400 <= problem.status < 600 else 500
    title = f"error.title.{status}"
    if title not in catalogue("en"):
        title = "error.title.500" if status >= 500 else "error.title.400"
    response = render(
        request,
        "error.html",
        user=None,
        language=staff_language(request),
        status_code=status,
        problem=problem,
        title_key=title,
        reference=interaction_id(request),
    )
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            response.headers[key] = value
    return response


class ConsoleRoute(APIRoute):
    """A console route whose failures are pages in the staff member's language, not JSON.

    The request's session has already been rolled back when the error reaches this handler
    (its dependency closes before the exception leaves the route).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            response = await serve(request)
            if not request.url.path.startswith(STATIC_PREFIX):
                for name, value in PAGE_HEADERS.items():
                    response.headers[name] = value
            return response

        async def serve(request: Request) -> Response:
            try:
                return await handle(request)
            except WenduError as exc:
                problem = problem_of(exc, interaction_id(request))
                return error_page(request, problem, exc.headers)
            except RequestValidationError:
                return error_page(request, Problem("invalid_form", status=422))
            except StarletteHTTPException as exc:
                name = BY_STATUS.get(exc.status_code, GENERIC)
                ref = interaction_id(request)
                return error_page(request, Problem(name, reference=ref, status=exc.status_code))
            except Exception:
                ref = interaction_id(request)
                log.exception(
                    "console error on %s %s (ref %s)", request.method, request.url.path, ref
                )
                return error_page(request, Problem(GENERIC, reference=ref, status=500))

        return console_handler
