"""Sentiment benchmark: the assistant's per-message polarity on public zh and en review sets.

Scores ``wendu.assistant.sentiment.analyse`` (snownlp blended with a lexicon for Chinese,
a lexicon with negation and intensifiers for English, anger cues pulling the score down)
on data it was never fitted to, and prints JSON:

- Chinese, per dataset (ChnSentiCorp hotel reviews, waimai food-delivery reviews; label
  1 = positive): accuracy and macro-F1 of the binary polarity. Rule, fixed before any
  run: ``score > 0`` → positive, ``score <= 0`` → negative (a score of exactly 0 means "no
  signal", and the assistant only calls a message happy from +0.3, so "not positive" is
  the neutral reading; for a bank, taking a complaint for praise is the costlier error).
  The count of scores exactly 0, accuracy on the non-zero ones and accuracy with the
  zeros sent the other way are reported beside it. Baselines from the same run: the
  majority class of the evaluated rows, and snownlp alone (``SnowNLP(text).sentiments >=
  0.5``; it is the very call ``analyse`` memoises, so the bench reads it from that cache
  and snownlp runs once per review).
- English, Financial PhraseBank ``Sentences_AllAgree`` (positive / negative / neutral):
  three-class accuracy and macro-F1 with a neutral band fixed a priori (``|score| <
  0.1`` → neutral), and binary accuracy on the positive/negative subset with the
  Chinese sign rule. Baseline: majority class.
- How often ``analyse`` labels a message "angry" per gold class (the handoff signal).
- Latency: p50/p99 of one ``analyse`` call on one thread, snownlp cache cleared before
  each call, per dataset (wall and CPU time, with the load average).

Nothing here tunes ``sentiment.py``: these sets are for evaluation only.

Sources (read at run time from ``../shared/datasets/``, never copied; see its README):
- ChnSentiCorp_htl_all.csv and waimai_10k.csv, SophonPlus/ChineseNlpCorpus, commit
  a0b781d7; no licence stated upstream, evaluation use only.
- Financial PhraseBank v1.0 (Malo et al., 2014), wychen-null/project_nlp_cuda, commit
  85f8c4fc; CC BY-NC-SA 3.0, evaluation only.
Published anchors (from that README): ChnSentiCorp, in-domain fine-tuned ERNIE 95.5 %
test accuracy; Financial PhraseBank AllAgree, FinBERT 0.97 and the LPS lexicon baseline
0.79 accuracy (Araci, 2019), both on a held-out split, not on every sentence as here.

    .venv/bin/python bench/sentiment.py                  # full sets, 2 scoring processes
    .venv/bin/python bench/sentiment.py --limit 500      # 500 sampled rows per set
    .venv/bin/python bench/sentiment.py --data DIR --jobs 1 --out result.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from wendu.assistant import sentiment
from wendu.assistant.sentiment import analyse

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
CHINESE = {
    "chnsenticorp_hotel": "chinese-sentiment/ChnSentiCorp_htl_all.csv",
    "waimai_food_delivery": "chinese-sentiment/waimai_10k.csv",
}
ENGLISH = "financial-phrasebank/Sentences_AllAgree.txt"
NEUTRAL_BAND = 0.1  # |score| < 0.1 → neutral; fixed a priori, not chosen on the data
PUBLISHED = {
    "source": "../shared/datasets/README.md",
    "chnsenticorp_in_domain_finetuned_ernie_accuracy": 0.955,
    "waimai": "no published anchor in ../shared",
    "financial_phrasebank_allagree_accuracy": {
        "finbert": 0.97,
        "lps_lexicon_baseline": 0.79,
        "cite": "Araci, 2019; held-out test split of AllAgree, three classes",
    },
}


def read_chinese(path: Path) -> tuple[list[str], list[str]]:
    """Return reviews and labels ("positive"/"negative") of one ``label,review`` CSV."""
    texts, labels = [], []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            texts.append(row["review"] or "")
            labels.append("positive" if row["label"].strip() == "1" else "negative")
    return texts, labels


def read_phrasebank(path: Path) -> tuple[list[str], list[str]]:
    """Return sentences and labels of a Financial PhraseBank ``sentence@label`` file."""
    texts, labels = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "@" not in line:
            continue
        text, label = line.rsplit("@", 1)
        texts.append(text.strip())
        labels.append(label.strip())
    return texts, labels


def sample(texts: list[str], labels: list[str], limit: int | None, seed: int) -> tuple[list, list]:
    """Draw LIMIT rows with a seeded generator (all rows when LIMIT is None)."""
    if limit is None or limit >= len(texts):
        return texts, labels
    idx = sorted(random.Random(seed).sample(range(len(texts)), limit))
    return [texts[i] for i in idx], [labels[i] for i in idx]


def scores(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, float]:
    """Return accuracy and macro-F1 (over the gold classes)."""
    classes = sorted(set(y_true))
    return {
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(
            float(f1_score(y_true, y_pred, labels=classes, average="macro", zero_division=0)), 4
        ),
    }


def sign(score: float) -> str:
    """The binary rule: positive above 0, negative at or below 0."""
    return "positive" if score > 0 else "negative"


def three_way(score: float) -> str:
    """The three-class rule with the a-priori neutral band."""
    if abs(score) < NEUTRAL_BAND:
        return "neutral"
    return "positive" if score > 0 else "negative"


def majority(labels: Sequence[str]) -> dict[str, Any]:
    """Score the majority-class baseline on LABELS."""
    top = Counter(labels).most_common(1)[0][0]
    return {"class": top, **scores(labels, [top] * len(labels))}


def angry_rate(labels: Sequence[str], emotions: Sequence[str]) -> dict[str, float]:
    """Share of messages labelled "angry" per gold class."""
    out = {}
    for cls in sorted(set(labels)):
        picked = [e for y, e in zip(labels, emotions, strict=True) if y == cls]
        out[cls] = round(sum(e == "angry" for e in picked) / len(picked), 4)
    return out


def _score_chunk(texts: Sequence[str]) -> list[tuple[float, str, float]]:
    out = []
    for text in texts:
        result = analyse(text)
        stripped = text.strip()
        # Same call as SnowNLP(stripped).sentiments, memoised by analyse a moment ago.
        snow = sentiment._snownlp_score(stripped) if stripped else 0.5
        out.append((result.score, str(result.emotion), snow))
    return out


def score_all(texts: Sequence[str], jobs: int) -> tuple[list[float], list[str], list[float]]:
    """Return analyse's scores and emotions, and snownlp's own probability, per text.

    With JOBS > 1 the texts are scored in that many processes (accuracy only; latency is
    measured separately on one thread).
    """
    texts = list(texts)
    if jobs > 1 and len(texts) > 200:
        size = -(-len(texts) // (jobs * 8))
        chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
        with ProcessPoolExecutor(jobs) as pool:
            rows = [row for part in pool.map(_score_chunk, chunks) for row in part]
    else:
        rows = _score_chunk(texts)
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def chinese_report(texts: list[str], labels: list[str], jobs: int) -> dict[str, Any]:
    """Binary accuracy/macro-F1 of analyse on a Chinese set, with the baselines."""
    values, emotions, snow = score_all(texts, jobs)
    predicted = [sign(v) for v in values]
    zeros = [i for i, v in enumerate(values) if v == 0]
    nonzero = [i for i, v in enumerate(values) if v != 0]
    flipped = ["positive" if v == 0 else p for v, p in zip(values, predicted, strict=True)]
    return {
        "rows": len(texts),
        "class_counts": dict(sorted(Counter(labels).items())),
        "wendu_sentiment": {
            **scores(labels, predicted),
            "rule": "score > 0 → positive, score <= 0 → negative",
            "exactly_zero": len(zeros),
            "accuracy_on_nonzero": scores(
                [labels[i] for i in nonzero], [predicted[i] for i in nonzero]
            )["accuracy"]
            if nonzero
            else None,
            "accuracy_if_zero_counted_positive": scores(labels, flipped)["accuracy"],
            "angry_rate_per_gold_class": angry_rate(labels, emotions),
        },
        "baseline_snownlp_alone": {
            **scores(labels, ["positive" if s >= 0.5 else "negative" for s in snow]),
            "rule": "SnowNLP(text).sentiments >= 0.5 → positive",
        },
        "baseline_majority_class": majority(labels),
    }


def english_report(texts: list[str], labels: list[str], jobs: int) -> dict[str, Any]:
    """Three-class and binary-subset figures of analyse on Financial PhraseBank."""
    values, emotions, _ = score_all(texts, jobs)
    polar = [i for i, y in enumerate(labels) if y != "neutral"]
    polar_labels = [labels[i] for i in polar]
    return {
        "rows": len(texts),
        "class_counts": dict(sorted(Counter(labels).items())),
        "wendu_sentiment_three_class": {
            **scores(labels, [three_way(v) for v in values]),
            "rule": f"|score| < {NEUTRAL_BAND} → neutral, else by sign",
            "predicted_counts": dict(sorted(Counter(three_way(v) for v in values).items())),
            "exactly_zero": sum(v == 0 for v in values),
        },
        "wendu_sentiment_binary_on_positive_negative": {
            "rows": len(polar),
            **scores(polar_labels, [sign(values[i]) for i in polar]),
            "rule": "score > 0 → positive, score <= 0 → negative",
            "exactly_zero": sum(values[i] == 0 for i in polar),
            "accuracy_on_nonzero": scores(
                [labels[i] for i in polar if values[i] != 0],
                [sign(values[i]) for i in polar if values[i] != 0],
            )["accuracy"]
            if any(values[i] != 0 for i in polar)
            else None,
        },
        "angry_rate_per_gold_class": angry_rate(labels, emotions),
        "baseline_majority_class_three_class": majority(labels),
        "baseline_majority_class_binary_subset": majority(polar_labels),
    }


def latency(texts: Sequence[str], n: int, seed: int) -> dict[str, Any]:
    """Time single ``analyse`` calls on one thread, the snownlp cache cleared each time."""
    chosen = random.Random(seed).sample(list(texts), min(n, len(texts)))
    for text in chosen[:20]:  # load snownlp's model and warm the regexes
        analyse(text)
    wall, cpu = [], []
    for text in chosen:
        sentiment._snownlp_score.cache_clear()
        w, c = time.perf_counter(), time.process_time()
        analyse(text)
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    w_arr, c_arr = np.array(wall), np.array(cpu)
    return {
        "messages": len(wall),
        "mean_chars": round(float(np.mean([len(t) for t in chosen])), 1),
        "p50_ms": round(float(np.percentile(w_arr, 50)), 2),
        "p99_ms": round(float(np.percentile(w_arr, 99)), 2),
        "cpu_p50_ms": round(float(np.percentile(c_arr, 50)), 2),
        "cpu_p99_ms": round(float(np.percentile(c_arr, 99)), 2),
    }


def log(message: str) -> None:
    """Report progress on stderr (stdout carries the JSON)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Score every dataset that is present and return the report."""
    report: dict[str, Any] = {
        "limit_per_dataset": args.limit,
        "seed": args.seed,
        "scoring_processes": args.jobs,
        "published": PUBLISHED,
    }
    sets: list[tuple[str, Path, Callable[[Path], tuple[list[str], list[str]]], Callable]] = [
        (name, args.data / rel, read_chinese, chinese_report) for name, rel in CHINESE.items()
    ]
    sets.append(
        ("financial_phrasebank_allagree", args.data / ENGLISH, read_phrasebank, english_report)
    )
    lat: dict[str, Any] = {}
    for name, path, reader, reporter in sets:
        if not path.is_file():
            report[name] = {"skipped": f"not found at {path}"}
            continue
        texts, labels = sample(*reader(path), args.limit, args.seed)
        log(f"{name}: {len(texts)} rows")
        started, cpu = time.perf_counter(), time.process_time()
        report[name] = reporter(texts, labels, args.jobs)
        report[name]["seconds"] = round(time.perf_counter() - started, 1)
        report[name]["main_process_cpu_seconds"] = round(time.process_time() - cpu, 1)
        lat[name] = latency(texts, args.latency_messages, args.seed)
    lat["load_average_1min"] = round(os.getloadavg()[0], 1)
    lat["cpu_cores"] = os.cpu_count()
    report["latency_one_analyse_call_one_thread"] = lat
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="../shared/datasets")
    parser.add_argument("--limit", type=int, default=None, help="sample N rows per dataset")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="processes for the accuracy pass")
    parser.add_argument("--latency-messages", type=int, default=300, help="per dataset")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    if not any((args.data / rel).is_file() for rel in [*CHINESE.values(), ENGLISH]):
        print(json.dumps({"skipped": f"sentiment datasets not found under {args.data}"}))
        return 0
    text = json.dumps(run(args), ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
