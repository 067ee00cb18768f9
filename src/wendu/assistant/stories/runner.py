"""Play stories through the real chat API and check their outcomes.

Each story: reset the customer (``StoryBank.reset``), connect the story's apps, open a chat
with a fresh consent, then send each turn and run its checks; after the last turn run the
story's own checks. Two checks are implicit on every turn: the message got a reply (unless
the chat was already with a person, who answers instead) and the reply is written in the
customer's script (``script`` in a turn or the story overrides it).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from wendu.assistant.stories.bank import StoryBank
from wendu.assistant.stories.checks import (
    CHECKS,
    SCRIPT_OF_LANGUAGE,
    WITH_PERSON,
    Context,
    cited,
    script_problem,
)
from wendu.assistant.stories.format import Check, Story


@dataclass
class Failure:
    """A check that did not hold: where (turn number, or 0 for the story's end) and why."""

    turn: int
    check: str
    problem: str


@dataclass
class Line:
    """One message of the transcript."""

    author: str  # customer | assistant
    text: str
    turn: int


@dataclass
class Outcome:
    """A story's result: the failures (none: success), the transcript, articles cited."""

    story: Story
    failures: list[Failure] = field(default_factory=list)
    transcript: list[Line] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    faq: list[bool] = field(default_factory=list)  # each article check: top-1 right?

    @property
    def passed(self) -> bool:
        """Return True when every check held and nothing broke."""
        return not self.failures and self.error is None


def _script_of(story: Story, checks: Iterable[Check]) -> str | None:
    """Return the script the replies must be in, or None when a ``script`` check says it."""
    if any(c.name == "script" for c in checks):
        return None
    return SCRIPT_OF_LANGUAGE[story.language]


def _run_checks(ctx: Context, checks: Iterable[Check], turn: int, outcome: Outcome) -> None:
    for check in checks:
        try:
            problem = CHECKS[check.name](ctx, check.arg)
        except Exception as exc:  # a check that cannot run is a failure, not a crash
            problem = f"the check could not run: {type(exc).__name__}: {exc}"
        if check.name == "article":
            outcome.faq.append(problem is None)
        if problem is not None:
            outcome.failures.append(Failure(turn, str(check), problem))


def run_story(bank: StoryBank, story: Story) -> Outcome:
    """Play one story on ``bank`` and return its outcome."""
    outcome = Outcome(story)
    began = time.perf_counter()
    try:
        customer_id = bank.customer_id(story.customer)
        bank.reset(customer_id)
        for name in story.apps:
            bank.connect_app(name, customer_id)
        chat = bank.open_chat(customer_id, story.chat_language, story.permissions)
        cards_before = bank.get(chat, "/customer-api/v1/cards")["cards"]
        shared: dict[str, Any] = {}
        everything: list[str] = []
        status = "bot"
        for n, turn in enumerate(story.turns, 1):
            outcome.transcript.append(Line("customer", turn.say, n))
            answer = bank.say(chat, turn.say)
            if answer["http_status"] != 200:
                outcome.failures.append(
                    Failure(n, "replied", f"HTTP {answer['http_status']}: {answer}"[:300])
                )
                continue
            replies = [str(r["text"]) for r in answer.get("replies", [])]
            everything.extend(replies)
            outcome.transcript.extend(Line("assistant", r, n) for r in replies)
            if not replies and status not in WITH_PERSON:
                outcome.failures.append(Failure(n, "replied", "the message got no reply"))
            status = str(answer.get("status", status))
            script = _script_of(story, turn.expect)
            if script and (problem := script_problem(replies, script)):
                outcome.failures.append(Failure(n, f"script: {script}", problem))
            ctx = Context(bank, chat, replies, cards_before, shared)
            _run_checks(ctx, turn.expect, n, outcome)
        ctx = Context(bank, chat, everything, cards_before, shared)
        _run_checks(ctx, story.expect, 0, outcome)
    except Exception as exc:
        outcome.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
    outcome.seconds = time.perf_counter() - began
    return outcome


def run_stories(
    stories: list[Story],
    *,
    bank: StoryBank | None = None,
    progress: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Play ``stories`` on ``bank`` (a fresh one, closed afterwards, when not given)."""
    own = bank is None
    bank = bank or StoryBank()
    try:
        outcomes = []
        for story in stories:
            outcome = run_story(bank, story)
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
        return outcomes
    finally:
        if own:
            bank.close()


__all__ = ["Failure", "Line", "Outcome", "cited", "run_stories", "run_story"]
