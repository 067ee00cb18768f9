"""FAQ retrieval benchmark: top-1 article on the team's held-out questions, BM25 vs hybrid.

Loads the shipped help articles into a fresh SQLite database (built by the real
migrations) and asks each question of ``tests/assistant/data/faq_heldout.yml`` (written by
the team, worded differently from the articles; zh-Hans, Traditional/Cantonese and en,
plus off-topic questions that must get no answer) through four retrievers. The held-out
set was also used to calibrate the mix and to spot gaps in the articles, so it is
reported beside ``tests/assistant/data/faq_fresh.yml``: questions written afterwards and
never used to tune anything (the honest figure).

The retrievers:

- ``bm25``: the BM25 ranking alone, with the BM25 answer threshold (the baseline: the
  knowledge base before hybrid retrieval);
- ``embedding``: the sentence-embedding ranking alone, with the cosine threshold;
- ``hybrid_no_intent``: BM25 + embeddings fused, no intent (what ``search`` and agents'
  suggestions use);
- ``hybrid``: BM25 + embeddings + the intent → article link, the NLU's intent and
  confidence for each question (what the assistant uses).

A question counts as correct when the first article is the expected one and it fits (is
answered), or, for an off-topic question, when nothing is answered. Prints JSON: per
retriever the accuracy overall, on answerable questions, per script (Hans, Hant, en) and
on the off-topic ones, with the misses.

    PYTHONPATH=src .venv/bin/python bench/knowledge_faq.py [--out result.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "tests" / "assistant" / "data"
SETS = {"heldout": DATA / "faq_heldout.yml", "fresh": DATA / "faq_fresh.yml"}
_HANT_ONLY = re.compile(
    r"[們個這為麼過錢轉賬帳點樣嘅咗唔佢冇係喺撳銀櫃員機記碼鎖數幾張開網開驗證聯]"
)


def script(text: str) -> str:
    """Return "en", "Hant" or "Hans" for a question (Traditional by its characters)."""
    if not re.search(r"[\u4e00-\u9fff]", text):
        return "en"
    return "Hant" if _HANT_ONLY.search(text) else "Hans"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    from wendu.assistant.knowledge.search import candidates
    from wendu.assistant.knowledge.service import load_shipped
    from wendu.assistant.nlu import load_default_model
    from wendu.db import Database
    from wendu.migrate import upgrade

    sets: dict[str, list[dict[str, Any]]] = {
        name: yaml.safe_load(path.read_text("utf-8")) for name, path in SETS.items()
    }
    model = load_default_model()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/kb.db"
        upgrade(url)
        db = Database(url)
        with db.session() as session:
            articles = load_shipped(session)
        retrievers: dict[str, dict[str, Any]] = {
            "bm25": {"semantic": False},
            "embedding": {"lexical": False},
            "hybrid_no_intent": {},
            "hybrid": {"intent": True},
        }
        results: dict[str, Any] = {name: {} for name in sets}
        with db.session(write=False) as session:
            candidates(session, "warm up")  # builds the index and the passage embeddings
            for set_name, questions in sets.items():
                parsed = {q["q"]: model.parse(q["q"]) for q in questions}
                for name, options in retrievers.items():
                    rows = _run(session, candidates, questions, parsed, options)
                    results[set_name][name] = _score(rows[0]) | {
                        "ms_per_question": round(1000 * rows[1] / len(questions), 2)
                    }
        db.dispose()
    report = {
        "benchmark": "knowledge_faq",
        "questions": {name: len(q) for name, q in sets.items()},
        "articles": articles,
        "metric": "top-1 article (answered) or no answer for off-topic",
        "baseline": "bm25",
        "results": results,
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", "utf-8")


def _run(
    session: Any,
    candidates: Any,
    questions: list[dict[str, Any]],
    parsed: dict[str, Any],
    options: dict[str, Any],
) -> tuple[list[tuple[dict[str, Any], str | None]], float]:
    """Ask every question through one retriever; return (question, top slug) rows and the
    time taken in seconds."""
    rows = []
    started = time.perf_counter()
    for item in questions:
        kwargs = {k: v for k, v in options.items() if k != "intent"}
        if options.get("intent"):
            nlu = parsed[item["q"]]
            kwargs.update(intent=nlu.intent, confidence=nlu.confidence)
        ranked = candidates(session, item["q"], **kwargs)
        top = ranked[0] if ranked and ranked[0].fits() else None
        rows.append((item, top.slug if top else None))
    return rows, time.perf_counter() - started


def _score(rows: list[tuple[dict[str, Any], str | None]]) -> dict[str, Any]:
    def accuracy(subset: list[tuple[dict[str, Any], str | None]]) -> float | None:
        if not subset:
            return None
        return round(sum(item["slug"] == got for item, got in subset) / len(subset), 4)

    answerable = [r for r in rows if r[0]["slug"]]
    by_script = {
        s: accuracy([r for r in answerable if script(r[0]["q"]) == s])
        for s in ("Hans", "Hant", "en")
    }
    return {
        "accuracy": accuracy(rows),
        "top1_answerable": accuracy(answerable),
        "top1_by_script": by_script,
        "off_topic_declined": accuracy([r for r in rows if not r[0]["slug"]]),
        "misses": [
            {"q": item["q"], "expected": item["slug"], "got": got}
            for item, got in rows
            if item["slug"] != got
        ],
    }


if __name__ == "__main__":
    sys.exit(main())
