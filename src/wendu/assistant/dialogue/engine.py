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

from wendu.assistant.dialogue.questions import asks_about_task, asks_in_general
from wendu.assistant.dialogue.texts import flow_name, say
from wendu.assistant.flows import tasks
from wendu.assistant.flows.api import ApiFailed, ApiRefused, BankApi
from wendu.assistant.flows.clock import BankClock
from wendu.assistant.nlu.entities import find_dates
from wendu.config import get_settings
from wendu.kit.masking import mask_sensitive
from wendu.sentiment import Sentiment, anger_rising

CONFIDENT = 0.55
# Out of scope this surely is off-topic (weather, jokes), not a banking request misread.
OFF_TOPIC = 0.9
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

# Yes and no as customers write them: zh-Hans, Cantonese and Taiwanese (raw, and as the
# script normalisation writes them in simplified Mandarin), English with its usual typos.
_YES = re.compile(
    r"^\s*(?:(?:yes+|yse|ye[ah]?h?|ya+h?|yup|yep|sure|ok(?:ay|ey|i)?|confirm|go ahead|do it|"
    r"please do|pls do|correct|right|affirmative|alright|all right|y)\b|"
    r"是|对|對|好|确认|確認|确定|確定|可以|行|嗯|没问题|沒問題|冻结|凍結|开吧|提交|"
    r"係|系(?![统統列])|得(?![到])|冇问题|冇問題|无问题|無問題|ok|"
    r"需要|要的|要啊|要呀|麻烦|麻煩|劳烦|勞煩|唔該|唔该)",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^\s*(?:(?:no+|nope|nop|nah+|na|cancel|stop|don'?t|do not|never ?mind|not now|n)\b|"
    r"不|算了|取消|否|先不|别|別|唔(?![該该])|冇|免了)",
    re.IGNORECASE,
)
# "No problem" is a yes, though it starts like a no.
_SURE = re.compile(
    r"^\s*(?:no (?:problem|worries)|没问题|沒問題|冇问题|冇問題|无问题|無問題)", re.IGNORECASE
)
_NEGATED = re.compile(r"\b(not|don'?t|no)\b|不|别|別|唔(?![該该])|冇", re.IGNORECASE)
# A whole message that only says yes or no (punctuation and spaces removed, lower case).
_BARE_ANSWER = re.compile(
    r"yes+|yse|ye[ah]?h?|ya+h?|yep|yup|ok|okay|okpls|okplease|sure|no+|nope|nah+|"
    r"是|是的|对|对的|對|好|好的|好呀|好啊|好吖|可以|行|嗯+|得|得呀|得啦|係|系|係呀|系呀|"
    r"没问题|冇问题|冇問題|不|不是|不用|不用了|否|唔係|唔系|唔使|唔使了|唔要|不要"
)


def _yes_no(text: str) -> bool | None:
    """Return True for a yes, False for a no, None for neither."""
    if _SURE.match(text):
        return True
    if _NO.match(text):
        return False
    if _YES.match(text) and not _NEGATED.search(text):
        return True
    return None


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
# Going back to a task left for another topic: "好，那张卡还是冻结吧", "ok go ahead and freeze
# it then", "返去頭先嗰張卡" (a cue, and a word of the paused task).
_RESUME_CUE = re.compile(
    r"还是|還是|继续|繼續|回到|回去|返去|返回|刚才|剛才|刚刚|剛剛|頭先|头先|之前|先前|"
    r"那张|那張|嗰張|嗰张|那个|那個|go ahead|go back|back to|continue|resume|\bstill\b|"
    r"after all|\bthen\b|anyway|earlier|that one|that card|that app|\bagain\b",
    re.IGNORECASE,
)
_TASK_WORDS = {
    "freeze_card": r"冻结|凍結|挂失|掛失|锁|鎖|卡|freez|block|lock|card",
    "revoke_app": r"解除|撤销|撤銷|取消|授权|授權|应用|應用|\bapps?\b|revok|disconnect|remove",
    "dispute": r"退款|争议|爭議|申诉|申訴|扣款|dispute|refund|charge",
    "trace_transfer": r"转账|轉賬|轉帳|转帐|汇款|匯款|trace|transfer",
    "complaint": r"投诉|投訴|complain",
}
# A follow-up that leaves out what it is about: "那Taobao呢", "what about last week?",
# "and the other card?", "now revoke the other one too".
_FOLLOW_UP = re.compile(
    r"^\s*(?:那么|那麼|那|还有|還有|and\b|what about|how about|same for|now\b|also\b)|"
    r"呢\s*[?？]?\s*$|\b(?:too|also|as well)\W*$|也",
    re.IGNORECASE,
)
_FOLLOW_UP_WORDS = re.compile(
    r"^\s*(?:那么|那麼|那|还有|還有|and|what about|how about|same for|now|also)\s*"
    r"(?:(?:at|in|for|the|on)\b)?|(?:呢|吗|嗎)?\s*[?？.!！。]*\s*$",
    re.IGNORECASE,
)
# Subjects no bank answers: declined before the knowledge base is asked.
_OFF_TOPIC_WORDS = re.compile(
    r"天气|下雨|下雪|气温|台风|刮风|机票|航班|火车票|高铁票|订酒店|餐厅|饭店|好吃的|美食|菜谱|"
    r"笑话|段子|电影|电视剧|歌曲|唱歌|游戏|足球|篮球|彩票|星座|算命|旅游攻略|"
    r"天氣|機票|航班|餐廳|笑話|電影|電視劇|遊戲|籃球|彩票|"
    r"\b(?:weather|rain(?:ing|y)?|snow(?:ing)?|forecast|flights?|plane tickets?|train tickets?|"
    r"restaurants?|recipes?|jokes?|movies?|films?|songs?|football|soccer|basketball|lottery|"
    r"horoscope)\b",
    re.IGNORECASE,
)
_FREEZE_WORDS = re.compile(r"冻结|凍結|挂失|掛失|\bfreeze\b|\bblock\b", re.IGNORECASE)
_OTHER = re.compile(r"\bother\b|\banother\b|另一|另外|其他|其它", re.IGNORECASE)
_REVOKE_WORDS = re.compile(r"revoke|remove|disconnect|cancel|stop|取消|撤销|解除|删除|关闭", re.I)


def _flow_of(intent: str) -> str | None:
    """Return the flow an intent starts, if any."""
    if intent in CARD_LOSS_INTENTS:
        return "freeze_card"
    if intent == "manage_connected_apps":
        return "revoke_app"
    if intent in TRANSFER_INTENTS:
        return "trace_transfer"
    if intent in DISPUTE_INTENTS:
        return "dispute"
    if intent == "make_complaint":
        return "complaint"
    return None


def _paused_names(paused: dict[str, Any]) -> list[str]:
    """Return the names of the cards and apps a paused task is about ("记账本Pro", "3582")."""
    pending = paused.get("pending") or {}
    flow = paused.get("flow") or {}
    items = [pending.get("args") or {}, *(flow.get("options") or [])]
    return [str(i.get(k, "")) for i in items for k in ("name", "last4") if i.get(k)]


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
        "angers": [],
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

    def _ask(self, key: str, **values: Any) -> None:
        """Ask the customer something the task waits for, remembered so that a task left
        for another topic can ask it again when the customer comes back to it."""
        self.reply(key, **values)
        self.state["asked"] = {"key": key, "values": values}

    async def run(self) -> Effects:
        """Run the turn and return its effects; ``self.state`` is updated in place."""
        u = self.u
        self.state["intents"] = (self.state["intents"] + [u.intent])[-MAX_HISTORY:]
        self.state["sentiments"] = (self.state["sentiments"] + [u.sentiment.score])[-10:]
        self.state["emotions"] = (self.state["emotions"] + [u.sentiment.emotion])[-10:]
        self.state["angers"] = [*self.state.get("angers", []), u.sentiment.anger][-10:]
        if self.state.get("paused") and self._resumes():
            await self._resume()
            return self.fx
        if self.state.get("pending"):
            if await self._answer_pending():
                return self.fx
        elif self.state.get("flow") and await self._continue_flow():
            return self.fx
        elif _BARE_ANSWER.fullmatch(re.sub(r"[\W_]+", "", u.text.lower())):
            # "yes" / "好的" with nothing to confirm: acknowledge, don't guess an intent.
            self.reply("anything_else")
            return self.fx
        elif await self._follow_up() or await self._yes_to_task():
            return self.fx
        complaint = u.intent == "make_complaint" and u.confident
        complaint = complaint and not asks_about_task(u.text, u.intent)  # 投诉怎么处理: an answer
        if anger_rising(self.state["angers"]):  # calibrated P(angry) per message
            # An angry customer goes to a person at once; a complaint is registered too.
            self._hand_off("complaint" if complaint else "anger", "handoff_anger")
            if complaint:
                said = mask_sensitive(u.text)
                self.fx.ticket = Ticket("complaint", f"Complaint: {said[:150]}", said)
            return self.fx
        if complaint:
            self._start_complaint()
            return self.fx
        await self._dispatch()
        return self.fx

    # --- pending confirmations and slot questions ------------------------------------------

    async def _answer_pending(self) -> bool:
        pending = self.state["pending"]
        if pending.get("action") == "offer_person":
            return self._answer_offer()
        answer = _yes_no(self.u.text)
        if answer is True:
            self.state["pending"] = None
            self.state["flow"] = None
            await self._execute(pending)
            return True
        if answer is False:
            self.state["pending"] = None
            self.state["flow"] = None
            self.reply("cancelled")
            return not self._asks_something_else()
        if self.u.confident and self.u.intent not in ("goodbye", "thanks", "greeting"):
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
        answer = _yes_no(self.u.text)
        if answer is False:
            self.state["flow"] = None
            self.reply("cancelled")
            return not self._asks_something_else()
        # "yes" or "hi" is no answer to "which one?", and no new topic either: ask again.
        small_talk = self.u.intent in ("greeting", "thanks") or answer is True
        if self.u.confident and not small_talk:
            self._abandon(flow["name"])
            return False
        if flow["name"] == "freeze_card":
            self.reply("card_which", cards=", ".join(o["last4"] for o in flow["options"]))
        else:
            self.reply("app_which")
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
        # Remembered, so "好，那张卡还是冻结吧" can take it up again (confirmed again).
        self.state["paused"] = {
            "name": name,
            "flow": self.state.get("flow"),
            "pending": self.state.get("pending"),
            "asked": self.state.get("asked"),
        }
        self.state["pending"] = None
        self.state["flow"] = None
        self.reply("topic_change", flow=flow_name(name, self.lang))

    def _unpause(self, name: str) -> None:
        """Forget a paused task once the customer starts or finishes the same task anew."""
        paused = self.state.get("paused")
        if paused and paused.get("name") == name:
            self.state["paused"] = None

    def _resumes(self) -> bool:
        """Return True when the message goes back to the task left for another topic."""
        paused = self.state["paused"]
        words = _TASK_WORDS.get(paused.get("name", ""))
        texts = f"{self.u.text}\n{getattr(self.u, 'original', '')}"
        named = [n.lower() for n in _paused_names(paused) if n]
        if not words or not (
            re.search(words, texts, re.IGNORECASE) or any(n in texts.lower() for n in named)
        ):
            return False
        current = self.state.get("pending") or self.state.get("flow")
        if current is not None:
            # A yes belongs to the question asked last; only a clear cue goes back further.
            if current.get("flow", current.get("name")) == paused["name"]:
                return False
            if not _RESUME_CUE.search(texts):
                return False
        elif not (_RESUME_CUE.search(texts) or _yes_no(self.u.text) is True):
            return False
        starts = _flow_of(self.u.intent) if self.u.confident else None
        other_task = self.u.confident and self.u.intent in TASK_INTENTS
        return not other_task or starts == paused["name"]

    async def _resume(self) -> None:
        paused = self.state["paused"]
        self.state["paused"] = None
        self.state["flow"] = paused.get("flow")
        self.state["pending"] = paused.get("pending")
        self.reply("resume", flow=flow_name(paused["name"], self.lang))
        flow = self.state["flow"]
        if flow and flow["name"] == "freeze_card" and (card := self._pick_card(flow["options"])):
            self._confirm_freeze(card)
            return
        if flow and flow["name"] == "revoke_app" and (app := self._pick_app(flow["options"])):
            self._confirm_revoke(app)
            return
        asked = paused.get("asked")
        if asked:
            self._ask(asked["key"], **asked["values"])
        elif flow is None and self.state["pending"] is None:
            self.reply("anything_else")

    async def _follow_up(self) -> bool:
        """Answer a follow-up that leaves out its task ("那Taobao呢", "what about last
        week?", "and the other card?", "now revoke the other one too") by running the
        previous task again with what the follow-up changes."""
        last = self.state.get("last_task")
        text = self.u.text
        if not last or len(text) > 60 or not _FOLLOW_UP.search(text):
            return False
        intent = last["intent"]
        if self.u.confident and self.u.intent in TASK_INTENTS and self.u.intent != intent:
            return False
        try:
            if intent == "recent_transactions":
                return await self._more_transactions(last)
            if intent == "check_balance":
                await self._task(intent)
                return True
            named = not tasks.card_reference(text, self.u.entities).empty
            if intent in CARD_LOSS_INTENTS and (_OTHER.search(text) or named):
                await self._start_freeze(exclude=last.get("card"))
                return True
            if intent == "manage_connected_apps" and (
                _OTHER.search(text) or _REVOKE_WORDS.search(text)
            ):
                await self._start_apps(exclude=last.get("app"), revoke=True)
                return True
        except ApiRefused as refused:
            self._refused(refused, _what(intent))
            return True
        except ApiFailed:
            self.reply("api_failed")
            return True
        return False

    async def _more_transactions(self, last: dict[str, Any]) -> bool:
        """Transactions again with the follow-up's merchant or dates, keeping the rest."""
        start, end = self._dates()
        names = _FOLLOW_UP_WORDS.sub("", self._names_text()).strip()
        names = re.sub(r"^\W+|\W+$", "", names)
        if start is None and not names:
            return False
        if start is None and last.get("dates"):
            start, end = (date.fromisoformat(d) for d in last["dates"])
        # A bare name is phrased as a place of spending, so an unknown one gets "no
        # transactions at X" rather than an unfiltered list.
        text = f"在{names}消费 {names}" if names else last.get("names", "")
        ask = tasks.TransactionQuestion(start, end, text)
        self.fx.replies.extend(
            await tasks.transaction_lines(self.api, self.lang, self.clock, self.state, ask)
        )
        self.state["last_task"] = {
            "intent": "recent_transactions",
            "dates": [start.isoformat(), end.isoformat()] if start and end else None,
            "names": text,
        }
        return True

    def _remember_task(self, intent: str) -> None:
        """Remember the task just done, for follow-ups that leave it out."""
        remembered: dict[str, Any] = {"intent": intent}
        if intent == "recent_transactions":
            start, end = self._dates()
            remembered["dates"] = [start.isoformat(), end.isoformat()] if start and end else None
            remembered["names"] = self._names_text()
        self.state["last_task"] = remembered

    async def _yes_to_task(self) -> bool:
        """Start a freeze the customer agrees to with nothing pending ("對，先凍結" after
        the lost-card article); it is still confirmed before anything happens."""
        if _yes_no(self.u.text) is not True or not _FREEZE_WORDS.search(self.u.text):
            return False
        try:
            await self._start_freeze()
        except ApiRefused as refused:
            self._refused(refused, "what_cards")
        except ApiFailed:
            self.reply("api_failed")
        return True

    def _answer_offer(self) -> bool:
        """The customer answers "shall I get you a colleague?"; anything else lets it go."""
        self.state["pending"] = None
        answer = _yes_no(self.u.text)
        if answer is True:
            self._hand_off("fallbacks", "handoff")
            return True
        if answer is False:
            self.state["fallbacks"] = 0
            self.reply("offer_declined")
            return not self._asks_something_else()
        return False

    async def _execute(self, pending: dict[str, Any]) -> None:
        action, args = pending["action"], pending["args"]
        self._unpause(pending["flow"])
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
        elif not u.confident and (dispute := tasks.dispute_in(u.text)):  # see dispute_in
            u.intent, u.confidence = dispute, CONFIDENT
        if not u.confident:
            if u.intent == "out_of_scope" and _OFF_TOPIC_WORDS.search(u.text):
                self.reply("off_topic")  # the weather is no FAQ, whatever an article says
                return
            if asks_in_general(u.text) and await self._faq(required=False):  # 几点开门
                self.state["fallbacks"] = 0
                return
            if u.intent == "out_of_scope" and u.confidence >= OFF_TOPIC:
                # Weather, restaurants, jokes: declined politely, however often; no hand-off.
                self.reply("off_topic")
                return
            # Not understood: a hint to rephrase; only repeated failures *offer* a person.
            self.state["fallbacks"] += 1
            if self.state["fallbacks"] >= 2:
                self.state["pending"] = {"flow": "offer_person", "action": "offer_person"}
                self.reply("fallback_offer")
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
                if u.intent in ("check_balance", "recent_transactions"):
                    self._remember_task(u.intent)
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

    async def _start_freeze(self, exclude: str | None = None) -> None:
        self._unpause("freeze_card")
        cards = [c for c in await self.api.cards() if c["status"] == "active"]
        cards = [c for c in cards if c["last4"] != exclude]
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
        self._ask("card_which", cards=", ".join(o["last4"] for o in options))

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
        self._unpause("freeze_card")
        self.state["flow"] = None
        self.state["last_task"] = {"intent": "lost_or_stolen_card", "card": card["last4"]}
        self.state["slots"]["card_last4"] = card["last4"]
        self.state["pending"] = {
            "flow": "freeze_card",
            "action": "freeze",
            "args": {"card_id": card["card_id"]},
            "what": "what_cards",
        }
        self._ask("card_confirm", last4=card["last4"])

    async def _start_apps(self, exclude: str | None = None, revoke: bool = False) -> None:
        self._unpause("revoke_app")
        apps = [a for a in await self.api.connected_apps() if not a["current"]]
        apps = [a for a in apps if a["partner_name"] != exclude]
        if not apps:
            self.reply("apps_none")
            return
        options = [{"consent_id": a["consent_id"], "name": a["partner_name"]} for a in apps]
        if revoke or _REVOKE_WORDS.search(self.u.text):
            chosen = self._pick_app(options) or (options[0] if len(options) == 1 else None)
        else:  # "我不想让薪资宝再看我的账户了": naming the app is enough (still confirmed)
            chosen = self._named_app(options)
        if chosen:
            self._confirm_revoke(chosen)
            return
        self.state["flow"] = {"name": "revoke_app", "options": options}
        listing = "; ".join(f"{i}. {o['name']}" for i, o in enumerate(options, 1))
        self._ask("apps_list", apps=listing)

    def _named_app(self, options: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Return the app the message names (as normalised or as typed: 記帳達人)."""
        text = f"{self.u.text}\n{getattr(self.u, 'original', '')}".lower()
        named = [o for o in options if o["name"].lower() in text]
        return named[0] if len(named) == 1 else None

    def _pick_app(self, options: list[dict[str, Any]]) -> dict[str, Any] | None:
        return self._named_app(options) or self._option_at(options)

    def _confirm_revoke(self, app: dict[str, Any]) -> None:
        self._unpause("revoke_app")
        self.state["flow"] = None
        self.state["last_task"] = {"intent": "manage_connected_apps", "app": app["name"]}
        self.state["slots"]["app"] = app["name"]
        self.state["pending"] = {
            "flow": "revoke_app",
            "action": "revoke",
            "args": app,
            "what": "what_apps",
        }
        self._ask("app_confirm", name=app["name"])

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
        self._ask(key, **facts)
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
            self._ask("dispute_none", kind=kind)
            subject = f"Dispute ({label})"
            description = f"Customer wrote: {self.u.text}"
        else:
            facts = tasks.describe(found, self.lang)
            self.state["slots"]["transaction_id"] = found["TransactionId"]
            self._ask("dispute_found", kind=kind, **facts)
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
        self._ask("complaint_confirm")

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
