"""What staff see when something fails: every error as a translated message, never English.

The use cases raise ``WenduError`` with the English OB ``Message`` partners rely on; the
console never shows that text. :func:`problem_of` maps an error to a locale key of
``locales/*.json`` (``error.*``): first by the known message of a use case (``RULES``, each
naming a fragment of the source that raises it, so a test notices when one is reworded),
then by its ``U0xx`` code, then a generic message with the request's reference (the
interaction id, which the audit trail records) — never the detail of an unknown failure.

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


@dataclass(frozen=True)
class Rule:
    """A use-case error the console knows: its message pattern and the message key it gets.

    ``labels`` gives, for each group of ``pattern``, the locale prefix its value is shown
    through (``tstatus.`` turns ``closed`` into 已关闭), or ``None`` for a plain number.
    ``source`` is a literal fragment of the code that raises it (checked by a test).
    """

    name: str
    pattern: str
    source: str
    labels: tuple[str | None, ...] = ()


RULES: tuple[Rule, ...] = (
    # Conversations
    Rule("reply_empty", r"write a reply or pick a canned response", "write a reply or pick"),
    Rule("reply_empty", r"a message needs text", "a message needs text"),
    Rule("reply_too_long", r"a message has at most \d+ characters", "a message has at most"),
    Rule("conversation_closed", r"the conversation is closed", "the conversation is closed"),
    Rule("conversation_not_open", r"the conversation is not open", "the conversation is not open"),
    Rule(
        "not_with_person",
        r"only a conversation with a person can be (handed back|transferred)",
        "only a conversation with a person can be",
    ),
    Rule(
        "already_with_person",
        r"the conversation is already with a person",
        "the conversation is already with a person",
    ),
    Rule("agent_unavailable", r"that agent is not (online|available)", "that agent is not"),
    Rule("agent_at_capacity", r"that agent is at capacity", "that agent is at capacity"),
    Rule("at_capacity", r"you are at capacity", "you are at capacity"),
    Rule("not_an_agent", r"you are not a member of any team's routing", "any team's routing"),
    Rule("not_an_agent", r"you are not an agent of any team", "you are not an agent of any"),
    Rule(
        "colleagues_conversation",
        r"Only supervisors take a colleague's conversation.*",
        "Only supervisors take a colleague's conversation",
    ),
    Rule(
        "transfer_not_allowed",
        r"Only the assigned agent or a supervisor transfers a conversation",
        "Only the assigned agent or a supervisor transfers",
    ),
    Rule(
        "assign_not_allowed",
        r"Only supervisors and admins assign to others.*",
        "Only supervisors and admins assign to others",
    ),
    Rule("transfer_target", r"give exactly one of to_agent_id and to_team_id", "give exactly one"),
    Rule("invalid_presence", r"unknown presence|presence must be one of .*", "unknown presence"),
    # Tickets
    Rule(
        "ticket_transition",
        r"a ([a-z_]+) ticket cannot become ([a-z_]+)",
        "ticket cannot become",
        ("tstatus.", "tstatus."),
    ),
    Rule("invalid_status", r"unknown status", '"unknown status"'),
    Rule("invalid_status", r"status must be .*", "status must be {"),
    Rule("invalid_priority", r"unknown priority", '"unknown priority"'),
    Rule("invalid_category", r"unknown category.*", "unknown category: use a taxonomy code"),
    Rule("ticket_closed", r"the ticket is closed", "the ticket is closed"),
    Rule("no_suggestion", r"the ticket has no suggestion", "the ticket has no suggestion"),
    # Knowledge base
    Rule(
        "kb_stale",
        r"the article is at version (\d+), not \d+; reload it and apply the edit again",
        "reload it and apply the edit again",
        (None,),
    ),
    Rule("kb_slug_taken", r"an article with slug .* exists", "an article with slug"),
    Rule("kb_slug_invalid", r"slug must be .*", "slug must be 3"),
    Rule("field_required", r"([a-z_]+) is required", "is required", ("field.",)),
    Rule("field_required", r"([a-z_]+) must not be empty", "must not be empty", ("field.",)),
    Rule(
        "field_too_long",
        r"([a-z_]+) must have at most (\d+) characters",
        "must have at most {limit} characters",
        ("field.", None),
    ),
    Rule("invalid_tags", r"tags must be .*|at most \d+ tags of .*", "tags must be a list"),
    Rule("no_change", r"the edit changes no field", "the edit changes no field"),
    # Roles and forms
    Rule("csrf", r"The form has expired or did not come from this console.*", "The form has"),
    Rule("read_only", r"Your role is read-only", "Your role is read-only"),
    Rule("role", r"Your role does not allow this action", "Your role does not allow"),
    Rule("reports_forbidden", r"Reports are for supervisors, admins and auditors", "Reports are"),
    Rule(
        "audit_forbidden",
        r"The audit trail is for supervisors, admins and auditors",
        "The audit trail is for",
    ),
    Rule("page_not_found", r"No such console asset", "No such console asset"),
)
_COMPILED = tuple((rule, re.compile(rf"^(?:{rule.pattern})$")) for rule in RULES)
_UNKNOWN_ID = re.compile(r"^The (.+) id is not valid for this request$")
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
    {r.name for r in RULES}
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


def _rule_args(rule: Rule, groups: Sequence[str | None]) -> tuple[str, ...]:
    return tuple(g or "" for g in groups[: len(rule.labels)])


def problem_of(exc: WenduError, reference: str | None = None) -> Problem:
    """Return what staff should read for ``exc`` (a known message, its code, or generic)."""
    item = exc.items[0] if exc.items else None
    message = item.message if item else ""
    for rule, pattern in _COMPILED:
        match = pattern.match(message)
        # A match whose values have no label (a field the catalogue does not name) falls
        # through to the message of its code.
        if match and _arguments(rule.name, _rule_args(rule, match.groups()), "en") is not None:
            return Problem(rule.name, _rule_args(rule, match.groups()), status=exc.status)
    unknown = _UNKNOWN_ID.match(message)
    if unknown and item is not None and item.code == "U004":
        kind = unknown.group(1).replace(" ", "_")
        name = f"unknown.{kind}" if kind in UNKNOWN_KINDS else "unknown_resource"
        return Problem(name, status=exc.status)
    if item is not None and item.code in BY_CODE:
        if exc.status in BY_STATUS and item.code == "U004":  # an unknown path, not an id
            return Problem(BY_STATUS[exc.status], status=exc.status)
        return Problem(BY_CODE[item.code], status=exc.status)
    log.info("console error without a translation (ref %s): %s", reference, exc)
    return Problem(GENERIC, reference=reference, status=exc.status)


def _known(name: str) -> bool:
    return name in FLASH_NAMES and f"error.{name}" in catalogue("en")


def _arguments(name: str, args: Sequence[str], language: str) -> dict[str, str] | None:
    rule = next((r for r in RULES if r.name == name), None)
    labels = rule.labels if rule else ()
    if len(args) != len(labels):
        return None
    values: dict[str, str] = {}
    for index, (arg, prefix) in enumerate(zip(args, labels, strict=True)):
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
