"""The checks a story can ask for, each read back from the bank rather than from canned text
where a fact exists: figures from the Open Banking API, card status and connected apps from
the customer API, tickets and hand-offs from the helpdesk's tables.

Vocabulary (``name`` or ``name: argument``):

- ``balance: current|savings|credit_card|any|all`` — the reply states that account's
  balance (available or booked), exactly.
- ``spent: {merchant: NAME, info: TEXT, period: PERIOD or [PERIODS], direction: out|in}``
  — the reply states the total (see :mod:`wendu.assistant.stories.oracle`); any listed
  period may match.
- ``count: {same}`` — the reply states how many transactions make that total
  (``direction: any`` counts every movement).
- ``frozen: LAST4|debit|credit`` / ``active: LAST4|...`` / ``not_frozen`` (no card was
  frozen in the chat) — cards' status via the customer API.
- ``not_stored: TEXT or [TEXTS]`` — the chat's stored transcript (via the chat API) does
  not contain them (a CVV, an expiry date).
- ``revoked: APP`` / ``kept: APP`` — the app is gone from / still among connected apps.
- ``ticket: {kind, category, team}`` (each optional; ``category`` is a glob,
  ``|`` between alternatives) /
  ``no_ticket`` — tickets opened in this conversation.
- ``handoff`` or ``handoff: {team, reason}`` / ``no_handoff`` — the conversation's status.
- ``article: SLUG or [SLUGS]`` — the first help article the reply links to; ``no_article``.
- ``declined`` — answered, but no article, ticket, hand-off, card or app change.
- ``offers_person`` — the reply offers a person (the one text check: no fact to read).
- ``products: {kind: KIND or [KINDS], risk: [LEVELS]}`` — the reply names a catalogue
  product (via the public products API) of that kind and risk, and none of another risk.
- ``mentions: TEXT or [TEXTS]`` — the reply contains one of them (for card digits, names).
- ``script: Hans|Hant|en|any`` — override the story language's script check.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from sqlalchemy import or_, select

from wendu.assistant.stories import oracle
from wendu.assistant.stories.bank import OpenChat, StoryBank

WITH_PERSON = ("queued", "assigned")
_NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])-?\d+(?:\.\d+)?")
_AMOUNT = re.compile(r"\d[\d,]*\.\d\d(?!\d)")
_ARTICLE = re.compile(r"/help/articles/([a-z0-9][a-z0-9-]*)")
_PERSON = re.compile(
    r"人工|同事|专员|專員|真人|agent|colleague|person|human|someone|staff|team member",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass
class Context:
    """What a check may look at: the story's chat, the replies in scope, the bank."""

    bank: StoryBank
    chat: OpenChat
    replies: list[str]
    cards_before: list[dict[str, Any]] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Return the replies in scope as one text."""
        return "\n".join(self.replies)

    def transactions(self) -> list[dict[str, Any]]:
        """Return every transaction the customer's token reads (once per story)."""
        if "txns" not in self.cache:
            self.cache["txns"] = oracle.all_transactions(
                lambda path, **p: self.bank.get(self.chat, path, **p)
            )
        rows: list[dict[str, Any]] = self.cache["txns"]
        return rows

    def cards(self) -> list[dict[str, Any]]:
        """Return the customer's cards as the customer API shows them now."""
        return list(self.bank.get(self.chat, "/customer-api/v1/cards")["cards"])

    def apps(self) -> list[dict[str, Any]]:
        """Return the customer's connected apps as the customer API shows them now."""
        return list(self.bank.get(self.chat, "/customer-api/v1/connected-apps")["apps"])

    def conversation(self) -> Any:
        """Return the helpdesk's conversation row of this chat."""
        from wendu.helpdesk.models import Conversation

        with self.bank.db.session(write=False) as session:
            found = session.get(Conversation, self.chat.conversation_id)
            assert found is not None
            session.expunge(found)
            return found

    def tickets(self) -> list[Any]:
        """Return the tickets opened in this conversation."""
        from wendu.helpdesk.models import Ticket, TicketConversation

        with self.bank.db.session(write=False) as session:
            linked = select(TicketConversation.ticket_id).where(
                TicketConversation.conversation_id == self.chat.conversation_id
            )
            rows = list(
                session.scalars(
                    select(Ticket).where(
                        or_(
                            Ticket.conversation_id == self.chat.conversation_id,
                            Ticket.id.in_(linked),
                        )
                    )
                )
            )
            for row in rows:
                session.expunge(row)
            return rows


