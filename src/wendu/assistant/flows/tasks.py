"""Task flows that read through the bank API and turn the answers into replies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from wendu.assistant.dialogue.texts import say
from wendu.assistant.flows import counterparties
from wendu.assistant.flows.api import MAX_PAGES, BankApi
from wendu.assistant.flows.clock import BankClock

SHOWN = 5


async def balance_lines(api: BankApi, lang: str) -> list[str]:
    """Return one line per consented account with its available and booked balance."""
    balances = await api.balances()
    if not balances:
        return [say("balance_none", lang)]
    by_account: dict[str, dict[str, Any]] = {}
    for entry in balances:
        sign = "-" if entry["CreditDebitIndicator"] == "Debit" else ""
        by_account.setdefault(entry["AccountId"], {})[entry["Type"]] = (
            f"{sign}{entry['Amount']['Amount']}",
            entry["Amount"]["Currency"],
        )
    lines = []
    for account_id, kinds in by_account.items():
        available = kinds.get("ITAV") or kinds.get("ITBD") or ("?", "")
        booked = kinds.get("ITBD") or available
        lines.append(
            say(
                "balance_line",
                lang,
                account="…" + account_id[-6:],
                available=available[0],
                booked=booked[0],
                currency=available[1],
            )
        )
    return ["\n".join(lines)]


def describe(txn: dict[str, Any], lang: str = "en") -> dict[str, str]:
    """Return the facts of an OB transaction used in replies; the merchant by its Chinese
    name for ``lang`` zh when the statement has one ("蓝鲸咖啡（上海）")."""
    info = str(txn.get("TransactionInformation", ""))
    what = (
        txn.get("MerchantDetails", {}).get("MerchantName")
        or info
        or (txn["ProprietaryBankTransactionCode"]["Code"])
    )
    if lang == "zh" and txn.get("MerchantDetails") and re.search(r"[\u3400-\u9fff]", info):
        what = info
    return {
        "date": txn["BookingDateTime"][:10],
        "amount": txn["Amount"]["Amount"],
        "currency": txn["Amount"]["Currency"],
        "sign": "-" if txn["CreditDebitIndicator"] == "Debit" else "+",
        "what": str(what),
        "ref": txn.get("TransactionReference", txn["TransactionId"]),
    }


def totals(rows: list[dict[str, Any]], lang: str, leave_out: set[str] | None = None) -> str:
    """Return money out and in over ``rows``, per currency ("out 12.50 CNY, in 0.00 CNY"),
    exact in Decimal, leaving out the transaction ids in ``leave_out``."""
    sums: dict[str, list[Decimal]] = {}
    for txn in rows:
        out_in = sums.setdefault(txn["Amount"]["Currency"], [Decimal(0), Decimal(0)])
        if leave_out and txn.get("TransactionId") in leave_out:
            continue
        out_in[0 if txn["CreditDebitIndicator"] == "Debit" else 1] += Decimal(
            txn["Amount"]["Amount"]
        )
    return say("list_separator", lang).join(
        say("tx_out_in", lang, out=f"{out:.2f}", into=f"{into:.2f}", currency=currency)
        for currency, (out, into) in sorted(sums.items())
    )


@dataclass
class TransactionQuestion:
    """What the customer asked about: local days, and the merchant or payee they named."""

    first: date | None = None
    last: date | None = None
    text: str = ""  # the message, with dates, amounts and card references blanked out
    merchant_said: str = ""  # how the customer wrote the merchant, if grounded or not


async def transaction_lines(
    api: BankApi, lang: str, clock: BankClock, state: dict[str, Any], ask: TransactionQuestion
) -> list[str]:
    """Answer "show my transactions" / "how much did I spend at X last month".

    Reads every transaction of the window through the API, grounds the merchant the
    message names in the customer's own counterparties, and reports the true count and
    the sums per currency, money out (spending) and in, without transfers between the
    customer's own accounts (said so when there were any).
    """
    start, end = clock.window(ask.first, ask.last) if ask.first and ask.last else (None, None)
    # Without dates, the newest page and the true count answer "show my transactions";
    # every page is read only when sums are wanted (a window, or a merchant named).
    listing = await api.transactions_between(start, end, max_pages=MAX_PAGES if start else 1)
    groups = counterparties.gazetteer(
        await counterparties.merchant_groups(api, state, clock.now()), listing.rows
    )
    named = counterparties.ground(ask.text, groups)
    if named and not listing.complete and start is None:
        listing = await api.transactions_between(None, None)
    filters = ""
    if ask.first and ask.last:
        filters += say("filter_dates", lang, start=ask.first, end=ask.last)
    rows, count = listing.rows, listing.count
    if named:
        rows = [t for t in rows if counterparties.at_counterparty(t, named)]
        count = len(rows)
        shown_name = _name_for(named[0], lang)
        state.setdefault("slots", {})["merchant"] = shown_name
        filters += say("filter_merchant", lang, merchant=shown_name)
    elif unknown := counterparties.unknown_named(ask.text, []):
        state.setdefault("slots", {})["merchant"] = unknown
        filters += say("filter_merchant", lang, merchant=unknown)
        return [say("tx_none", lang, filters=filters)]
    if not rows:
        return [say("tx_none", lang, filters=filters)]
    lines = [say("tx_header", lang, n=count, filters=filters)]
    if filters:  # "how much did I spend at Starbucks last month?": the sums answer it
        own = counterparties.own_transfers(listing.rows) & {t["TransactionId"] for t in rows}
        line = say("tx_totals", lang, totals=totals(rows, lang, own))
        if own:
            line += say("tx_own_left_out", lang, n=len(own))
        if not listing.complete:
            line += say("tx_newest_only", lang, n=len(listing.rows))
        lines.append(line)
    for txn in rows[:SHOWN]:
        lines.append(say("tx_line", lang, **describe(txn, lang)))
    if count > SHOWN:
        lines.append(say("tx_more", lang, n=count - SHOWN))
    return ["\n".join(lines)]


# "How much did I spend ...?" in any wording is a question about transactions, whatever
# the intent classifier made of it ("上个月话费扣了多少" read as a dispute, "how much have I
# spent at X altogether?" not understood); a refund or a complaint about a charge is not.
_SPENDING = re.compile(
    r"(?:花|消费|消費|用|使|扣|支出|刷|付|俾|畀|充|洗)(?:了|咗|掉)(?:多少|几多|幾多)|"
    r"(?:一共|总共|總共|合共|总计|總計)(?:花|消费|消費|用|使|支出|洗)|"
    r"我.{0,10}(?:花|消费|消費|使)(?:多少|几多|幾多)|"
    r"\bhow\s+much\b.{0,30}?\b(?:i|we)\b.{0,20}?\b(?:spen[dt]|paid|charged)\b|"
    r"\bwhat\s+(?:did|have)\s+i\s+(?:spen[dt]|paid)\b|\bmy\s+(?:total\s+)?spending\b",
    re.IGNORECASE,
)
_NOT_SPENDING = re.compile(
    r"退款|退钱|退錢|退回|争议|爭議|不认识|唔识|不是我|没收到|冇收到|两次|兩次|重复|重複|多扣|"
    r"refund|dispute|recogni[sz]e|twice|double|not\s+mine|didn'?t\s+(?:make|authori[sz]e)|"
    r"not\s+received|hasn'?t\s+arrived|limit|限额|限額|fee\s+for|手续费|手續費",
    re.IGNORECASE,
)


def asks_spending(text: str) -> bool:
    """Return True when the message asks how much was spent (not a refund or a dispute)."""
    return bool(_SPENDING.search(text)) and not _NOT_SPENDING.search(text)


# A complaint about one charge, in words the classifier may not know ("there's a charge
# from X I don't recognise", "知味面馆那单扣了我两次"): which dispute it is.
_DISPUTES = (
    ("transaction_charged_twice", re.compile(
        r"扣了?(?:我)?两次|扣咗(?:我)?兩次|两次扣|重复扣|重複扣|charged\s+twice|double[- ]charged|"
        r"twice\s+for", re.IGNORECASE)),
    ("card_payment_not_recognised", re.compile(
        r"不认识|唔识|不是我(?:刷|买|消费|付)|唔係我|don'?t\s+recogni[sz]e|didn'?t\s+make|"
        r"not\s+recogni[sz]ed|never\s+(?:made|bought)|unknown\s+(?:charge|payment)",
        re.IGNORECASE)),
)  # fmt: skip
_ABOUT_A_CHARGE = re.compile(
    r"扣|刷|charge|payment|transaction|debit|单|單|笔|筆|消费|消費", re.IGNORECASE
)
_HOW_TO = re.compile(r"怎么|怎樣|点样|點樣|如何|how\s+(?:do|can|to)|what\s+should", re.I)


def dispute_in(text: str) -> str | None:
    """Return the dispute intent a message about one charge states (None if none): for
    messages the classifier could not place; "how do I dispute?" is a question, not this."""
    if _HOW_TO.search(text) or not _ABOUT_A_CHARGE.search(text):
        return None
    return next((intent for intent, words in _DISPUTES if words.search(text)), None)


def _name_for(group: list[str], lang: str) -> str:
    """The name of a counterparty to show: Chinese for zh when the bank holds one."""
    han = [n for n in group if re.search(r"[\u3400-\u9fff]", n)]
    latin = [n for n in group if n not in han]
    return ((han if lang == "zh" else []) or latin or han or group)[0]


async def find_transfer(
    api: BankApi, clock: BankClock, days: int, amount: str | None
) -> dict[str, Any] | None:
    """Return the newest outgoing transfer of the last ``days`` local days (matching
    ``amount`` if given); transfers between the customer's own accounts are no trace."""
    start, _ = clock.window(clock.today() - timedelta(days=days), clock.today())
    listing = await api.transactions_between(start, None)
    own = counterparties.own_transfers(listing.rows)
    for txn in listing.rows:
        code = txn["ProprietaryBankTransactionCode"]["Code"].lower()
        if txn["CreditDebitIndicator"] != "Debit" or txn["TransactionId"] in own:
            continue
        if not ("transfer" in code or ("payment" in code and "card" not in code)):
            continue
        if amount is None or _same_amount(txn, amount):
            return txn
    return None


