"""Which product area a chat is about, so tickets and hand-offs reach the right team.

Helpdesk teams serve product areas (the demo bank: cards, payments & transfers, complaints,
wealth & products; see ``helpdesk.routing.pick_team``). The topic of a chat is the product
area of its latest intent that names one; a complaint goes to the team that serves
``complaint``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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


def product_area(intents: Sequence[str], reason: str | None = None) -> str | None:
    """Return the product area of a chat from its intents, latest first.

    A complaint hand-off goes to complaints; an angry customer with no topic as well.
    """
    if reason == "complaint":
        return COMPLAINT_AREA
    for intent in reversed(intents):
        if (area := area_of(intent)) is not None:
            return area
    return COMPLAINT_AREA if reason == "anger" else None