Outcome = str | None  # None: the check holds; else what went wrong
CheckFn = Callable[[Context, Any], Outcome]


def numbers(text: str) -> set[Decimal]:
    """Return every number written in ``text`` (thousands separators allowed), unsigned."""
    found = set()
    for raw in _NUMBER.findall(text):
        try:
            found.add(abs(Decimal(raw.replace(",", ""))))
        except InvalidOperation:
            continue
    return found


def _states(text: str, *figures: Decimal | None) -> bool:
    """Return True when ``text`` writes one of ``figures`` (unsigned)."""
    written = numbers(text)
    return any(f is not None and abs(f) in written for f in figures)


def check_balance(ctx: Context, arg: Any) -> Outcome:
    which = str(arg or "any")
    accounts = oracle.balances(lambda path, **p: ctx.bank.get(ctx.chat, path, **p))
    chosen = accounts if which in ("any", "all") else [a for a in accounts if a["kind"] == which]
    if not chosen:
        return f"the customer has no {which} account"
    stated = [a for a in chosen if _states(ctx.text, a["available"], a["booked"])]
    if which == "all" and len(stated) == len(chosen):
        return None
    if which != "all" and stated:
        return None
    wanted = ", ".join(f"{a['kind']} {a['available']} {a['currency']}" for a in chosen)
    return f"expected the balance ({wanted}) in the reply"


def _periods(arg: dict[str, Any]) -> list[str]:
    period = arg.get("period", "all")
    return [str(p) for p in period] if isinstance(period, list) else [str(period)]


def _figures(ctx: Context, arg: Any) -> list[oracle.Figure]:
    if not isinstance(arg, dict):
        arg = {"merchant": arg} if arg else {}
    figures = []
    for period in _periods(arg):
        span = oracle.window(period, ctx.bank.today)
        figures.append(
            oracle.spending(
                ctx.transactions(),
                span,
                ctx.bank.zone,
                merchant=arg.get("merchant"),
                info=arg.get("info"),
                direction=str(arg.get("direction", "out")),
            )
        )
    return figures


def _describe(figures: list[oracle.Figure], what: str) -> str:
    parts = []
    for f in figures:
        span = f"{f.window[0]}..{f.window[1]}" if f.window else "all time"
        value = f.total if what == "total" else f.count
        parts.append(f"{value} ({span}, {f.count} transactions)")
    return " or ".join(parts)


def check_spent(ctx: Context, arg: Any) -> Outcome:
    figures = _figures(ctx, arg)
    for figure in figures:
        if figure.count == 0:
            # Nothing to total: a reply saying so is right, one stating amounts is not.
            amounts = {Decimal(a.replace(",", "")) for a in _AMOUNT.findall(ctx.text)}
            if not amounts - {Decimal(0)}:
                return None
        elif _states(ctx.text, figure.total):
            return None
    return f"expected the total {_describe(figures, 'total')} in the reply"


def check_count(ctx: Context, arg: Any) -> Outcome:
    figures = _figures(ctx, arg)
    if any(_states(ctx.text, Decimal(f.count)) for f in figures):
        return None
    return f"expected the count {_describe(figures, 'count')} in the reply"


def _card_matches(card: dict[str, Any], which: str) -> bool:
    return which in (card["last4"], card["kind"], card["brand"].lower())


def check_frozen(ctx: Context, arg: Any) -> Outcome:
    which = str(arg)
    cards = [c for c in ctx.cards() if _card_matches(c, which)]
    if not cards:
        return f"the customer has no card {which!r}"
    if any(c["status"] == "frozen" for c in cards):
        return None
    return f"card {which} is {', '.join(c['status'] for c in cards)}, expected frozen"


def check_active(ctx: Context, arg: Any) -> Outcome:
    which = str(arg)
    cards = [c for c in ctx.cards() if _card_matches(c, which)]
    if not cards:
        return f"the customer has no card {which!r}"
    if all(c["status"] == "active" for c in cards):
        return None
    return f"card {which} is {', '.join(c['status'] for c in cards)}, expected active"


