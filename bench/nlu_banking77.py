"""Banking77 intent benchmark for the assistant's NLU, beside a TF-IDF baseline.

Trains ``IntentEnsemble`` (TF-IDF word+char, multilingual USE and MiniLM int8 views,
each a temperature-calibrated logistic regression, combined as a product of experts;
every intent's name, e.g. "card arrival", is one more training example of weight 2)
on the official Banking77 train split and scores it on the official test split, with
a word n-gram TF-IDF + logistic-regression baseline from the same run. Also: 10- and
30-shot training (mean of 3 seeds; also without the intent-name examples, whose
weight 2 was chosen on 10-shot draws scored on the rest of the train split), p50/p99
single-query ``parse`` latency on one thread (in fresh processes that load the saved
model, as a server does; median of 3 rounds), and the shipped default model (trained
only on wendu's own zh/en data) scored on the same test split. Prints JSON.

Source: Banking77 (Casanueva et al., 2020; CC BY 4.0), PolyAI-LDN/task-specific-datasets
``banking_data/``, commit 57ec275d, read from ``../shared/datasets/banking77/``.

Encoder outputs are memoised in ``/tmp/wendu_nlu_cache`` (not in the repository), so
a second run skips the encoders; fit times are reported as wall and CPU seconds.

    .venv/bin/python bench/nlu_banking77.py
    .venv/bin/python bench/nlu_banking77.py --quick          # full data only
    .venv/bin/python bench/nlu_banking77.py --data DIR --cache /tmp/x.npz --out result.json
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one thread, before numpy loads

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from wendu.assistant.nlu.encoders import EmbeddingCache, get_encoder, use_cache  # noqa: E402
from wendu.assistant.nlu.estimators import IntentEnsemble, OutOfScopeDetector  # noqa: E402
from wendu.assistant.nlu.model import NLUModel, load_default_model  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "banking77"
DEFAULT_CACHE = Path("/tmp/wendu_nlu_cache/embeddings.npz")
PUBLISHED = {
    "source": "Casanueva et al., 2020 (Banking77 paper), via ../shared/datasets/README.md",
    "bert_large_finetuned_full": 0.9366,
    "use_convert_full": 0.9336,
    "use_convert_10_shot": 0.8519,
    "larger_finetuned_encoders_full": "about 0.94",
}
MEASURED_HERE_README = {
    "source": "../shared/datasets/README.md, logistic regression on frozen features",
    "tfidf_word_char": 0.916,
    "multilingual_use": 0.917,
    "minilm_int8": 0.930,
    "probability_ensemble_of_three": 0.943,
}
GOALS = {"full_accuracy": 0.94, "ten_shot_accuracy": 0.86, "p99_ms": 15.0}


def read_split(path: Path) -> tuple[list[str], list[str]]:
    """Return texts and categories of one Banking77 CSV split."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def scores(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, float]:
    """Return accuracy and macro-F1."""
    return {
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro")), 4),
    }


def baseline() -> Any:
    """Return the TF-IDF (word 1-2 grams) + logistic regression baseline."""
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=10.0, max_iter=1000),
    )


