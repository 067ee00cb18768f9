"""One dialogue turn: understand the message, continue or switch the task, answer.

A turn is pure decision plus API calls: it reads and returns the persisted ``state`` and
collects *effects* (replies, a ticket to open, a hand-off) that the channel applies in one
transaction. Account data is reached only through ``BankApi`` with the customer's token.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from wendu.assistant.dialogue.questions import asks_about_task
from wendu.assistant.dialogue.texts import flow_name, say
from wendu.assistant.flows import tasks
from wendu.assistant.flows.api import ApiFailed, ApiRefused, BankApi
from wendu.assistant.flows.clock import BankClock
from wendu.assistant.nlu.entities import find_dates
from wendu.assistant.sentiment import Sentiment, anger_rising
from wendu.config import get_settings
from wendu.kit.masking import mask_sensitive

CONFIDENT = 0.55
MAX_HISTORY = 20
SMALL_TALK = ("greeting", "goodbye", "thanks")
TRANSFER_INTENTS = (
    "transfer_not_received_by_recipient",
    "pending_transfer",
    "failed_transfer",
    "transfer_timing",
    "balance_not_updated_after_bank_transfer",
)
DISPUTE_INTENTS = (
    "request_refund",
    "Refund_not_showing_up",
    "card_payment_not_recognised",
    "direct_debit_payment_not_recognised",
    "cash_withdrawal_not_recognised",
    "transaction_charged_twice",
    "extra_charge_on_statement",
    "reverted_card_payment?",
)
CARD_LOSS_INTENTS = ("lost_or_stolen_card", "compromised_card")
TASK_INTENTS = (
    "check_balance",
    "recent_transactions",
    "manage_connected_apps",
    "product_inquiry",
    *CARD_LOSS_INTENTS,
    *TRANSFER_INTENTS,
    *DISPUTE_INTENTS,
)

_YES = re.compile(
    r"^\s*(yes|yeah|yep|yup|sure|ok\b|okay|confirm|go ahead|do it|please do|correct|right\b|y\b|"
    r"是|对|好|确认|确定|可以|行|嗯|没问题|冻结|开吧|提交)",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^\s*(no\b|nope|nah|cancel|stop|don'?t|do not|never ?mind|not now|n\b|"
    r"不|算了|取消|否|先不|别)",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(not|don'?t|no)\b|不|别", re.IGNORECASE)
# A whole message that only says yes or no (punctuation and spaces removed, lower case).
_BARE_ANSWER = re.compile(
    r"yes|yeah|yep|ok|okay|sure|no|nope|是|是的|对|对的|好|好的|可以|行|嗯|嗯嗯|不|不是|不用|否"
)
# Intents that say nothing new after a refusal ("no thanks", "不用了，再见").
_CLOSINGS = ("greeting", "goodbye", "thanks", "out_of_scope")
# Picking one of the listed options by position: "the second one", "第二张", "the last".
_ORDINAL_WORDS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
    "fourth": 4, "4th": 4, "fifth": 5, "5th": 5,
}  # fmt: skip
_ZH_ORDINAL = re.compile(r"第\s*([一二两三四五六七八九]|\d{1,2})")
_ZH_DIGITS = "一二三四五六七八九"
_LAST_OPTION = re.compile(r"\blast (one|card|app)\b|^\s*(the )?last\b|最后(一|那)", re.I)
_REVOKE_WORDS = re.compile(r"revoke|remove|disconnect|cancel|stop|取消|撤销|解除|删除|关闭", re.I)


@dataclass
class Understanding:
    """What the NLU and sentiment made of one customer message.

    ``text`` is what every pattern here reads: the message as simplified Mandarin
    (Traditional and Cantonese converted, see ``nlu.script``); ``original`` is what the
    customer typed (stored in the transcript); ``script`` is the chat's script after this
    message ("Hans", "Hant-HK", "Hant-TW", "" for English) — replies are converted to it
    when stored, so the engine always writes simplified Chinese.
    """

    text: str
    intent: str
    confidence: float
    language: str
    entities: list[dict[str, Any]]
    sentiment: Sentiment
    original: str = ""
    script: str = ""

    def __post_init__(self) -> None:
        if not self.original:
            self.original = self.text

    @property
    def confident(self) -> bool:
        """Return True for an in-scope intent the assistant may act on."""
        return self.intent != "out_of_scope" and self.confidence >= CONFIDENT

    def entity(self, name: str) -> dict[str, Any] | None:
        """Return the first entity of type ``name``."""
        return next((e for e in self.entities if e.get("entity") == name), None)


@dataclass
class Ticket:
    """A ticket the channel opens in the turn's transaction."""

    kind: str  # request | complaint
    subject: str
    description: str


