"""The shipped sentiment model: polarity, tone and calibrated anger over shared features.

One ``SentimentFeatures`` (character n-grams + USE embeddings) feeds three calibrated
heads trained on the team's own sentences (``wendu.sentiment.data``):

- polarity: positive / neutral / negative → ``score = P(positive) - P(negative)``;
- anger: angry vs. everything else (calm complaints, worry, questions, praise) →
  ``anger = P(angry)``, the number the hand-off rule reads;
- tone: the five tones, for the emotion label (anxious, happy).

Training is deterministic and takes a few CPU seconds (USE embeds about a thousand
sentences); the model is cached by a hash of the data, the code and scikit-learn's version,
like the NLU model.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import joblib
import numpy as np
import sklearn

from wendu.kit.encoders import limit_threads, model_cache_dir
from wendu.sentiment.data import LabelledSentences, default_data_dir, load_training
from wendu.sentiment.estimators import CalibratedLinearClassifier, SentimentFeatures

#: Bump when the saved layout or the training recipe changes (invalidates caches).
FORMAT_VERSION = 1
Emotion = Literal["angry", "anxious", "neutral", "happy"]
Label = Literal["positive", "negative", "neutral"]
#: P(angry) from which a message is labelled angry.
ANGRY_AT = 0.5


@dataclass(frozen=True)
class Sentiment:
    """A message's polarity in [-1, 1], its emotion and its calibrated anger P(angry)."""

    score: float
    emotion: Emotion
    anger: float  # 0..1, the calibrated probability that the message is angry
    label: Label = "neutral"

    def as_dict(self) -> dict[str, float | str]:
        """Return a JSON-ready dict."""
        return {
            "score": self.score,
            "label": self.label,
            "emotion": self.emotion,
            "anger": self.anger,
        }


NEUTRAL = Sentiment(0.0, "neutral", 0.0, "neutral")


class SentimentModel:
    """Fitted features and heads; ``analyse_many`` embeds each text once for all heads."""

    def __init__(
        self,
        features: SentimentFeatures,
        polarity: CalibratedLinearClassifier,
        anger: CalibratedLinearClassifier,
        tone: CalibratedLinearClassifier,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.features = features
        self.polarity = polarity
        self.anger = anger
        self.tone = tone
        self.metadata = dict(metadata or {})

    def probabilities(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Return each head's calibrated probabilities for TEXTS.

        Keys: ``polarity`` (columns positive/neutral/negative in ``polarity.classes_``
        order), ``anger`` (P(angry) per text) and ``tone`` (``tone.classes_`` order).
        """
        with limit_threads(1):
            X = self.features.transform(list(texts))
            angry_col = list(self.anger.classes_).index("angry")
            return {
                "polarity": self.polarity.predict_proba(X),
                "anger": self.anger.predict_proba(X)[:, angry_col],
                "tone": self.tone.predict_proba(X),
            }

    def analyse_many(self, texts: Sequence[str]) -> list[Sentiment]:
        """Score each text; empty texts are neutral."""
        present = [i for i, t in enumerate(texts) if t.strip()]
        out = [NEUTRAL] * len(texts)
        if not present:
            return out
        proba = self.probabilities([texts[i].strip() for i in present])
        pol = list(self.polarity.classes_)
        tones = list(self.tone.classes_)
        for row, i in enumerate(present):
            p = proba["polarity"][row]
            score = float(p[pol.index("positive")] - p[pol.index("negative")])
            label = str(pol[int(np.argmax(p))])
            anger = float(proba["anger"][row])
            tone = tones[int(np.argmax(proba["tone"][row]))]
            emotion: Emotion
            if anger >= ANGRY_AT:
                emotion = "angry"
            elif tone == "anxious":
                emotion = "anxious"
            elif tone == "positive" and label == "positive":
                emotion = "happy"
            else:
                emotion = "neutral"
            out[i] = Sentiment(round(score, 3) + 0.0, emotion, round(anger, 3), label)  # type: ignore[arg-type]
        return out

    def analyse(self, text: str) -> Sentiment:
        """Score one text."""
        return self.analyse_many([text])[0]

    def save(self, path: Path | str) -> Path:
        """Write the model to PATH (joblib) atomically and return the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": FORMAT_VERSION,
            "features": self.features,
            "polarity": self.polarity,
            "anger": self.anger,
            "tone": self.tone,
            "metadata": self.metadata,
        }
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        os.close(fd)
        joblib.dump(payload, tmp, compress=3)
        Path(tmp).replace(target)
        return target

    @classmethod
    def load(cls, path: Path | str) -> SentimentModel:
        """Read a model written by ``save`` (a trusted file: joblib unpickles it)."""
        payload = joblib.load(Path(path))
        if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path} is not a wendu sentiment model of format {FORMAT_VERSION}")
        return cls(
            payload["features"],
            payload["polarity"],
            payload["anger"],
            payload["tone"],
            payload.get("metadata"),
        )


