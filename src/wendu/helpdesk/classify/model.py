"""Complaint text classifier: TF-IDF words + characters, optionally USE embeddings.

Follows the scikit-learn estimator contract (``fit`` returns self, learned state ends in
``_``, randomness only through ``random_state``), so it clones, pickles and plugs into
scikit-learn model selection. Tokenisers are module-level functions for the same reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from wendu.helpdesk.classify.text import char_text, normalise, tokenize


def _texts(X: Any) -> list[str]:
    if isinstance(X, str):
        raise TypeError("expected a sequence of texts, got a single string")
    return [normalise(str(x)) for x in X]


def _embed(texts: Sequence[str]) -> np.ndarray:
    # The process-wide encoder singletons are shared with the NLU; USE loads once.
    from wendu.kit.encoders import embed

    return embed("use", list(texts))


class ComplaintClassifier(ClassifierMixin, BaseEstimator):
    """Predict a label (product, issue or category) from complaint text in Chinese or English.

    Two logistic regressions, one on TF-IDF word (jieba) and character n-grams and one on
    multilingual USE sentence embeddings, average their probabilities with
    ``embedding_weight`` on the embedding view (0 disables it and never loads USE).
    """

    def __init__(
        self,
        C: float = 10.0,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (1, 4),
        embedding_weight: float = 0.6,
        embedding_C: float = 10.0,
        class_weight: str | None = "balanced",
        max_iter: int = 3000,
        random_state: int | None = 0,
    ) -> None:
        self.C = C
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.embedding_weight = embedding_weight
        self.embedding_C = embedding_C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def _lr(self, C: float) -> LogisticRegression:
        return LogisticRegression(
            C=C,
            class_weight=self.class_weight,
            max_iter=self.max_iter,
            random_state=self.random_state,
        )

    def _features(self) -> FeatureUnion:
        word = TfidfVectorizer(
            tokenizer=tokenize,
            token_pattern=None,
            lowercase=False,
            ngram_range=self.word_ngram_range,
            sublinear_tf=True,
        )
        char = TfidfVectorizer(
            analyzer="char_wb",
            preprocessor=char_text,
            ngram_range=self.char_ngram_range,
            sublinear_tf=True,
        )
        return FeatureUnion([("word", word), ("char", char)])

    def fit(self, X: Sequence[str], y: Sequence[Any]) -> ComplaintClassifier:
        """Fit on texts and their labels."""
        # Small sparse problems gain nothing from BLAS threads, and on a shared CPU the
        # threads contend badly (a 1 s fit took 10 s under load).
        with threadpool_limits(limits=1):
            return self._fit(X, y)

    def _fit(self, X: Sequence[str], y: Sequence[Any]) -> ComplaintClassifier:
        if not 0.0 <= self.embedding_weight <= 1.0:
            raise ValueError("embedding_weight must be between 0 and 1")
        texts = _texts(X)
        labels = np.asarray(list(y))
        if len(texts) != len(labels):
            raise ValueError("X and y have different lengths")
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError("need at least two classes")
        self.features_ = self._features().fit(texts)
        self.tfidf_model_ = self._lr(self.C).fit(self.features_.transform(texts), labels)
        self.embedding_model_: LogisticRegression | None = None
        if self.embedding_weight > 0:
            self.embedding_model_ = self._lr(self.embedding_C).fit(_embed(texts), labels)
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Return class probabilities, columns in ``classes_`` order."""
        check_is_fitted(self, "tfidf_model_")
        with threadpool_limits(limits=1):
            return self._predict_proba(_texts(X))

    def _predict_proba(self, texts: list[str]) -> np.ndarray:
        proba = self.tfidf_model_.predict_proba(self.features_.transform(texts))
        if self.embedding_model_ is not None:
            emb = self.embedding_model_.predict_proba(_embed(texts))
            proba = (1 - self.embedding_weight) * proba + self.embedding_weight * emb
        return np.asarray(proba)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Return the most probable label per text."""
        proba = self.predict_proba(X)  # raises NotFittedError before classes_ is touched
        return np.asarray(self.classes_[np.argmax(proba, axis=1)])