def timed_fit(model: Any, x: Sequence[str], y: Sequence[str]) -> tuple[Any, float, float]:
    """Fit MODEL and return it with wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(list(x), list(y))
    return model, time.perf_counter() - wall, time.process_time() - cpu


def sample_k_shot(
    texts: list[str], labels: list[str], k: int, seed: int
) -> tuple[list[str], list[str]]:
    """Draw K examples per class with a seeded generator."""
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    chosen: list[int] = []
    for label in sorted(by_label):
        idx = by_label[label]
        chosen.extend(rng.choice(idx, size=min(k, len(idx)), replace=False).tolist())
    return [texts[i] for i in chosen], [labels[i] for i in chosen]


def latency(model: NLUModel, queries: Sequence[str]) -> dict[str, Any]:
    """Time single-query ``parse`` calls on one thread with the encoders uncached.

    Wall time on a machine shared with other jobs includes waiting for a core, so the
    CPU time of the process per query is reported beside it (the compute cost of a
    query, which is what a dedicated core would see), with the load average.
    """
    use_cache(None)
    with threadpool_limits(limits=1):
        for q in queries[:20]:  # warm the encoders and jieba
            model.parse(q)
        wall, cpu = [], []
        for q in queries:
            w, c = time.perf_counter(), time.process_time()
            model.parse(q)
            cpu.append((time.process_time() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
    w_arr, c_arr = np.array(wall), np.array(cpu)
    return {
        "queries": len(wall),
        "p50_ms": round(float(np.percentile(w_arr, 50)), 2),
        "p99_ms": round(float(np.percentile(w_arr, 99)), 2),
        "cpu_p50_ms": round(float(np.percentile(c_arr, 50)), 2),
        "cpu_p99_ms": round(float(np.percentile(c_arr, 99)), 2),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "cpu_cores": os.cpu_count(),
    }


def serving_latency(model: NLUModel, queries: Sequence[str], rounds: int) -> dict[str, Any]:
    """Time ``parse`` as a server runs it: in a fresh process that loads the saved model.

    The process that just trained the model holds gigabytes of training state, which is
    not what serving looks like. Each of ``rounds`` rounds parses every query once; the
    VM's CPU speed drifts between minutes, so the round with the median p99 is reported
    and every round is listed beside it.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.joblib"
        model.save(path)
        queries_file = Path(tmp) / "queries.json"
        queries_file.write_text(json.dumps(list(queries)), encoding="utf-8")
        results = []
        for _ in range(rounds):
            done = subprocess.run(
                [sys.executable, __file__, "--latency-of", str(path), str(queries_file)],
                capture_output=True,
                text=True,
                check=True,
            )
            results.append(json.loads(done.stdout))
    results.sort(key=lambda r: r["p99_ms"])
    median = dict(results[len(results) // 2])
    median["rounds_p99_ms"] = [r["p99_ms"] for r in results]
    median["rounds_p50_ms"] = [r["p50_ms"] for r in results]
    median["measured_in"] = "a fresh process per round that loads the saved model"
    return median


def encoder_seconds(texts: Sequence[str]) -> dict[str, float]:
    """Estimate one-thread encoding time of all TEXTS per encoder from a 300-text sample."""
    sample = list(texts[:300])
    out = {}
    for name in ("use", "minilm"):
        encoder = get_encoder(name, threads=1)
        start = time.process_time()
        encoder.encode(sample)
        out[name] = round((time.process_time() - start) / len(sample) * len(texts), 1)
    return out


def default_model_on_test(x_test: list[str], y_test: list[str]) -> dict[str, Any]:
    """Score the shipped model (trained on wendu's own data) on the Banking77 test split."""
    model = load_default_model()
    predicted = model.predict(x_test)
    proba = model.predict_proba(x_test)
    classes = model.intents
    b77 = sorted(set(y_test))
    cols = [classes.index(c) for c in b77]
    restricted = [b77[i] for i in proba[:, cols].argmax(axis=1)]
    return {
        "training_examples": model.metadata.get("n_examples"),
        "intents": len(classes),
        **scores(y_test, predicted),
        "accuracy_argmax_over_banking77_intents": round(
            float(accuracy_score(y_test, restricted)), 4
        ),
        "rejected_as_out_of_scope": round(
            float(np.mean([p == "out_of_scope" for p in predicted])), 4
        ),
    }


def log(message: str) -> None:
    """Report progress on stderr (stdout carries the JSON)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run every part of the benchmark and return the report."""
    x_train, y_train = read_split(args.data / "train.csv")
    x_test, y_test = read_split(args.data / "test.csv")
    cache = EmbeddingCache(args.cache)
    report: dict[str, Any] = {
        "dataset": "Banking77 (official train/test split)",
        "source": "PolyAI-LDN/task-specific-datasets banking_data, commit 57ec275d, CC BY 4.0",
        "train_examples": len(x_train),
        "test_examples": len(x_test),
        "goals": GOALS,
        "published": PUBLISHED,
        "measured_here_per_datasets_readme": MEASURED_HERE_README,
    }
    report["encoder_seconds_uncached_one_thread_estimate"] = encoder_seconds(x_train)
    use_cache(cache)
    cache.embed("use", x_train + x_test, 1)
    cache.embed("minilm", x_train + x_test, 1)
    cache.save()

    log("baseline")
    base, wall, cpu = timed_fit(baseline(), x_train, y_train)
    report["baseline_tfidf_lr"] = {
        **scores(y_test, base.predict(x_test)),
        "fit_seconds": round(wall, 1),
        "fit_cpu_seconds": round(cpu, 1),
    }
    log("ensemble on the full training split")
    ensemble, wall, cpu = timed_fit(IntentEnsemble(random_state=0), x_train, y_train)
    predicted = ensemble.predict(x_test)
    views = {
        view: scores(y_test, ensemble.classes_[lp.argmax(axis=1)].tolist())["accuracy"]
        for view, lp in zip(ensemble.views, ensemble.view_log_proba(x_test), strict=True)
    }
    report["wendu_ensemble"] = {
        **scores(y_test, predicted.tolist()),
        "per_view_accuracy": views,
        "fit_seconds_with_cached_embeddings": round(wall, 1),
        "fit_cpu_seconds": round(cpu, 1),
        "view_weights": [round(float(w), 3) for w in ensemble.weights_],
    }
    if ensemble.oof_proba_ is None:
        raise RuntimeError("the ensemble was fitted without out-of-fold calibration")
    classes = list(ensemble.classes_)
    detector = OutOfScopeDetector().fit(ensemble.oof_proba_, [classes.index(y) for y in y_train])
    nlu = NLUModel(ensemble, detector, {"n_examples": len(x_train)})
    if args.save_model:
        nlu.save(args.save_model)
    log("latency")
    report["latency_single_query_parse"] = serving_latency(
        nlu, x_test[: args.latency_queries], args.latency_rounds
    )
    use_cache(cache)

    if not args.quick:
        few: dict[str, Any] = {}
        for k in args.shots:
            runs, unnamed_runs, base_runs = [], [], []
            for seed in range(args.seeds):
                log(f"{k}-shot, seed {seed}")
                xs, ys = sample_k_shot(x_train, y_train, k, seed)
                model = IntentEnsemble(random_state=seed).fit(xs, ys)
                runs.append(scores(y_test, model.predict(x_test).tolist())["accuracy"])
                unnamed = IntentEnsemble(random_state=seed, name_weight=0.0).fit(xs, ys)
                unnamed_runs.append(scores(y_test, unnamed.predict(x_test).tolist())["accuracy"])
                base_runs.append(scores(y_test, baseline().fit(xs, ys).predict(x_test))["accuracy"])
            few[f"{k}_shot"] = {
                "wendu_ensemble_mean_accuracy": round(float(np.mean(runs)), 4),
                "wendu_ensemble_per_seed": runs,
                "without_intent_name_examples_mean_accuracy": round(
                    float(np.mean(unnamed_runs)), 4
                ),
                "without_intent_name_examples_per_seed": unnamed_runs,
                "baseline_tfidf_lr_mean_accuracy": round(float(np.mean(base_runs)), 4),
                "baseline_per_seed": base_runs,
            }
        report["few_shot"] = few
    cache.save()
    if not args.skip_default:
        use_cache(None)
        log("shipped default model")
        report["shipped_default_model_on_test"] = default_model_on_test(x_test, y_test)

    lat = report["latency_single_query_parse"]
    met = {
        "full_accuracy": report["wendu_ensemble"]["accuracy"] >= GOALS["full_accuracy"],
        "p99_ms_wall": lat["p99_ms"] <= GOALS["p99_ms"],
        "p99_ms_cpu": lat["cpu_p99_ms"] <= GOALS["p99_ms"],
    }
    if "few_shot" in report and "10_shot" in report["few_shot"]:
        ten = report["few_shot"]["10_shot"]["wendu_ensemble_mean_accuracy"]
        met["ten_shot_accuracy"] = ten >= GOALS["ten_shot_accuracy"]
    report["goals_met"] = met
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="banking77 folder")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embedding cache")
    parser.add_argument("--shots", type=int, nargs="+", default=[10, 30])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--latency-queries", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="skip the few-shot runs")
    parser.add_argument("--skip-default", action="store_true", help="skip the shipped model")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--save-model", type=Path, help="keep the full-data model here")
    parser.add_argument("--latency-rounds", type=int, default=3)
    parser.add_argument(
        "--latency-of", nargs=2, metavar=("MODEL", "QUERIES"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.latency_of:  # one round of serving_latency, in its own process
        model = NLUModel.load(Path(args.latency_of[0]))
        queries = json.loads(Path(args.latency_of[1]).read_text(encoding="utf-8"))
        print(json.dumps(latency(model, queries)))
        return 0
    if not (args.data / "train.csv").is_file():
        print(json.dumps({"skipped": f"Banking77 not found at {args.data}"}))
        return 0
    report = run(args)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
