"""Complaint classifier on real CFPB narratives, beside a TF-IDF + linear baseline.

Trains the helpdesk's own pipeline (``ComplaintClassifier``: TF-IDF word + character
n-grams and multilingual USE embeddings, two logistic regressions averaged) on the US
CFPB Consumer Complaint Database sample in ``../shared/datasets/cfpb-complaints/``
(rows with a ``Consumer complaint narrative``; label = ``Product``), with a fixed
stratified split, and compares it in the same run with its TF-IDF-only view and with a
word n-gram TF-IDF + LinearSVC / LogisticRegression baseline. It also cross-validates
the bundled zh/en suggester (product × issue) on the project's own written examples.
Prints JSON.

Source: CFPB Consumer Complaint Database (US public domain), sample from
ZiyuYan9/consumer_complaints, commit 715893be. No published figure exists for this
1,532-narrative sample.

    .venv/bin/python bench/complaint_classifier.py
    .venv/bin/python bench/complaint_classifier.py --csv PATH --min-rows 20 --seed 42
    .venv/bin/python bench/complaint_classifier.py --skip-own     # CFPB only
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from wendu.helpdesk.classify import ComplaintClassifier, ComplaintSuggester, load_training_data

DEFAULT_CSV = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "datasets"
    / "cfpb-complaints"
    / "complaints_sample.csv"
)
TEXT = "Consumer complaint narrative"
LABEL = "Product"


def load(path: Path) -> tuple[list[str], list[str]]:
    """Return narratives and products of the rows that have a narrative."""
    csv.field_size_limit(sys.maxsize)  # narratives run to thousands of characters
    texts: list[str] = []
    labels: list[str] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = (row.get(TEXT) or "").strip()
            if text:
                texts.append(text)
                labels.append(row[LABEL].strip())
    return texts, labels


def evaluate(
    name: str,
    make: Callable[[], Any],
    train: tuple[Sequence[str], Sequence[str]],
    test: tuple[Sequence[str], Sequence[str]],
) -> dict[str, Any]:
    """Fit a fresh model, time it and score it on the test split."""
    model = make()
    started = time.perf_counter()
    model.fit(list(train[0]), list(train[1]))
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predicted = model.predict(list(test[0]))
    predict_seconds = time.perf_counter() - started
    return {
        "model": name,
        "accuracy": round(float(accuracy_score(test[1], predicted)), 4),
        "macro_f1": round(float(f1_score(test[1], predicted, average="macro")), 4),
        "train_seconds": round(fit_seconds, 2),
        "predict_seconds": round(predict_seconds, 2),
    }


def own_data_cv(folds: int, seed: int) -> dict[str, Any]:
    """Cross-validate the category suggester on the bundled written examples."""
    from sklearn.model_selection import StratifiedKFold

    texts, labels = load_training_data()
    out: dict[str, Any] = {"examples": len(texts), "categories": len(set(labels)), "folds": folds}
    views: tuple[tuple[str, dict[str, Any]], ...] = (
        ("TF-IDF + USE", {}),
        ("TF-IDF only", {"embedding_weight": 0.0}),
    )
    for name, params in views:
        hits = {"category": 0, "product": 0, "issue": 0}
        started = time.perf_counter()
        splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
        for train_idx, test_idx in splitter.split(texts, labels):
            model = ComplaintSuggester.train(
                [texts[i] for i in train_idx], [labels[i] for i in train_idx], **params
            )
            predicted = model.predict([texts[i] for i in test_idx])
            for i, p in zip(test_idx, predicted, strict=True):
                gold = labels[i]
                hits["category"] += p == gold
                hits["product"] += p.split(".")[0] == gold.split(".")[0]
                hits["issue"] += p.split(".")[1] == gold.split(".")[1]
        out[name] = {k: round(v / len(texts), 4) for k, v in hits.items()}
        out[name]["seconds"] = round(time.perf_counter() - started, 1)
    return out


def _word_tfidf() -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print a JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--csv", type=Path, default=Path(os.environ.get("WENDU_CFPB_CSV", DEFAULT_CSV))
    )
    parser.add_argument("--min-rows", type=int, default=20, help="drop products with fewer rows")
    parser.add_argument("--test-size", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--folds", type=int, default=4, help="folds for the own-data CV")
    parser.add_argument("--skip-own", action="store_true", help="skip the own-data CV")
    args = parser.parse_args(argv)

    report: dict[str, Any] = {}
    if not args.skip_own:
        with threadpool_limits(limits=1):
            report["own_data_cv"] = own_data_cv(args.folds, args.seed)
    if not args.csv.is_file():
        report["cfpb"] = {"skipped": f"CFPB sample not found at {args.csv}"}
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0

    texts, labels = load(args.csv)
    counts = Counter(labels)
    kept = {label for label, n in counts.items() if n >= args.min_rows}
    dropped = {label: n for label, n in sorted(counts.items()) if label not in kept}
    pairs = [(t, y) for t, y in zip(texts, labels, strict=True) if y in kept]
    X = [t for t, _ in pairs]
    y = [label for _, label in pairs]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, stratify=y, random_state=args.seed
    )
    train, test = (X_train, y_train), (X_test, y_test)

    with threadpool_limits(limits=1):
        results = [
            evaluate(
                "wendu ComplaintClassifier (TF-IDF word+char + USE)",
                ComplaintClassifier,
                train,
                test,
            ),
            evaluate(
                "wendu ComplaintClassifier, TF-IDF view only",
                lambda: ComplaintClassifier(embedding_weight=0.0),
                train,
                test,
            ),
            evaluate(
                "baseline TF-IDF word 1-2 + LinearSVC",
                lambda: make_pipeline(_word_tfidf(), LinearSVC(C=1.0, random_state=args.seed)),
                train,
                test,
            ),
            evaluate(
                "baseline TF-IDF word 1-2 + LogisticRegression",
                lambda: make_pipeline(
                    _word_tfidf(), LogisticRegression(C=10.0, max_iter=3000, random_state=args.seed)
                ),
                train,
                test,
            ),
        ]
    majority = Counter(y_test).most_common(1)[0][1] / len(y_test)
    report["cfpb"] = {
        "dataset": "CFPB Consumer Complaint Database sample (US public domain)",
        "csv": str(args.csv),
        "label": LABEL,
        "rows_with_narrative": len(texts),
        "classes": len(kept),
        "dropped_classes": dropped,
        "min_rows": args.min_rows,
        "split": {
            "train": len(X_train),
            "test": len(X_test),
            "seed": args.seed,
            "stratified": True,
        },
        "majority_class_accuracy": round(majority, 4),
        "results": results,
        "published": "none for this sample",
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
