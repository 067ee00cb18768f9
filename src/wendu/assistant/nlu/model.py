"""The NLU model: intent ensemble + out-of-scope detector + entities + language."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn

from wendu.assistant.nlu.data import (
    OUT_OF_SCOPE,
    TrainingData,
    default_data_dir,
    load_training_data,
)
from wendu.assistant.nlu.encoders import model_cache_dir
from wendu.assistant.nlu.entities import Entity, extract_entities
from wendu.assistant.nlu.estimators import VIEWS, IntentEnsemble, OutOfScopeDetector
from wendu.assistant.nlu.script import to_mandarin
from wendu.assistant.nlu.text import Language, Script, detect_language, detect_script

#: Bump when the saved layout or the training recipe changes (invalidates caches).
FORMAT_VERSION = 1
RANKING_SIZE = 10


@dataclass
class ParseResult:
    """What the NLU understood of one message."""

    text: str
    intent: str
    confidence: float
    ranking: list[tuple[str, float]]
    entities: list[Entity] = field(default_factory=list)
    language: Language = "en"
    # What the classifier and the entity extractors read: ``text`` as simplified Mandarin
    # (Traditional characters and Cantonese/Taiwan words converted); English unchanged.
    normalized: str = ""
    script: Script = ""  # "Hans", "Hant-HK", "Hant-TW" or "" (English, or no telling character)

    @property
    def out_of_scope(self) -> bool:
        """Tell whether the message was rejected as out of scope."""
        return self.intent == OUT_OF_SCOPE

    def as_dict(self) -> dict[str, Any]:
        """Return Rasa-style JSON: text, intent, intent_ranking, entities, language, plus the
        script and the normalised text the classifier read."""
        return {
            "text": self.text,
            "intent": {"name": self.intent, "confidence": round(self.confidence, 4)},
            "intent_ranking": [
                {"name": name, "confidence": round(conf, 4)} for name, conf in self.ranking
            ],
            "entities": [e.as_dict() for e in self.entities],
            "language": self.language,
            "script": self.script,
            "normalized": self.normalized,
        }


class NLUModel:
    """A trained intent classifier with its out-of-scope rule and entity extractors."""

    def __init__(
        self,
        classifier: IntentEnsemble,
        detector: OutOfScopeDetector,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.classifier = classifier
        self.detector = detector
        self.metadata = dict(metadata or {})

    @property
    def intents(self) -> list[str]:
        """Return the intents the classifier knows."""
        return [str(c) for c in self.classifier.classes_]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return calibrated intent probabilities for texts (columns: ``intents``).

        Chinese is read as simplified Mandarin (``script.to_mandarin``), as in training.
        """
        return self.classifier.predict_proba([to_mandarin(t) for t in texts])

    def classify(self, texts: Sequence[str]) -> list[tuple[str, float, list[tuple[str, float]]]]:
        """Return (intent, confidence, ranking) per text, out_of_scope when rejected."""
        if not texts:
            return []
        proba = self.predict_proba(texts)
        reject = self.detector.predict(proba)
        classes = self.classifier.classes_
        oos_col = self.detector.oos_column
        out = []
        for row, rejected in zip(proba, reject, strict=True):
            order = np.argsort(-row)[:RANKING_SIZE]
            ranking = [(str(classes[i]), float(row[i])) for i in order]
            if rejected:
                p1 = float(row[order[0]])
                oos_p = float(row[oos_col]) if oos_col is not None else 0.0
                confidence = max(oos_p, 1.0 - p1) if order[0] != oos_col else p1
                others = [r for r in ranking if r[0] != OUT_OF_SCOPE]
                ranking = [(OUT_OF_SCOPE, confidence), *others]
                out.append((OUT_OF_SCOPE, confidence, ranking[:RANKING_SIZE]))
            else:
                out.append((ranking[0][0], ranking[0][1], ranking))
        return out

    def predict(self, texts: Sequence[str]) -> list[str]:
        """Return the intent of each text (out_of_scope when rejected)."""
        return [intent for intent, _, _ in self.classify(texts)]

    def parse(
        self,
        text: str,
        *,
        merchants: Sequence[str] = (),
        now: date | datetime | None = None,
    ) -> ParseResult:
        """Understand one message: intent, ranking, entities and language."""
        return self.parse_many([text], merchants=merchants, now=now)[0]

    def parse_many(
        self,
        texts: Sequence[str],
        *,
        merchants: Sequence[str] = (),
        now: date | datetime | None = None,
    ) -> list[ParseResult]:
        """Understand several messages in one batch."""
        results = []
        mandarin = [to_mandarin(t) for t in texts]
        for text, plain, (intent, conf, ranking) in zip(
            texts, mandarin, self.classify(mandarin), strict=True
        ):
            results.append(
                ParseResult(
                    text=text,
                    intent=intent,
                    confidence=conf,
                    ranking=ranking,
                    entities=extract_entities(plain, merchants=merchants, now=now),
                    language=detect_language(text),
                    normalized=plain,
                    script=detect_script(text),
                )
            )
        return results

    def save(self, path: Path | str) -> Path:
        """Write the model to PATH (joblib) atomically and return the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": FORMAT_VERSION,
            "classifier": self.classifier,
            "detector": self.detector,
            "metadata": self.metadata,
        }
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        os.close(fd)
        joblib.dump(payload, tmp, compress=3)
        Path(tmp).replace(target)
        return target

    @classmethod
    def load(cls, path: Path | str) -> NLUModel:
        """Read a model written by ``save`` (a trusted file: joblib unpickles it)."""
        payload = joblib.load(Path(path))
        if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path} is not a wendu NLU model of format {FORMAT_VERSION}")
        return cls(payload["classifier"], payload["detector"], payload.get("metadata"))


def train_model(
    data: TrainingData,
    *,
    views: Sequence[str] = VIEWS,
    C: Sequence[float] | None = None,
    cv: int = 3,
    max_in_scope_loss: float = 0.03,
    threads: int = 1,
    random_state: int = 0,
) -> NLUModel:
    """Train an NLU model on labelled utterances (``out_of_scope`` examples welcome)."""
    if len(data) == 0:
        raise ValueError("no training examples")
    default_c = dict(zip(VIEWS, IntentEnsemble().C, strict=True))
    ensemble = IntentEnsemble(
        views=tuple(views),
        C=tuple(C) if C is not None else tuple(default_c[v] for v in views),
        cv=cv,
        threads=threads,
        random_state=random_state,
    ).fit([to_mandarin(t) for t in data.texts], data.labels)
    classes = list(ensemble.classes_)
    oos_column = classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in classes else None
    y_index = np.array(
        [-1 if label == OUT_OF_SCOPE else classes.index(label) for label in data.labels]
    )
    proba = (
        ensemble.oof_proba_
        if ensemble.oof_proba_ is not None
        else ensemble.predict_proba([to_mandarin(t) for t in data.texts])
    )
    detector = OutOfScopeDetector(max_in_scope_loss=max_in_scope_loss, oos_column=oos_column)
    detector.fit(proba, y_index.tolist())
    ensemble.oof_proba_ = None  # only needed for calibration; keeps the saved file small
    metadata = {
        "format": FORMAT_VERSION,
        "views": list(views),
        "n_examples": len(data),
        "n_intents": len(classes),
        "threshold": detector.threshold_,
        "margin": detector.margin_,
        "oof_in_scope_accuracy": detector.in_scope_accuracy_,
        "random_state": random_state,
        "trained_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    return NLUModel(ensemble, detector, metadata)


def data_fingerprint(data_dir: Path, views: Sequence[str] = VIEWS) -> str:
    """Hash the training files, the training code and the library versions."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT_VERSION}|{','.join(views)}|sklearn {sklearn.__version__}".encode())
    here = Path(__file__).parent
    for module in ("estimators.py", "model.py", "../../kit/encoders.py", "text.py", "script.py"):
        digest.update((here / module).read_bytes())
    for file in sorted(p for p in data_dir.rglob("*") if p.suffix in {".yml", ".yaml"}):
        digest.update(file.relative_to(data_dir).as_posix().encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def cached_model_path(data_dir: Path, cache_dir: Path | None = None) -> Path:
    """Return where the model trained on DATA_DIR is cached."""
    return (cache_dir or model_cache_dir()) / data_fingerprint(data_dir) / "model.joblib"


def default_model_path() -> Path:
    """Return the cache path of the default model for the shipped data."""
    return cached_model_path(default_data_dir())


def load_or_train(data_dir: Path, cache_dir: Path | None = None) -> NLUModel:
    """Load the cached model for DATA_DIR, training and caching it when missing or stale."""
    path = cached_model_path(data_dir, cache_dir)
    if path.is_file():
        try:
            return NLUModel.load(path)
        except (ValueError, EOFError, OSError):
            pass  # unreadable or from another format: train afresh
    model = train_model(load_training_data(data_dir))
    model.metadata["data_fingerprint"] = path.parent.name
    model.save(path)
    return model


_DEFAULT_LOCK = threading.Lock()
_DEFAULT: dict[Path, NLUModel] = {}


def load_default_model() -> NLUModel:
    """Return the default model, trained from the shipped data on first use and cached.

    Training is deterministic (fixed ``random_state``); the file lives under
    ``default_model_path()`` (``WENDU_MODEL_DIR`` or ``~/.cache/wendu/nlu``), keyed by
    a hash of the data, the training code and scikit-learn's version, so an edit to
    any of them retrains on next use. Loaded models are kept per process.
    """
    path = default_model_path()
    with _DEFAULT_LOCK:
        if path not in _DEFAULT:
            _DEFAULT[path] = load_or_train(default_data_dir())
        return _DEFAULT[path]
