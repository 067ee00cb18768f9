"""Conversation suite: task success per language and FAQ top-1 article accuracy.

Plays every shipped story (``src/wendu/assistant/data/stories``, or ``--stories DIR``)
through the real chat API on a fresh demo bank, exactly as ``wendu assistant test`` does,
and prints JSON: task success per language, per flow and overall, FAQ top-1 article
accuracy, the goal beside each, and the baseline — the same figures measured on main
before issue 9's work (commit f4662fa), over the story set of that date.

    .venv/bin/python bench/conversations.py
    .venv/bin/python bench/conversations.py --only 'hk-*,tw-*' --failed
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from wendu.assistant.stories.format import load_stories, shipped_stories_dir
from wendu.assistant.stories.report import (
    GOAL_FAQ_TOP1,
    GOAL_PER_LANGUAGE,
    failure_json,
    summary,
)
from wendu.assistant.stories.runner import run_stories

# Measured on main at f4662fa (before issue 9's fixes) with this script; see BASELINE_NOTE.
BASELINE: dict[str, object] = {
    "stories": 231,
    "task_success_per_language": {
        "zh-Hans": 0.4146,
        "zh-Hant-HK": 0.0,
        "zh-Hant-TW": 0.0,
        "en": 0.3947,
        "mixed": 0.45,
    },
    "task_success": 0.316,
    "faq_top1": 0.1765,
}
BASELINE_NOTE = (
    "main at f4662fa (before issue 9's fixes), the 231 stories of 2026-12-07, real clock "
    "(that code cannot pin one)"
)


def main() -> None:
    """Run the stories and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=Path, default=shipped_stories_dir())
    parser.add_argument("--only", default=None, help="Story id globs, comma-separated.")
    parser.add_argument("--failed", action="store_true", help="Add the failed stories.")
    args = parser.parse_args()
    stories = load_stories(args.stories, args.only)
    began = time.perf_counter()
    outcomes = run_stories(stories)
    figures = summary(outcomes)
    result: dict[str, object] = {
        "bench": "conversations",
        "stories": figures["stories"],
        "task_success_per_language": {
            name: row["success"] for name, row in figures["per_language"].items()
        },
        "task_success_per_flow": {
            name: row["success"] for name, row in figures["per_flow"].items()
        },
        "task_success": figures["task_success"],
        "faq_top1": figures["faq_top1"]["accuracy"],
        "faq_questions": figures["faq_top1"]["total"],
        "goal": {"task_success_per_language": GOAL_PER_LANGUAGE, "faq_top1": GOAL_FAQ_TOP1},
        "meets_goal": {
            "per_language": all(
                (row["success"] or 0) >= GOAL_PER_LANGUAGE
                for row in figures["per_language"].values()
            ),
            "faq_top1": (figures["faq_top1"]["accuracy"] or 0) >= GOAL_FAQ_TOP1,
        },
        "baseline": {**BASELINE, "note": BASELINE_NOTE},
        "counts": {"per_language": figures["per_language"], "faq_top1": figures["faq_top1"]},
        "seconds": round(time.perf_counter() - began, 1),
    }
    if args.failed:
        result["failed"] = [failure_json(o) for o in outcomes if not o.passed]
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
