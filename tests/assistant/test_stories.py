"""The conversation stories: the runner's checks catch a wrong outcome, and the sample of
stories the assistant must already get right passes (the whole set runs with
``wendu assistant test``; its figures are a benchmark, ``bench/conversations.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wendu.assistant.stories.bank import StoryBank
from wendu.assistant.stories.format import (
    load_stories,
    parse_story,
    shipped_stories_dir,
)
from wendu.assistant.stories.report import as_text, summary
from wendu.assistant.stories.runner import run_stories, run_story


@pytest.fixture(scope="module")
def bank() -> Iterator[StoryBank]:
    """Build the stories' demo bank once for this module."""
    with StoryBank() as built:
        yield built


def _story(**fields: object) -> object:
    raw = {"id": "t", "language": "zh-Hans", "flow": "balance", "customer": "demo00001"}
    raw.update(fields)
    return parse_story(raw, "test")


def test_a_wrong_expectation_is_reported_as_failed(bank: StoryBank) -> None:
    story = _story(
        turns=[
            {
                "say": "我卡里还有多少钱",
                "expect": [
                    {"balance": "current"},  # true
                    {"frozen": "5597"},  # wrong: nothing was frozen
                    {"article": "pin-reset"},  # wrong: no article
                    "handoff",  # wrong: still with the assistant
                    {"spent": {"merchant": "Changlian Mobile", "period": "last_90_days"}},
                ],
            }
        ],
        expect=[{"ticket": {"kind": "complaint"}}, {"revoked": "Nobody's App"}],
    )
    outcome = run_story(bank, story)  # type: ignore[arg-type]
    assert not outcome.passed
    failed = {f.check.split(":")[0] for f in outcome.failures}
    assert failed == {"frozen", "article", "handoff", "spent", "ticket"}, outcome.failures
    assert outcome.faq == [False]
    assert "FAIL t" in as_text([outcome])
    assert [line.author for line in outcome.transcript] == ["customer", "assistant"]


def test_the_right_expectations_pass(bank: StoryBank) -> None:
    story = _story(
        turns=[{"say": "我卡里还有多少钱", "expect": [{"balance": "current"}, "no_handoff"]}],
        expect=["no_ticket", "not_frozen", {"script": "Hans"}],
    )
    outcome = run_story(bank, story)  # type: ignore[arg-type]
    assert outcome.passed, outcome.failures


def test_a_reply_in_the_wrong_script_fails_the_script_check(bank: StoryBank) -> None:
    # A simplified writer is answered in simplified Chinese; expecting Traditional fails.
    story = _story(turns=[{"say": "你好，我想查一下余额", "expect": [{"script": "Hant"}]}])
    outcome = run_story(bank, story)  # type: ignore[arg-type]
    assert [f.check for f in outcome.failures] == ["script: Hant"], outcome.failures


def test_the_sample_stories_pass(bank: StoryBank) -> None:
    stories = load_stories(shipped_stories_dir(), sample_only=True)
    assert len(stories) >= 10
    assert {s.language for s in stories} == {"zh-Hans", "zh-Hant-HK", "zh-Hant-TW", "en", "mixed"}
    outcomes = run_stories(stories, bank=bank)
    figures = summary(outcomes)
    assert figures["passed"] == figures["stories"], as_text(outcomes)


def test_the_shipped_stories_load_and_spread_over_languages() -> None:
    stories = load_stories(shipped_stories_dir())
    languages = {s.language for s in stories}
    assert languages == {"zh-Hans", "zh-Hant-HK", "zh-Hant-TW", "en", "mixed"}
    assert all(s.turns for s in stories)


def test_periods_are_local_date_windows() -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from wendu.assistant.stories.oracle import instants, window

    today = date(2026, 3, 31)  # a Tuesday
    assert window("yesterday", today) == (date(2026, 3, 30), date(2026, 3, 30))
    assert window("last_week", today) == (date(2026, 3, 23), date(2026, 3, 29))
    assert window("last_month", today) == (date(2026, 2, 1), date(2026, 2, 28))
    assert window("month_11", today) == (date(2025, 11, 1), date(2025, 11, 30))
    assert window("last_7_days", today) == (date(2026, 3, 25), today)
    assert window("last_1_months", today) == (date(2026, 3, 1), today)
    start, end = instants((today, today), ZoneInfo("Asia/Shanghai"))
    assert (start.isoformat(), end.isoformat()) == (
        "2026-03-30T16:00:00+00:00",
        "2026-03-31T16:00:00+00:00",
    )


def test_a_malformed_story_is_refused_with_the_reason(tmp_path: object) -> None:
    from pathlib import Path

    from wendu.assistant.stories.format import StoryError

    folder = Path(str(tmp_path))
    (folder / "bad.yml").write_text(
        "- id: x\n  language: zh-Hans\n  flow: balance\n  customer: demo00001\n"
        "  turns:\n    - say: yes\n      expect: [{balanse: current}]\n",
        encoding="utf-8",
    )
    with pytest.raises(StoryError, match="unknown check 'balanse'"):
        load_stories(folder)
    (folder / "bad.yml").write_text(
        "- id: x\n  language: yue\n  flow: balance\n  customer: demo00001\n  turns: [hi]\n",
        encoding="utf-8",
    )
    with pytest.raises(StoryError, match="language must be one of"):
        load_stories(folder)
    (folder / "bad.yml").write_text(
        "- id: x\n  language: en\n  flow: balance\n  customer: demo00001\n  turns: [yes, no]\n",
        encoding="utf-8",
    )
    assert [t.say for t in load_stories(folder)[0].turns] == ["yes", "no"]  # words, not booleans