def check_not_frozen(ctx: Context, arg: Any) -> Outcome:
    before = {c["card_id"]: c["status"] for c in ctx.cards_before}
    now = ctx.cards()
    changed = [
        c["last4"] for c in now if c["status"] == "frozen" and before.get(c["card_id"]) != "frozen"
    ]
    return f"card(s) {', '.join(changed)} were frozen" if changed else None


def _app_names(ctx: Context) -> list[str]:
    return [a["partner_name"] for a in ctx.apps() if not a["current"]]


def check_revoked(ctx: Context, arg: Any) -> Outcome:
    names = _app_names(ctx)
    return f"{arg!r} is still connected ({names})" if str(arg) in names else None


def check_kept(ctx: Context, arg: Any) -> Outcome:
    names = _app_names(ctx)
    return None if str(arg) in names else f"{arg!r} is no longer connected ({names})"


def check_ticket(ctx: Context, arg: Any) -> Outcome:
    from wendu.helpdesk.models import Team

    tickets = ctx.tickets()
    if not tickets:
        return "no ticket was opened"
    want = arg if isinstance(arg, dict) else {}
    problems: list[str] = []
    for ticket in tickets:
        problems = []
        if want.get("kind") and ticket.kind != want["kind"]:
            problems.append(f"kind {ticket.kind}, expected {want['kind']}")
        category = str(want.get("category") or "")
        if category and not _category_matches(ticket.category, category):
            problems.append(f"category {ticket.category}, expected {category}")
        team = want.get("team")
        if team:
            with ctx.bank.db.session(write=False) as session:
                found = session.get(Team, ticket.team_id) if ticket.team_id else None
                team_id = found.id if found else None
            if team_id != team:
                problems.append(f"team {team_id}, expected {team}")
        if not problems:
            return None
    return "ticket " + "; ".join(problems)


def _category_matches(actual: str | None, wanted: str) -> bool:
    if actual is None:
        return False
    return any(fnmatch.fnmatchcase(actual, w.strip()) for w in wanted.split("|"))


def check_no_ticket(ctx: Context, arg: Any) -> Outcome:
    tickets = ctx.tickets()
    return f"a ticket was opened ({tickets[0].kind}: {tickets[0].subject})" if tickets else None


def check_handoff(ctx: Context, arg: Any) -> Outcome:
    conversation = ctx.conversation()
    if conversation.status not in WITH_PERSON:
        return f"not handed off (status {conversation.status})"
    want = arg if isinstance(arg, dict) else ({"team": arg} if arg else {})
    if want.get("team") and conversation.team_id != want["team"]:
        return f"handed off to team {conversation.team_id}, expected {want['team']}"
    if want.get("reason") and conversation.handoff_reason != want["reason"]:
        return f"hand-off reason {conversation.handoff_reason}, expected {want['reason']}"
    return None


def check_no_handoff(ctx: Context, arg: Any) -> Outcome:
    conversation = ctx.conversation()
    if conversation.status in WITH_PERSON:
        return f"handed off to a person (reason {conversation.handoff_reason})"
    return None


def cited(text: str) -> list[str]:
    """Return the slugs of the help articles ``text`` links to, in order."""
    return _ARTICLE.findall(text)


def check_article(ctx: Context, arg: Any) -> Outcome:
    slugs = cited(ctx.text)
    wanted = [str(a) for a in arg] if isinstance(arg, list) else [str(arg)]
    if slugs and slugs[0] in wanted:
        return None
    return f"cited {slugs or 'no article'}, expected {' or '.join(wanted)}"


def check_no_article(ctx: Context, arg: Any) -> Outcome:
    slugs = cited(ctx.text)
    return f"cited {slugs}" if slugs else None


def check_declined(ctx: Context, arg: Any) -> Outcome:
    if not ctx.text.strip():
        return "no reply"
    for check in (check_no_article, check_no_ticket, check_no_handoff, check_not_frozen):
        if (problem := check(ctx, None)) is not None:
            return problem
    return None


def check_offers_person(ctx: Context, arg: Any) -> Outcome:
    return None if _PERSON.search(ctx.text) else "the reply offers no person"


def _simplified(text: str) -> str:
    return str(_converter("t2s").convert(text))