async def find_transaction(
    api: BankApi, clock: BankClock, state: dict[str, Any], days: int, amount: str | None,
    text: str,
) -> dict[str, Any] | None:  # fmt: skip
    """Return the newest debit of the last ``days`` local days matching the amount and/or
    the merchant the message names (None without either)."""
    start, _ = clock.window(clock.today() - timedelta(days=days), clock.today())
    listing = await api.transactions_between(start, None)
    groups = counterparties.gazetteer(
        await counterparties.merchant_groups(api, state, clock.now()), listing.rows
    )
    named = counterparties.ground(text, groups)
    if amount is None and not named:
        return None
    for txn in listing.rows:
        if txn["CreditDebitIndicator"] != "Debit":
            continue
        if named and not counterparties.at_counterparty(txn, named):
            continue
        if amount is None or _same_amount(txn, amount):
            return txn
    return None


def _same_amount(txn: dict[str, Any], amount: str) -> bool:
    try:
        return Decimal(txn["Amount"]["Amount"]) == Decimal(amount)
    except (ArithmeticError, ValueError):
        return False


def card_option(card: dict[str, Any]) -> dict[str, Any]:
    """Return what a "which card?" question keeps of a card from the cards API."""
    return {
        "card_id": card["card_id"],
        "last4": card["last4"],
        "brand": card.get("brand", ""),
        "kind": card.get("kind", ""),
    }


