"""Per-message sentiment for callers (assistant, helpdesk, reputation) and the anger rule."""

from __future__ import annotations

from collections.abc import Sequence

from wendu.sentiment.model import Sentiment, load_default_model

#: One message this likely to be angry goes to a person at once.
ANGER_AT_ONCE = 0.85
#: Two messages in a row averaging at least this P(angry) go to a person ...
ANGER_SUSTAINED = 0.6
#: ... provided neither is below this (one calm message breaks the run).
ANGER_FLOOR = 0.35


def analyse(text: str) -> Sentiment:
    """Score TEXT (zh-Hans, zh-Hant or en) with the shipped model.

    Nothing is memoised: customers' messages are not kept in memory after scoring.
    """
    return load_default_model().analyse(text)


def analyse_many(texts: Sequence[str]) -> list[Sentiment]:
    """Score several texts in one batch."""
    return load_default_model().analyse_many(list(texts))


def anger_rising(
    angers: Sequence[float],
    *,
    at_once: float = ANGER_AT_ONCE,
    sustained: float = ANGER_SUSTAINED,
    floor: float = ANGER_FLOOR,
) -> bool:
    """Return True when the customer's anger needs a person.

    ``angers`` are the calibrated P(angry) of the customer's messages, oldest first:
    the last one is at least ``at_once``, or the last two average at least
    ``sustained`` with neither below ``floor`` (anger rising over two messages). A
    neutral question or a calm complaint sits far below these, so however many of
    them come in a row they never hand the chat off as anger.
    """
    if not angers:
        return False
    if angers[-1] >= at_once:
        return True
    last = angers[-2:]
    return len(last) == 2 and min(last) >= floor and sum(last) / 2 >= sustained
