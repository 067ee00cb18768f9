"""Which product area a chat is about, so tickets and hand-offs reach the right team.

Helpdesk teams serve product areas (the demo bank: cards, payments & transfers, complaints,
wealth & products; see ``helpdesk.routing.pick_team``). The topic of a chat is the product
area of its latest intent that names one; a complaint goes to the team that serves
``complaint``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from wendu.assistant.dialogue.engine import DISPUTE_INTENTS, TRANSFER_INTENTS

COMPLAINT_AREA = "complaint"
# Intents that say nothing about a product.
_NO_TOPIC = {
    "greeting", "goodbye", "thanks", "out_of_scope", "talk_to_human", "make_complaint",
}  # fmt: skip
_PAYMENT = re.compile(
    r"transfer|top_up|topping_up|exchange|direct_debit|refund|receiving_money|beneficiary|"
    r"charged_twice|extra_charge|balance|recent_transactions|source_of_funds|fiat_currency",
    re.IGNORECASE,
)
_CARD = re.compile(r"card|pin|atm|contactless|visa|apple_pay|cash_withdrawal|cash_received")
_WEALTH = re.compile(r"product|wealth|fund|deposit|loan|interest|invest")
_OPEN_BANKING = re.compile(r"connected_apps")


def area_of(intent: str) -> str | None:
    """Return the product area an intent is about, or None."""
    if intent in _NO_TOPIC:
        return None
    if _OPEN_BANKING.search(intent):
        return "open_banking"
    if _WEALTH.search(intent):
        return "wealth"
    if _PAYMENT.search(intent):
        return "payment"
    if _CARD.search(intent):
        return "debit_card"
    return "digital_banking"


# What the message handed over says it is about ("someone about my mortgage").
_TEXT_AREAS = (
    (
        "wealth",
        r"\b(?:mortgages?|loans?|invest\w*|funds?|wealth|deposits?)\b|"
        r"理财|基金|贷款|房贷|存款|定期|理財|貸款|房貸",
    ),
    ("open_banking", r"connected app|third[- ]party app|授权|授權"),
    ("payment", r"transfer|payment|remit|转账|轉賬|轉帳|汇款|匯款|付款|支付"),
    ("debit_card", r"\bcards?\b|卡"),
)


def area_of_text(text: str) -> str | None:
    """Return the product area a message names, or None."""
    for area, words in _TEXT_AREAS:
        if re.search(words, text, re.IGNORECASE):
            return area
    return None


def product_area(intents: Sequence[str], reason: str | None = None, text: str = "") -> str | None:
    """Return the product area of a chat: what the message names, else its intents,
    latest first. A complaint hand-off goes to complaints; an angry customer with no
    topic as well.
    """
    if reason == "complaint":
        return COMPLAINT_AREA
    if (named := area_of_text(text)) is not None:
        return named
    for intent in reversed(intents):
        if (area := area_of(intent)) is not None:
            return area
    return COMPLAINT_AREA if reason == "anger" else None


_BILLING = {
    "request_refund", "Refund_not_showing_up", "transaction_charged_twice",
    "extra_charge_on_statement", "reverted_card_payment?",
}  # fmt: skip
_CREDIT = re.compile(r"信用卡|credit", re.IGNORECASE)


def ticket_cells(
    intents: Sequence[str], kind: str, text: str
) -> tuple[set[str] | None, set[str] | None]:
    """Return the products and issues a ticket's category may have, from the task that
    opens it (a transfer trace is a transfer failure of a payment; a card payment the
    customer does not recognise is unauthorised or a billing dispute on their card);
    None where the complaint classifier chooses freely."""
    if kind == "complaint":
        return None, None
    task = next((i for i in reversed(intents) if i in TRANSFER_INTENTS + DISPUTE_INTENTS), None)
    cards = {"credit_card"} if _CREDIT.search(text) else {"debit_card"}
    if task in TRANSFER_INTENTS:
        return {"payment"}, {"transfer_failure"}
    if task in _BILLING:
        return cards, {"billing_dispute"}
    if task == "direct_debit_payment_not_recognised":
        return {"payment"}, {"unauthorised_transaction", "billing_dispute"}
    if task in DISPUTE_INTENTS:
        return cards, {"unauthorised_transaction", "billing_dispute"}
    return None, None