def card_label(option: dict[str, Any], lang: str) -> str:
    """Return how a card is named to the customer ("Visa credit 3582")."""
    kind = {"credit": ("信用卡", "credit"), "debit": ("借记卡", "debit")}.get(
        str(option.get("kind", "")), ("", "")
    )[0 if lang == "zh" else 1]
    return " ".join(p for p in (option.get("brand", ""), kind, option["last4"]) if p)


_CARD_KINDS = {"credit_card": "credit", "debit_card": "debit", "salary_card": "debit"}


@dataclass
class CardReference:
    """The card a message names: last four digits, scheme and/or credit or debit."""

    last4: set[str]
    brand: str = ""
    kind: str = ""

    @property
    def empty(self) -> bool:
        """Return True when the message names no card."""
        return not (self.last4 or self.brand or self.kind)

    def among(self, options: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Return the options that fit every part of the reference."""
        return [
            o
            for o in options
            if (not self.last4 or o["last4"] in self.last4)
            and (not self.brand or str(o.get("brand", "")).lower() == self.brand.lower())
            and (not self.kind or o.get("kind") == self.kind)
        ]

    def describe(self, lang: str) -> str:
        """Return the reference as the customer said it, for "no such card"."""
        if lang == "zh":
            kind = {"credit": "信用卡", "debit": "借记卡"}.get(self.kind, "")
            digits = f"尾号 {'/'.join(sorted(self.last4))} " if self.last4 else ""
            return f"{digits}{self.brand}{kind}".strip() or "这张"
        digits = f" ending {'/'.join(sorted(self.last4))}" if self.last4 else ""
        return "a " + " ".join(p for p in (self.brand, self.kind, "card") if p) + digits


def card_reference(text: str, entities: list[dict[str, Any]]) -> CardReference:
    """Read the card a message names from its entities (and bare four-digit numbers)."""
    ref = CardReference(set(re.findall(r"(?<!\d)(\d{4})(?!\d)", text)))
    for entity in entities:
        if entity.get("entity") not in ("account", "card"):
            continue
        if entity.get("last4"):
            ref.last4.add(str(entity["last4"]))
        if entity.get("brand"):
            ref.brand = str(entity["brand"])
        if entity.get("account_type") in _CARD_KINDS:
            ref.kind = _CARD_KINDS[str(entity["account_type"])]
    return ref


# What a customer calls each kind of product in the catalogue (zh and en).
PRODUCT_KINDS = {
    "current": re.compile(r"current account|checking|活期|结算账户", re.I),
    "savings": re.compile(r"sav(e|ing|er)|储蓄|存钱|攒钱", re.I),
    "deposit": re.compile(r"deposit|savings|定期|存款|存单", re.I),
    "wealth": re.compile(r"wealth|fund|invest|bond|equit|stock|理财|基金|投资|债券|股票", re.I),
    "loan": re.compile(r"loan|mortgage|borrow|贷款|房贷|车贷|借钱", re.I),
    "card": re.compile(r"credit card|信用卡", re.I),
}
_LOW_RISK = re.compile(r"low[- ]?risk|safe|conservative|stable|低风险|稳健|保本|安全|稳妥", re.I)
_HIGH_RISK = re.compile(r"high[- ]?(risk|return)|aggressive|高风险|高收益|激进", re.I)
PRODUCTS_SHOWN = 8
SHOWN_FIRST = ("wealth", "deposit", "savings", "current", "loan", "card")


def wanted_products(products: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Return the products the message asks about: the kinds it names, then its risk
    appetite (low: R1–R2, products without a risk level count as low; high: R4–R5).

    Nothing named (or nothing left): the whole catalogue. Listed in ``SHOWN_FIRST`` order,
    lower risk first.
    """
    kinds = {kind for kind, words in PRODUCT_KINDS.items() if words.search(text)}
    chosen = [p for p in products if not kinds or p["kind"] in kinds]
    if _LOW_RISK.search(text):
        chosen = [p for p in chosen if (p.get("risk_level") or "R1") <= "R2"]
    elif _HIGH_RISK.search(text):
        chosen = [p for p in chosen if (p.get("risk_level") or "R1") >= "R4"]
    if not chosen:
        chosen = products
    rank = {kind: i for i, kind in enumerate(SHOWN_FIRST)}
    return sorted(chosen, key=lambda p: (rank.get(p["kind"], len(rank)), p.get("risk_level") or ""))


async def product_lines(api: BankApi, lang: str, text: str = "") -> list[str]:
    """Return the products the customer asks about (see ``wanted_products``) in their
    language, with each wealth product's risk level."""
    products = wanted_products(await api.products(), text)
    lines = [say("products_header", lang)]
    for product in products[:PRODUCTS_SHOWN]:
        rate = product.get("interest_rate_percent")
        risk = product.get("risk_level")
        lines.append(
            "- "
            + say(
                "product_line",
                lang,
                name=product["name"].get(lang) or product["name"]["en"],
                kind=product["kind"] + (f", {risk}" if risk else ""),
                rate=f", {rate}%" if rate else "",
            )
        )
    return ["\n".join(lines)]
