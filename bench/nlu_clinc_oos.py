"""CLINC150 out-of-scope benchmark: in-scope accuracy and OOS recall/precision.

Trains the assistant's ``IntentEnsemble`` on CLINC150's 150 in-scope intents plus its
``oos_train`` queries as one extra ``out_of_scope`` class, then calibrates the
``OutOfScopeDetector`` (confidence threshold and top-2 margin, plus the out-of-scope
class) on the validation split (``val`` + ``oos_val``) and reports on the test split
(``test`` + ``oos_test``). A rejected in-scope query counts as wrong. A TF-IDF +
logistic-regression baseline, with a confidence-only threshold chosen the same way,
runs beside it. Prints JSON.

Source: CLINC150 (Larson et al., 2019; CC BY 3.0), clinc/oos-eval ``data/data_full.json``,
commit 828f8093, read from ``../shared/datasets/clinc150/``.

    .venv/bin/python bench/nlu_clinc_oos.py
    .venv/bin/python bench/nlu_clinc_oos.py --max-in-scope-loss 0.03 --out result.json
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one thread, before numpy loads

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from wendu.assistant.nlu.encoders import EmbeddingCache, use_cache  # noqa: E402
from wendu.assistant.nlu.estimators import IntentEnsemble, OutOfScopeDetector  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "clinc150"
DEFAULT_CACHE = Path("/tmp/wendu_nlu_cache/embeddings.npz")
OOS = "out_of_scope"
PUBLISHED = {
    "source": "Larson et al., 2019 (CLINC150 paper), via ../shared/datasets/README.md",
    "bert_in_scope_accuracy": "about 0.96",
    "oos_recall_range": "0.40-0.66 depending on the method",
}
GOALS = {"oos_recall": 0.60, "in_scope_accuracy": 0.92}


def load(path: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Return each split of data_full.json as (texts, labels), OOS labelled out_of_scope."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    out = {}
    for split in ("train", "val", "test"):
        texts = [t for t, _ in raw[split]] + [t for t, _ in raw[f"oos_{split}"]]
        labels = [i for _, i in raw[split]] + [OOS] * len(raw[f"oos_{split}"])
        out[split] = (texts, labels)
    return out


def index_labels(classes: Sequence[str], labels: Sequence[str]) -> list[int]:
    """Map labels to class columns, out-of-scope to -1."""
    lookup = {c: i for i, c in enumerate(classes)}
    return [-1 if label == OOS else lookup[label] for label in labels]


def oos_report(
    proba: np.ndarray, classes: Sequence[str], labels: Sequence[str], reject: np.ndarray
) -> dict[str, float]:
    """Return in-scope accuracy, OOS recall/precision and accuracy without rejection."""
    y = np.asarray(labels)
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    final = np.where(reject, OOS, predicted)
    in_scope = y != OOS
    oos = ~in_scope
    flagged = final == OOS
    return {
        "in_scope_accuracy": round(float((final[in_scope] == y[in_scope]).mean()), 4),
        "in_scope_accuracy_without_rejection": round(
            float((predicted[in_scope] == y[in_scope]).mean()), 4
        ),
        "oos_recall": round(float(flagged[oos].mean()), 4),
        "oos_precision": round(float(oos[flagged].mean()) if flagged.any() else 0.0, 4),
        "in_scope_rejected": round(float(flagged[in_scope].mean()), 4),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Train, calibrate on validation, score on test; return the report."""
    splits = load(args.data / "data_full.json")
    x_train, y_train = splits["train"]
    x_val, y_val = splits["val"]
    x_test, y_test = splits["test"]
    cache = EmbeddingCache(args.cache)
    use_cache(cache)
    report: dict[str, Any] = {
        "dataset": "CLINC150 data_full (150 intents + out-of-scope)",
        "source": "clinc/oos-eval data/data_full.json, commit 828f8093, CC BY 3.0",
        "sizes": {k: len(v[0]) for k, v in splits.items()},
        "goals": GOALS,
        "published": PUBLISHED,
        "max_in_scope_loss_on_validation": args.max_in_scope_loss,
    }

    wall, cpu = time.perf_counter(), time.process_time()
    ensemble = IntentEnsemble(random_state=0).fit(x_train, y_train)
    fit = {"fit_seconds": round(time.perf_counter() - wall, 1)}
    fit["fit_cpu_seconds"] = round(time.process_time() - cpu, 1)
    cache.save()
    classes = [str(c) for c in ensemble.classes_]
    oos_col = classes.index(OOS)
    val_proba = ensemble.predict_proba(x_val)
    detector = OutOfScopeDetector(max_in_scope_loss=args.max_in_scope_loss, oos_column=oos_col)
    detector.fit(val_proba, index_labels(classes, y_val))
    confidence_only = OutOfScopeDetector(
        max_in_scope_loss=args.max_in_scope_loss, oos_column=oos_col, use_margin=False
    ).fit(val_proba, index_labels(classes, y_val))
    test_proba = ensemble.predict_proba(x_test)
    report["wendu_ensemble"] = {
        **oos_report(test_proba, classes, y_test, detector.predict(test_proba)),
        "threshold": detector.threshold_,
        "margin": detector.margin_,
        "validation": oos_report(val_proba, classes, y_val, detector.predict(val_proba)),
        "ablation_class_only_no_threshold": oos_report(
            test_proba, classes, y_test, test_proba.argmax(axis=1) == oos_col
        ),
        "ablation_confidence_only": oos_report(
            test_proba, classes, y_test, confidence_only.predict(test_proba)
        ),
        **fit,
    }
    cache.save()

    base = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=10.0, max_iter=1000),
    ).fit(x_train, y_train)
    base_classes = [str(c) for c in base.classes_]
    base_col = base_classes.index(OOS)
    # The baseline rejects on confidence alone, chosen on validation the same way.
    bv, bt = base.predict_proba(x_val), base.predict_proba(x_test)
    base_detector = OutOfScopeDetector(
        max_in_scope_loss=args.max_in_scope_loss, oos_column=base_col, use_margin=False
    ).fit(bv, index_labels(base_classes, y_val))
    report["baseline_tfidf_lr"] = {
        **oos_report(bt, base_classes, y_test, base_detector.predict(bt)),
        "threshold": base_detector.threshold_,
        "rule": "confidence threshold only",
    }
    report["goals_met"] = {
        "oos_recall": report["wendu_ensemble"]["oos_recall"] >= GOALS["oos_recall"],
        "in_scope_accuracy": report["wendu_ensemble"]["in_scope_accuracy"]
        >= GOALS["in_scope_accuracy"],
    }
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="clinc150 folder")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embedding cache")
    parser.add_argument(
        "--max-in-scope-loss",
        type=float,
        default=0.03,
        help="in-scope accuracy the detector may give up on validation",
    )
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    if not (args.data / "data_full.json").is_file():
        print(json.dumps({"skipped": f"CLINC150 not found at {args.data}"}))
        return 0
    report = run(args)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
