"""Task success per language, per flow and overall, FAQ top-1 accuracy, and the failures
with their transcripts, as text for people or as JSON for tools (``bench/conversations.py``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from wendu.assistant.stories.format import LANGUAGES
from wendu.assistant.stories.runner import Outcome

GOAL_PER_LANGUAGE = 0.95
GOAL_FAQ_TOP1 = 0.90


def _rate(passed: int, total: int) -> float | None:
    return round(passed / total, 4) if total else None


def _group(outcomes: list[Outcome], key: str) -> dict[str, dict[str, Any]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for o in outcomes:
        name = getattr(o.story, key)
        counts[name][0] += o.passed
        counts[name][1] += 1
    order = list(LANGUAGES) if key == "language" else sorted(counts)
    return {
        name: {"passed": passed, "total": total, "success": _rate(passed, total)}
        for name, (passed, total) in ((n, counts[n]) for n in order if n in counts)
    }


def failing_checks(outcomes: list[Outcome]) -> dict[str, list[str]]:
    """Return, per kind of check (its name; ``error`` for a story that broke), the ids of
    the stories it failed in, most frequent first: a to-do list grouped by cause."""
    by_check: dict[str, list[str]] = defaultdict(list)
    for o in outcomes:
        names = {f.check.split(":")[0] for f in o.failures}
        if o.error:
            names.add("error")
        for name in names:
            by_check[name].append(o.story.id)
    return dict(sorted(by_check.items(), key=lambda item: (-len(item[1]), item[0])))


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """Return the figures of a run as JSON-ready values."""
    passed = sum(o.passed for o in outcomes)
    faq = [hit for o in outcomes for hit in o.faq]
    return {
        "stories": len(outcomes),
        "passed": passed,
        "task_success": _rate(passed, len(outcomes)),
        "per_language": _group(outcomes, "language"),
        "per_flow": _group(outcomes, "flow"),
        "faq_top1": {"correct": sum(faq), "total": len(faq), "accuracy": _rate(sum(faq), len(faq))},
        "goal": {"per_language": GOAL_PER_LANGUAGE, "faq_top1": GOAL_FAQ_TOP1},
        "failing_checks": {name: len(ids) for name, ids in failing_checks(outcomes).items()},
    }


def failure_json(outcome: Outcome) -> dict[str, Any]:
    """Return a failed story's id, failures and transcript as JSON-ready values."""
    return {
        "id": outcome.story.id,
        "language": outcome.story.language,
        "flow": outcome.story.flow,
        "source": outcome.story.source,
        "error": outcome.error,
        "failures": [
            {"turn": f.turn or "end", "check": f.check, "problem": f.problem}
            for f in outcome.failures
        ],
        "transcript": [
            {"turn": line.turn, "author": line.author, "text": line.text}
            for line in outcome.transcript
        ],
    }


def as_json(outcomes: list[Outcome]) -> dict[str, Any]:
    """Return the whole report: the summary and every failed story."""
    return {
        **summary(outcomes),
        "failed_by_check": failing_checks(outcomes),
        "failed": [failure_json(o) for o in outcomes if not o.passed],
    }


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value * 100:5.1f}%"


def as_text(outcomes: list[Outcome], *, transcripts: bool = True) -> str:
    """Return the report for a terminal: the failures first, the figures last."""
    lines: list[str] = []
    failed = [o for o in outcomes if not o.passed]
    for o in failed:
        lines.append(f"FAIL {o.story.id} [{o.story.language} · {o.story.flow}] ({o.story.source})")
        if o.error:
            lines.append(f"  error: {o.error.strip()}")
        for f in o.failures:
            lines.append(f"  turn {f.turn or 'end'}: {f.check} — {f.problem}")
        if transcripts:
            for line in o.transcript:
                who = "  >" if line.author == "customer" else "  <"
                text = line.text.replace("\n", "\n     ")
                lines.append(f"{who} {text}")
        lines.append("")
    figures = summary(outcomes)
    if figures["failing_checks"]:
        lines.append("Stories failing each kind of check")
        for name, count in figures["failing_checks"].items():
            lines.append(f"  {name:<16} {count}")
    lines.append("Task success per language")
    for name, row in figures["per_language"].items():
        lines.append(f"  {name:<12} {_pct(row['success'])}  {row['passed']}/{row['total']}")
    lines.append("Task success per flow")
    for name, row in figures["per_flow"].items():
        lines.append(f"  {name:<16} {_pct(row['success'])}  {row['passed']}/{row['total']}")
    faq = figures["faq_top1"]
    lines.append(f"FAQ top-1 article {_pct(faq['accuracy'])}  {faq['correct']}/{faq['total']}")
    lines.append(
        f"Overall {_pct(figures['task_success'])}  {figures['passed']}/{figures['stories']}"
    )
    return "\n".join(lines)