def check_products(ctx: Context, arg: Any) -> Outcome:
    want = arg if isinstance(arg, dict) else {"kind": arg}
    kinds = want.get("kind")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    allowed = [str(r) for r in want.get("risk") or []]
    catalogue = ctx.bank.get(ctx.chat, "/api/v1/products")["products"]
    text = _simplified(ctx.text).lower()

    def named(product: dict[str, Any]) -> bool:
        names = [str(n) for n in (product.get("name") or {}).values() if n]
        return any(_simplified(n).lower() in text for n in names)

    def fits(product: dict[str, Any]) -> bool:
        if kinds and product["kind"] not in kinds:
            return False
        return not allowed or (product.get("risk_level") or "") in allowed

    shown = [p for p in catalogue if named(p)]
    if not any(fits(p) for p in shown):
        return f"the reply names no {'/'.join(kinds) or 'product'} {'/'.join(allowed)}"
    risky = [p for p in shown if allowed and p.get("risk_level") and p["risk_level"] not in allowed]
    if risky:
        listed = ", ".join(f"{p['name']['en']} {p['risk_level']}" for p in risky)
        return f"the reply also offers {listed}, outside risk {'/'.join(allowed)}"
    return None


def check_mentions(ctx: Context, arg: Any) -> Outcome:
    wanted = [str(a) for a in arg] if isinstance(arg, list) else [str(arg)]
    if any(w.lower() in ctx.text.lower() for w in wanted):
        return None
    return f"the reply mentions none of {wanted}"


def check_not_stored(ctx: Context, arg: Any) -> Outcome:
    body = ctx.bank.get(ctx.chat, f"/chat/v1/sessions/{ctx.chat.session_id}/messages")
    stored = "\n".join(str(m["text"]) for m in body["messages"])
    wanted = [str(a) for a in arg] if isinstance(arg, list) else [str(arg)]
    found = [w for w in wanted if w in stored]
    return f"the stored transcript contains {found}" if found else None


def check_script(ctx: Context, arg: Any) -> Outcome:
    return script_problem(ctx.replies, str(arg))


@cache
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def _changed(text: str, configs: tuple[str, ...]) -> list[str]:
    """Return the characters of ``text`` every converter in ``configs`` changes."""
    converted = [_converter(c).convert(text) for c in configs]
    if any(len(c) != len(text) for c in converted):  # phrase rules changed a length
        converted = ["".join(_converter(c).convert(ch) for ch in text) for c in configs]
    return [ch for i, ch in enumerate(text) if all(c[i] != ch for c in converted)]


def script_problem(replies: list[str], script: str) -> Outcome:
    """Return what is wrong with the replies' script: ``Hans`` (no Traditional characters),
    ``Hant`` (no simplified ones: every converter to Traditional leaves them as they are),
    ``en`` (mostly Latin letters) or ``any``."""
    if script == "any":
        return None
    for reply in replies:
        if script == "Hant":
            bad = _changed(reply, ("s2t", "s2hk", "s2tw"))
            if bad:
                chars = "".join(dict.fromkeys(bad))[:20]
                return f"simplified {chars} in a reply to a Traditional writer: {reply[:80]!r}"
        elif script == "Hans":
            bad = _changed(reply, ("t2s", "hk2s", "tw2s"))
            if bad:
                chars = "".join(dict.fromkeys(bad))[:20]
                return f"Traditional {chars} in a reply to a simplified writer: {reply[:80]!r}"
        elif script == "en":
            cjk, latin = len(_CJK.findall(reply)), len(_LATIN.findall(reply))
            if cjk > 0.3 * (cjk + latin):
                return f"a reply to an English writer is not in English: {reply[:80]!r}"
    return None


CHECKS: dict[str, CheckFn] = {
    "balance": check_balance,
    "spent": check_spent,
    "count": check_count,
    "frozen": check_frozen,
    "not_frozen": check_not_frozen,
    "active": check_active,
    "not_stored": check_not_stored,
    "revoked": check_revoked,
    "kept": check_kept,
    "ticket": check_ticket,
    "no_ticket": check_no_ticket,
    "handoff": check_handoff,
    "no_handoff": check_no_handoff,
    "article": check_article,
    "no_article": check_no_article,
    "declined": check_declined,
    "offers_person": check_offers_person,
    "products": check_products,
    "mentions": check_mentions,
    "script": check_script,
}

SCRIPT_OF_LANGUAGE = {
    "zh-Hans": "Hans",
    "zh-Hant-HK": "Hant",
    "zh-Hant-TW": "Hant",
    "en": "en",
    "mixed": "any",
}