def train_model(data: LabelledSentences, *, random_state: int = 0) -> SentimentModel:
    """Fit the features and the three calibrated heads on DATA."""
    if len(data) == 0:
        raise ValueError("no training sentences")
    with limit_threads(1):
        features = SentimentFeatures().fit(data.texts)
        X = features.transform(data.texts)

        def head(labels: Sequence[str]) -> CalibratedLinearClassifier:
            return CalibratedLinearClassifier(random_state=random_state).fit(X, list(labels))

        polarity = head(data.polarities)
        anger = head(["angry" if t == "angry" else "other" for t in data.tones])
        tone = head(data.tones)
    metadata = {
        "format": FORMAT_VERSION,
        "n_sentences": len(data),
        "temperatures": {
            "polarity": polarity.temperature_,
            "anger": anger.temperature_,
            "tone": tone.temperature_,
        },
        "random_state": random_state,
        "trained_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    return SentimentModel(features, polarity, anger, tone, metadata)


def data_fingerprint(data_dir: Path) -> str:
    """Hash the training sentences, the training code and the library versions."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT_VERSION}|sklearn {sklearn.__version__}".encode())
    here = Path(__file__).parent
    for module in ("estimators.py", "model.py", "text.py", "data.py", "../kit/encoders.py"):
        digest.update((here / module).read_bytes())
    train = data_dir / "train"
    for file in sorted(train.rglob("*.txt")):
        digest.update(file.relative_to(train).as_posix().encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def cached_model_path(data_dir: Path, cache_dir: Path | None = None) -> Path:
    """Return where the model trained on DATA_DIR is cached."""
    root = cache_dir or model_cache_dir()
    return root / "sentiment" / data_fingerprint(data_dir) / "model.joblib"


def load_or_train(data_dir: Path, cache_dir: Path | None = None) -> SentimentModel:
    """Load the cached model for DATA_DIR, training and caching it when missing or stale."""
    path = cached_model_path(data_dir, cache_dir)
    if path.is_file():
        try:
            return SentimentModel.load(path)
        except (ValueError, EOFError, OSError):
            pass  # unreadable or from another format: train afresh
    model = train_model(load_training(data_dir))
    model.metadata["data_fingerprint"] = path.parent.name
    model.save(path)
    return model


_DEFAULT_LOCK = threading.Lock()
_DEFAULT: dict[Path, SentimentModel] = {}


def load_default_model() -> SentimentModel:
    """Return the shipped model, trained from the team's sentences on first use and cached.

    The file lives under ``WENDU_MODEL_DIR`` (or ``~/.cache/wendu/nlu``)``/sentiment/``,
    keyed by a hash of the data, the code and scikit-learn's version; loaded models are
    kept per process.
    """
    path = cached_model_path(default_data_dir())
    with _DEFAULT_LOCK:
        if path not in _DEFAULT:
            _DEFAULT[path] = load_or_train(default_data_dir())
        return _DEFAULT[path]