@dataclass
class Effects:
    """What a turn decided: replies, and maybe a ticket and a hand-off."""

    replies: list[str] = field(default_factory=list)
    ticket: Ticket | None = None
    handoff: str | None = None  # reason
    summary: str = ""


# knowledge(text, lang, intent=None, confidence=0.0) -> {slug, title, quote, url} or None
KnowledgeLookup = Callable[..., Awaitable[dict[str, Any] | None]]


def new_state() -> dict[str, Any]:
    """Return the state of a chat that has just begun."""
    return {
        "flow": None,
        "pending": None,
        "intents": [],
        "slots": {},
        "fallbacks": 0,
        "sentiments": [],
        "emotions": [],
        "handed_off": False,
    }


class Turn:
    """Decide the answer to one message given the persisted state."""

    def __init__(
        self,
        state: dict[str, Any],
        understanding: Understanding,
        api: BankApi,
        knowledge: KnowledgeLookup,
        clock: BankClock | None = None,
    ) -> None:
        self.state = state
        self.clock = clock or BankClock.for_settings(get_settings())
        self.u = understanding
        self.lang = understanding.language if understanding.language in ("zh", "en") else "en"
        self.api = api
        self.knowledge = knowledge
        self.fx = Effects()

    def reply(self, key: str, **values: Any) -> None:
        """Add a reply in the customer's language."""
        self.fx.replies.append(say(key, self.lang, **values))

    async def run(self) -> Effects:
        """Run the turn and return its effects; ``self.state`` is updated in place."""
        u = self.u
        self.state["intents"] = (self.state["intents"] + [u.intent])[-MAX_HISTORY:]
        self.state["sentiments"] = (self.state["sentiments"] + [u.sentiment.score])[-10:]
        self.state["emotions"] = (self.state["emotions"] + [u.sentiment.emotion])[-10:]
        if self.state.get("pending"):
            if await self._answer_pending():
                return self.fx
        elif self.state.get("flow") and await self._continue_flow():
            return self.fx
        elif _BARE_ANSWER.fullmatch(re.sub(r"[\W_]+", "", u.text.lower())):
            # "yes" / "好的" with nothing to confirm: acknowledge, don't guess an intent.
            self.reply("anything_else")
            return self.fx
        complaint = u.intent == "make_complaint" and u.confident
        if anger_rising(self.state["sentiments"]):
            # An angry customer goes to a person at once; for a complaint the agent files it.
            self._hand_off("complaint" if complaint else "anger", "handoff_anger")
            return self.fx
        if complaint:
            self._start_complaint()
            return self.fx
        await self._dispatch()
        return self.fx

    # --- pending confirmations and slot questions ------------------------------------------

    async def _answer_pending(self) -> bool:
        pending = self.state["pending"]
        text = self.u.text
        if _YES.match(text) and not _NEGATED.search(text):
            self.state["pending"] = None
            self.state["flow"] = None
            await self._execute(pending)
            return True
        if _NO.match(text):
            self.state["pending"] = None
            self.state["flow"] = None
            self.reply("cancelled")
            return not self._asks_something_else()
        if self.u.confident and self.u.intent not in ("goodbye", "thanks"):
            self._abandon(pending["flow"])
            return False
        self.reply("confirm_again")
        return True

    async def _continue_flow(self) -> bool:
        flow = self.state["flow"]
        # A choice first: "取消第一个" / "cancel the first one" picks the app to revoke, and
        # "不，是第二张" the card; either still has to be confirmed before anything happens.
        if flow["name"] == "freeze_card" and (card := self._pick_card(flow["options"])):
            self._confirm_freeze(card)
            return True
        if flow["name"] == "revoke_app" and (app := self._pick_app(flow["options"])):
            self._confirm_revoke(app)
            return True
        if _NO.match(self.u.text):
            self.state["flow"] = None
            self.reply("cancelled")
            return not self._asks_something_else()
        # "yes" or "hi" is no answer to "which one?", and no new topic either: ask again.
        small_talk = self.u.intent in ("greeting", "thanks") or _YES.match(self.u.text)
        if self.u.confident and not small_talk:
            self._abandon(flow["name"])
            return False
        self.reply("card_which" if flow["name"] == "freeze_card" else "app_which",
                   cards=", ".join(o["last4"] for o in flow["options"]))  # fmt: skip
        return True

    def _asks_something_else(self) -> bool:
        """Return True when a refusal goes on to ask for something else in the same message
        ("算了，我想看看理财产品", "no, show my balance"): the task is cancelled and the
        turn goes on with the new request instead of ending at "cancelled"."""
        refusal = _NO.match(self.u.text)
        rest = self.u.text[refusal.end() :] if refusal else ""
        words = re.sub(r"[\W_]+", "", rest)
        return len(words) >= 4 and self.u.confident and self.u.intent not in _CLOSINGS

    def _option_at(self, options: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Return the option the customer picked by position ("the first one", "第二张",
        "2", "the last one"), if any."""
        text = self.u.text.strip().lower()
        position: int | None = None
        if _LAST_OPTION.search(text):
            position = len(options)
        elif zh := _ZH_ORDINAL.search(text):
            value = zh.group(1).replace("两", "二")
            position = int(value) if value.isdigit() else _ZH_DIGITS.index(value) + 1
        elif ordinals := [w for w in re.findall(r"[a-z0-9]+", text) if w in _ORDINAL_WORDS]:
            position = _ORDINAL_WORDS[ordinals[0]]
        elif number := re.fullmatch(r"\D*(\d{1,2})\D*", text):
            position = int(number.group(1))
        if position is not None and 1 <= position <= len(options):
            return options[position - 1]
        return None

    def _abandon(self, name: str) -> None:
        self.state["pending"] = None
        self.state["flow"] = None
        self.reply("topic_change", flow=flow_name(name, self.lang))

    async def _execute(self, pending: dict[str, Any]) -> None:
        action, args = pending["action"], pending["args"]
        try:
            if action == "freeze":
                card = await self.api.freeze_card(args["card_id"], "Reported lost or stolen")
                self.state["slots"]["frozen_card"] = card["last4"]
                self.reply("card_frozen", last4=card["last4"])
            elif action == "revoke":
                await self.api.revoke_app(args["consent_id"])
                self.state["slots"]["revoked_app"] = args["name"]
                self.reply("app_revoked", name=args["name"])
            elif action in ("ticket", "complaint"):
                kind = "complaint" if action == "complaint" else "request"
                self.fx.ticket = Ticket(kind, args["subject"], args.get("description", ""))
                if action == "complaint":
                    self.fx.handoff = "complaint"
                    self.fx.summary = args["subject"]
        except ApiRefused as refused:
            self._refused(refused, pending.get("what", "what_cards"))
        except ApiFailed:
            self.reply("api_failed")

    # --- intents ------------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        u = self.u
        if tasks.asks_spending(u.text) and u.intent not in SMALL_TALK:  # see asks_spending
            u.intent, u.confidence = "recent_transactions", max(u.confidence, CONFIDENT)
        if not u.confident:
            if await self._faq(required=False):  # a bank question no intent covers: 几点开门
                self.state["fallbacks"] = 0
                return
            self.state["fallbacks"] += 1
            if self.state["fallbacks"] >= 2:
                self._hand_off("fallbacks", "handoff")
            else:
                self.reply("fallback")
            return
        self.state["fallbacks"] = 0
        if u.intent in SMALL_TALK:
            self.reply(u.intent)
        elif u.intent == "talk_to_human":
            self._hand_off("customer_asked", "handoff")
        elif u.intent in TASK_INTENTS:
            if asks_about_task(u.text, u.intent) and await self._faq(required=False):
                return  # "转账多久能到账" asks how a task works: answered, not run
            try:
                await self._task(u.intent)
            except ApiRefused as refused:
                self._refused(refused, _what(u.intent))
            except ApiFailed:
                self.reply("api_failed")
        else:
            await self._faq()

    async def _task(self, intent: str) -> None:
        if intent == "check_balance":
            self.fx.replies.extend(await tasks.balance_lines(self.api, self.lang))
        elif intent == "recent_transactions":
            await self._transactions()
        elif intent in CARD_LOSS_INTENTS:
            await self._start_freeze()
        elif intent == "manage_connected_apps":
            await self._start_apps()
        elif intent == "product_inquiry":
            self.fx.replies.extend(await tasks.product_lines(self.api, self.lang, self.u.text))
        elif intent in TRANSFER_INTENTS:
            await self._trace_transfer()
        else:
            await self._start_dispute()

    async def _transactions(self) -> None:
        """List the transactions the message asks about, with sums when it narrows them."""
        start, end = self._dates()
        ask = tasks.TransactionQuestion(start, end, self._names_text())
        self.fx.replies.extend(
            await tasks.transaction_lines(self.api, self.lang, self.clock, self.state, ask)
        )

    def _dates(self) -> tuple[date | None, date | None]:
        """The local days the message asks about, read against the bank's today (the
        NLU's own date entities may have been read against another clock)."""
        found = find_dates(self.u.text, self.clock.today())
        span = next((e for e in found if e.entity == "date_range"), None)
        day = next((e for e in found if e.entity == "date"), None)
        if span is not None:
            start = date.fromisoformat(span.extras["start_date"])
            end = date.fromisoformat(span.extras["end_date"])
        elif day is not None:
            start = end = date.fromisoformat(day.value)
        else:
            return None, None
        self.state["slots"]["dates"] = f"{start}/{end}"
        return start, end

    def _names_text(self) -> str:
        """The message with dates, amounts and card references blanked out, where a
        merchant or payee name is looked for ("5月" is no merchant)."""
        text = self.u.text
        spans = [(e.start, e.end) for e in find_dates(text, self.clock.today())]
        spans += [
            (int(e["start"]), int(e["end"]))
            for e in self.u.entities
            if e.get("entity") in ("amount", "account", "date", "date_range")
            and isinstance(e.get("start"), int)
            and e.get("end", 0) <= len(text)
        ]
        chars = list(text)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        return "".join(chars)

    async def _start_freeze(self) -> None:
        cards = [c for c in await self.api.cards() if c["status"] == "active"]
        if not cards:
            self.reply("card_none")
            return
        options = [tasks.card_option(c) for c in cards]
        chosen = self._pick_card(options)
        if chosen is None and len(options) == 1 and not self.state["slots"].get("card_missing"):
            chosen = options[0]
        if chosen:
            self._confirm_freeze(chosen)
            return
        self.state["flow"] = {"name": "freeze_card", "options": options}
        self.reply("card_which", cards=", ".join(o["last4"] for o in options))

    def _pick_card(self, options: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Return the card the message names among ``options`` (last four digits, scheme
        such as "the Visa one", credit/debit), else the one picked by position.

        A named card that is none of the options is said so ("no card ending 1111; your
        cards: ...") and remembered in ``slots["card_missing"]``; nothing is picked then.
        """
        self.state["slots"].pop("card_missing", None)
        wanted = tasks.card_reference(self.u.text, self.u.entities)
        if wanted.empty:
            return self._option_at(options)
        matches = wanted.among(options)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            self.state["slots"]["card_missing"] = wanted.describe(self.lang)
            cards = ", ".join(tasks.card_label(o, self.lang) for o in options)
            self.reply("card_not_named", named=wanted.describe(self.lang), cards=cards)
        return None

    def _confirm_freeze(self, card: dict[str, Any]) -> None:
        self.state["flow"] = None
        self.state["slots"]["card_last4"] = card["last4"]
        self.state["pending"] = {
            "flow": "freeze_card",
            "action": "freeze",
            "args": {"card_id": card["card_id"]},
            "what": "what_cards",
        }
        self.reply("card_confirm", last4=card["last4"])

    async def _start_apps(self) -> None:
        apps = [a for a in await self.api.connected_apps() if not a["current"]]
        if not apps:
            self.reply("apps_none")
            return
        options = [{"consent_id": a["consent_id"], "name": a["partner_name"]} for a in apps]
        if _REVOKE_WORDS.search(self.u.text):
            chosen = self._pick_app(options) or (options[0] if len(options) == 1 else None)
            if chosen:
                self._confirm_revoke(chosen)
                return
        self.state["flow"] = {"name": "revoke_app", "options": options}
        listing = "; ".join(f"{i}. {o['name']}" for i, o in enumerate(options, 1))
        self.reply("apps_list", apps=listing)

    def _pick_app(self, options: list[dict[str, Any]]) -> dict[str, Any] | None:
        text = self.u.text.lower()
        named = [o for o in options if o["name"].lower() in text]
        if len(named) == 1:
            return named[0]
        return self._option_at(options)

    def _confirm_revoke(self, app: dict[str, Any]) -> None:
        self.state["flow"] = None
        self.state["slots"]["app"] = app["name"]
        self.state["pending"] = {
            "flow": "revoke_app",
            "action": "revoke",
            "args": app,
            "what": "what_apps",
        }
        self.reply("app_confirm", name=app["name"])

    async def _trace_transfer(self) -> None:
        amount = self.u.entity("amount")
        found = await tasks.find_transfer(
            self.api, self.clock, 14, amount["value"] if amount else None
        )
        if found is None:
            self.reply("transfer_none")
            return
        facts = tasks.describe(found)
        self.state["slots"]["transaction_id"] = found["TransactionId"]
        key = "transfer_pending" if found["Status"] == "PDNG" else "transfer_booked"
        self.reply(key, **facts)
        self.state["pending"] = {
            "flow": "trace_transfer",
            "action": "ticket",
            "what": "what_transactions",
            "args": {
                "subject": f"Transfer trace: {facts['amount']} {facts['currency']} "
                f"on {facts['date']}",
                "description": f"Customer says the recipient did not receive transaction "
                f"{found['TransactionId']} (status {found['Status']}, reference {facts['ref']}). "
                f"Customer wrote: {self.u.text}",
            },
        }

    async def _start_dispute(self) -> None:
        amount = self.u.entity("amount")
        found = await tasks.find_transaction(
            self.api, self.clock, self.state, 90, amount["value"] if amount else None,
            self._names_text(),
        )  # fmt: skip
        kind = {"zh": "退款/争议", "en": "refund/dispute"}[self.lang]
        label = self.u.intent.replace("_", " ").strip("?")
        if found is None:
            self.reply("dispute_none", kind=kind)
            subject = f"Dispute ({label})"
            description = f"Customer wrote: {self.u.text}"
        else:
            facts = tasks.describe(found)
            self.state["slots"]["transaction_id"] = found["TransactionId"]
            self.reply("dispute_found", kind=kind, **facts)
            subject = f"Dispute ({label}): {facts['amount']} {facts['currency']} {facts['date']}"
            description = (
                f"Transaction {found['TransactionId']}: {facts['what']}. "
                f"Customer wrote: {self.u.text}"
            )
        self.state["pending"] = {
            "flow": "dispute",
            "action": "ticket",
            "what": "what_transactions",
            "args": {"subject": subject, "description": description},
        }

    def _start_complaint(self) -> None:
        self.state["flow"] = None
        self.state["pending"] = {
            "flow": "complaint",
            "action": "complaint",
            "what": "what_cards",
            "args": {
                "subject": f"Complaint: {mask_sensitive(self.u.text)[:150]}",
                "description": mask_sensitive(self.u.text),
            },
        }
        self.reply("complaint_confirm")

    async def _faq(self, *, required: bool = True) -> bool:
        """Answer from the knowledge base with the passage that answers; return False when
        nothing fits (then say so and offer a person, unless ``required`` is False)."""
        u = self.u
        found = await self.knowledge(u.text, self.lang, intent=u.intent, confidence=u.confidence)
        if found is None:
            if required:
                self.reply("kb_none")
            return False
        self.state["slots"]["article"] = found["slug"]
        self.reply("kb_answer", quote=found["quote"], title=found["title"], url=found["url"])
        return True

    # --- outcomes --------------------------------------------------------------------------

    def _refused(self, refused: ApiRefused, what_key: str) -> None:
        self.state["flow"] = None
        self.state["pending"] = None
        self.reply("refused", what=say(what_key, self.lang))

    def _hand_off(self, reason: str, text_key: str) -> None:
        self.state["flow"] = None
        self.state["pending"] = None
        self.fx.handoff = reason
        self.fx.summary = f"{reason}: {mask_sensitive(self.u.text)[:150]}"
        self.reply(text_key)


def _what(intent: str) -> str:
    if intent == "check_balance":
        return "what_balance"
    if intent == "manage_connected_apps":
        return "what_apps"
    if intent in CARD_LOSS_INTENTS:
        return "what_cards"
    return "what_transactions"
