"""What staff see when something fails: every error as a translated message, never English.

The use cases raise ``WenduError`` with the English OB ``Message`` partners rely on; the
console never shows that text. :func:`problem_of` maps an error to a locale key of
``locales/*.json`` (``error.*``): first by the stable ``key`` its error item carries
(``conflict(..., key="kb_stale", args={"version": 3})``, see ``MESSAGES``; the English
wording may change freely), then by its ``U0xx`` code, then a generic message with the
request's reference (the interaction id, which the audit trail records) — never the detail
of an unknown failure.

Failed form posts redirect back with ``?error=<name>[&arg=…][&ref=…]`` (:func:`flash_query`);
:func:`flash_message` turns that back into text, accepting only known names and arguments.
Errors raised while serving a page (403, 400 U004, 404, 422, 500) are rendered as the
``error.html`` page in the staff member's language by ``wendu.console.route.ConsoleRoute``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from wendu.console.i18n import catalogue, translate
from wendu.errors import WenduError

log = logging.getLogger("wendu.console")

GENERIC = "generic"
_ARG = re.compile(r"^[a-z0-9_]{1,40}$")
_REF = re.compile(r"^[A-Za-z0-9-]{8,64}$")


# The message keys use cases raise (``bad_request(..., key=..., args=...)``), each with the
# arguments its text shows: an argument's name in ``args`` and the locale prefix its value is
# shown through (``tstatus.`` turns ``closed`` into 已关闭), or ``None`` for a plain number.
# The text is ``error.<key>``, whose placeholders are ``{a0}``, ``{a1}``… in this order.
Labels = tuple[tuple[str, str | None], ...]
MESSAGES: dict[str, Labels] = {
    # Conversations
    "reply_empty": (),
    "reply_too_long": (),
    "conversation_closed": (),
    "conversation_not_open": (),
    "not_with_person": (),
    "already_with_person": (),
    "agent_unavailable": (),
    "agent_at_capacity": (),
    "at_capacity": (),
    "not_an_agent": (),
    "colleagues_conversation": (),
    "transfer_not_allowed": (),
    "assign_not_allowed": (),
    "transfer_target": (),
    "invalid_presence": (),
    # Tickets
    "ticket_transition": (("from", "tstatus."), ("to", "tstatus.")),
    "invalid_status": (),
    "invalid_priority": (),
    "invalid_category": (),
    "ticket_closed": (),
    "no_suggestion": (),
    # Knowledge base
    "kb_stale": (("version", None),),
    "kb_slug_taken": (),
    "kb_slug_invalid": (),
    "field_required": (("field", "field."),),
    "field_too_long": (("field", "field."), ("limit", None)),
    "invalid_tags": (),
    "no_change": (),
    # Roles and forms
    "csrf": (),
    "read_only": (),
    "role": (),
    "reports_forbidden": (),
    "audit_forbidden": (),
    "page_not_found": (),
}
# ``unknown_resource(what)`` raises this key with ``kind``; the message is ``unknown.<kind>``.
UNKNOWN_KEY = "unknown_resource"
# The resources whose unknown id the console can meet; any other gets ``unknown_resource``.
UNKNOWN_KINDS = (
    "agent",
    "article",
    "canned_response",
    "conversation",
    "customer",
    "mentioned_staff_user",
    "staff_user",
    "team",
    "ticket",
    "transaction",
)
BY_CODE: dict[str, str] = {
    "U001": "missing_field",
    "U002": "invalid_value",
    "U003": "invalid_value",
    "U004": "unknown_resource",
    "U005": "conflict",
    "U011": "conflict",
    "U014": "unauthorized",
    "U015": "forbidden",
    "U016": "rate_limited",
    "U018": "conflict",
}
BY_STATUS: dict[int, str] = {404: "page_not_found", 405: "page_not_found", 422: "invalid_form"}
# The only names a message may be shown by (``error.title.*`` and the like are not messages).
FLASH_NAMES = frozenset(
    set(MESSAGES)
    | set(BY_CODE.values())
    | set(BY_STATUS.values())
    | {f"unknown.{k}" for k in UNKNOWN_KINDS}
    | {"unknown_resource", GENERIC}
)


@dataclass(frozen=True)
class Problem:
    """An error as staff see it: a message name (``error.<name>``) and its arguments."""

    name: str
    args: tuple[str, ...] = ()
    reference: str | None = None
    status: int = 400

    def message(self, language: str) -> str:
        """Return the translated message (the generic one when an argument is unknown)."""
        return message_for(language, self.name, self.args, self.reference)


def problem_of(exc: WenduError, reference: str | None = None) -> Problem:
    """Return what staff should read for ``exc`` (its key, its code, or the generic message)."""
    item = exc.items[0] if exc.items else None
    if item is not None and item.key == UNKNOWN_KEY:
        kind = item.args.get("kind", "")
        name = f"unknown.{kind}" if kind in UNKNOWN_KINDS else "unknown_resource"
        return Problem(name, status=exc.status)
    if item is not None and item.key in MESSAGES:
        args = tuple(item.args.get(arg, "") for arg, _ in MESSAGES[item.key])
        # A key whose values have no label (a field the catalogue does not name) falls
        # through to the message of its code.
        if _arguments(item.key, args, "en") is not None:
            return Problem(item.key, args, status=exc.status)
    if item is not None and item.code in BY_CODE:
        if exc.status in BY_STATUS and item.code == "U004":  # an unknown path, not an id
            return Problem(BY_STATUS[exc.status], status=exc.status)
        return Problem(BY_CODE[item.code], status=exc.status)
    log.info("console error without a translation (ref %s): %s", reference, exc)
    return Problem(GENERIC, reference=reference, status=exc.status)


def _known(name: str) -> bool:
    return name in FLASH_NAMES and f"error.{name}" in catalogue("en")


def _arguments(name: str, args: Sequence[str], language: str) -> dict[str, str] | None:
    labels = MESSAGES.get(name, ())
    if len(args) != len(labels):
        return None
    values: dict[str, str] = {}
    for index, (arg, (_, prefix)) in enumerate(zip(args, labels, strict=True)):
        if prefix is None:
            if not arg.isdigit() or len(arg) > 9:
                return None
            values[f"a{index}"] = arg
        else:
            if not _ARG.match(arg) or f"{prefix}{arg}" not in catalogue("en"):
                return None
            values[f"a{index}"] = translate(language, f"{prefix}{arg}")
    return values


def message_for(
    language: str, name: str, args: Sequence[str] = (), reference: str | None = None
) -> str:
    """Return the text of ``error.<name>`` with its arguments shown through their labels.

    Anything not in the catalogue, or an argument that is not a known label, becomes the
    generic message, so a crafted link cannot put words of its own on a console page.
    """
    values = _arguments(name, args, language) if _known(name) else None
    if values is None:
        name, values = GENERIC, {}
    if name == GENERIC:
        if reference and _REF.match(reference):
            return translate(language, "error.generic_ref", ref=reference)
        return translate(language, "error.generic")
    return translate(language, f"error.{name}", **values)


def flash_query(problem: Problem) -> str:
    """Return the query string a redirect carries the problem in."""
    pairs: list[tuple[str, str]] = [("error", problem.name)]
    pairs += [("arg", a) for a in problem.args]
    if problem.reference:
        pairs.append(("ref", problem.reference))
    return urlencode(pairs)


def flash_message(query: Any, language: str) -> str | None:
    """Return the translated error a redirect carried in ``query`` (``request.query_params``)."""
    name = query.get("error")
    if not name:
        return None
    return message_for(language, str(name)[:60], query.getlist("arg")[:4], query.get("ref"))
