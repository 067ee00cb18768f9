"""Intent estimators following the scikit-learn contract.

``fit`` returns self, learned state ends in ``_``, randomness comes only from
``random_state``, and every estimator clones and pickles (no lambdas: the tokenisers
are module-level functions).

The classifier is an ensemble of linear views over the same text: TF-IDF word and
character n-grams, multilingual USE embeddings and MiniLM embeddings. Each view is a
logistic regression whose probabilities are calibrated by temperature scaling on
out-of-fold logits; the views are combined as a weighted product of experts (sum of
log-probabilities) and the combination gets its own temperature, fitted on the same
out-of-fold predictions, so ``predict_proba`` is calibrated end to end.

Every intent's name is also a training example ("card_arrival" teaches "card arrival"),
with a weight of its own: training files always carry the names, and with ten examples
an intent they are worth a point of accuracy (see ``bench/nlu_banking77.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize, minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from wendu.assistant.nlu.data import OUT_OF_SCOPE
from wendu.assistant.nlu.encoders import ENCODERS, VIEWS, embed, limit_threads
from wendu.assistant.nlu.text import normalize, segment

__all__ = [
    "VIEWS",
    "CalibratedLogisticRegression",
    "EmbeddingFeatures",
    "IntentEnsemble",
    "OutOfScopeDetector",
    "TfidfFeatures",
]


def _texts(X: Any) -> list[str]:
    if isinstance(X, str):
        raise TypeError("expected a sequence of texts, got a single string")
    return [normalize(str(x)) for x in X]


def char_analyzer_input(text: str) -> str:
    """Lower-case a text for character n-grams."""
    return text.lower()


class TfidfFeatures(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):  # type: ignore[call-arg]
    """TF-IDF over jieba/regex words and character n-grams, stacked side by side."""

    def __init__(
        self,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (1, 4),
        min_df: int = 1,
        sublinear_tf: bool = True,
    ) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf

    def fit(self, X: Sequence[str], y: Any = None) -> TfidfFeatures:
        """Learn the vocabularies and IDF weights."""
        texts = _texts(X)
        self.word_vectorizer_ = TfidfVectorizer(
            tokenizer=segment,
            token_pattern=None,
            lowercase=False,
            ngram_range=self.word_ngram_range,
            min_df=self.min_df,
            sublinear_tf=self.sublinear_tf,
            dtype=np.float32,
        ).fit(texts)
        self.char_vectorizer_ = TfidfVectorizer(
            analyzer="char_wb",
            preprocessor=char_analyzer_input,
            ngram_range=self.char_ngram_range,
            min_df=self.min_df,
            sublinear_tf=self.sublinear_tf,
            dtype=np.float32,
        ).fit(texts)
        self.n_features_out_ = len(self.word_vectorizer_.vocabulary_) + len(
            self.char_vectorizer_.vocabulary_
        )
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        """Return word and character TF-IDF blocks side by side (each row L2-normalised)."""
        check_is_fitted(self, "word_vectorizer_")
        texts = _texts(X)
        if len(texts) <= _FAST_ROWS:
            return _tfidf_block(self.word_vectorizer_, self.char_vectorizer_, texts)
        blocks = [self.word_vectorizer_.transform(texts), self.char_vectorizer_.transform(texts)]
        return sp.csr_matrix(sp.hstack(blocks, format="csr"))


_FAST_ROWS = 8  # a chat message or a few: sklearn's input checks cost more than the maths


def _tfidf_block(word: TfidfVectorizer, char: TfidfVectorizer, texts: list[str]) -> sp.csr_matrix:
    """Compute ``hstack([word.transform(texts), char.transform(texts)])`` directly.

    The one-message hot path: same values as scikit-learn (counts of in-vocabulary
    terms, sublinear tf, idf, each block's rows L2-normalised; ``test_nlu_model`` checks
    it) without the per-call validation and sparse stacking that make up most of the time
    of a single short text.
    """
    offset = len(word.idf_)
    indptr, indices, values = [0], [], []
    for text in texts:
        for vectorizer, start in ((word, 0), (char, offset)):
            columns, row = _tfidf_row(vectorizer, text)
            indices.append(columns + start)
            values.append(row)
        indptr.append(indptr[-1] + len(indices[-1]) + len(indices[-2]))
    shape = (len(texts), offset + len(char.idf_))
    return sp.csr_matrix(
        (np.concatenate(values).astype(np.float32), np.concatenate(indices), indptr), shape=shape
    )


def _tfidf_row(vectorizer: TfidfVectorizer, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (columns, L2-normalised TF-IDF values) of one text."""
    vocabulary = vectorizer.vocabulary_
    counts: dict[int, int] = {}
    for term in vectorizer.build_analyzer()(text):
        column = vocabulary.get(term)
        if column is not None:
            counts[column] = counts.get(column, 0) + 1
    columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
    tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    if vectorizer.sublinear_tf:
        tf = np.log(tf) + 1.0
    row = tf * vectorizer.idf_[columns]
    norm = float(np.sqrt(row @ row))
    return columns, (row / norm if norm > 0 else row)


class EmbeddingFeatures(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):  # type: ignore[call-arg]
    """Frozen sentence-encoder features ("use" or "minilm"); holds no weights itself."""

    def __init__(self, encoder: str = "use", threads: int = 1) -> None:
        self.encoder = encoder
        self.threads = threads

    def fit(self, X: Sequence[str], y: Any = None) -> EmbeddingFeatures:
        """Check the encoder name and record the output width."""
        if self.encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {self.encoder!r}")
        self.n_features_out_ = ENCODERS[self.encoder].dim
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        """Embed the texts."""
        check_is_fitted(self, "n_features_out_")
        return embed(self.encoder, _texts(X), threads=self.threads)


def fit_temperature(logits: np.ndarray, y_index: np.ndarray) -> float:
    """Return the temperature minimising the negative log-likelihood of y_index."""
    rows = np.arange(len(y_index))

    def nll(log_t: float) -> float:
        return float(-log_softmax(logits / np.exp(log_t), axis=1)[rows, y_index].mean())

    res = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(res.x))


class CalibratedLogisticRegression(ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression with temperature scaling from out-of-fold logits.

    With ``cv`` folds (0 or 1 disables calibration), ``oof_logits_`` keeps the
    out-of-fold decision values so an ensemble can calibrate its combination.
    """

    def __init__(
        self,
        C: float = 10.0,
        cv: int = 3,
        max_iter: int = 1000,
        tol: float = 1e-4,
        class_weight: str | None = None,
        random_state: int | None = None,
    ) -> None:
        self.C = C
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol
        self.class_weight = class_weight
        self.random_state = random_state

    def _lr(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C,
            max_iter=self.max_iter,
            tol=self.tol,
            class_weight=self.class_weight,
            random_state=self.random_state,
        )

    def fit(self, X: Any, y: Any) -> CalibratedLogisticRegression:
        """Fit the regression, then its temperature on out-of-fold logits."""
        return self.fit_weighted(X, y)

    def fit_weighted(
        self,
        X: Any,
        y: Any,
        sample_weight: np.ndarray | None = None,
        calibration_rows: int | None = None,
    ) -> CalibratedLogisticRegression:
        """Fit with per-row weights, calibrating on the first ``calibration_rows`` rows.

        The rows after ``calibration_rows`` (all rows count when None) are trained on
        but are not real queries, so the temperature ignores them. Kept apart from
        ``fit``: weighting is not the same as repeating rows once the temperature comes
        from out-of-fold logits, which scikit-learn's ``sample_weight`` contract asks.
        """
        X, y_arr = validate_data(self, X, y, accept_sparse="csr")
        weight = np.ones(len(y_arr)) if sample_weight is None else np.asarray(sample_weight, float)
        if weight.shape != (len(y_arr),):
            raise ValueError("sample_weight must have one value per row")
        check_classification_targets(y_arr)
        self.classes_ = unique_labels(y_arr)
        if len(self.classes_) < 2:
            raise ValueError(f"need at least two classes; got 1 class: {self.classes_}")
        y_index = np.searchsorted(self.classes_, y_arr)
        self.oof_logits_: np.ndarray | None = None
        self.temperature_ = 1.0
        folds = min(self.cv, int(np.bincount(y_index).min()))
        if folds >= 2:
            oof = np.zeros((len(y_arr), len(self.classes_)), dtype=np.float64)
            splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
            for train, test in splitter.split(np.zeros(len(y_arr)), y_index):
                part = self._lr().fit(X[train], y_index[train], sample_weight=weight[train])
                oof[test] = -1e3  # a class missing from the fold gets no mass
                oof[np.ix_(test, part.classes_)] = _logits(part, X[test])
            self.oof_logits_ = oof
            scored = slice(None, calibration_rows)
            self.temperature_ = fit_temperature(oof[scored], y_index[scored])
        self.model_ = self._lr().fit(X, y_index, sample_weight=weight)
        self.n_iter_ = self.model_.n_iter_
        return self

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def class_logits(self, X: Any) -> np.ndarray:
        """Return temperature-scaled logits, one column per class (also when binary)."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        return _logits(self.model_, X) / self.temperature_

    def logits_unchecked(self, X: Any) -> np.ndarray:
        """Return scaled logits without input validation (the ensemble's hot path)."""
        scores = safe_sparse_dot(X, self.model_.coef_.T) + self.model_.intercept_
        scores = np.asarray(scores, dtype=np.float64)
        if scores.shape[1] == 1:
            scores = np.column_stack([np.zeros(len(scores)), scores[:, 0]])
        return scores / self.temperature_

    def decision_function(self, X: Any) -> np.ndarray:
        """Return scaled logits (binary: one score, positive favours ``classes_[1]``)."""
        logits = self.class_logits(X)
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return calibrated class probabilities."""
        return np.asarray(softmax(self.class_logits(X), axis=1))

    def predict(self, X: Any) -> np.ndarray:
        """Return the most probable class."""
        best = self.class_logits(X).argmax(axis=1)
        return np.asarray(self.classes_[best])


def _logits(model: LogisticRegression, X: Any) -> np.ndarray:
    """Return (n, n_classes) logits, expanding the binary case to two columns."""
    scores = np.asarray(model.decision_function(X), dtype=np.float64)
    if scores.ndim == 1:
        return np.column_stack([np.zeros_like(scores), scores])
    return scores


def intent_name_text(intent: str) -> str:
    """Read an intent name as an utterance: ``card_arrival`` → ``card arrival``."""
    return " ".join(intent.replace("_", " ").replace("-", " ").split()).lower()


def make_view(name: str, threads: int = 1) -> TransformerMixin:
    """Build the featuriser of view NAME."""
    if name == "tfidf":
        return TfidfFeatures()
    if name in ENCODERS:
        return EmbeddingFeatures(encoder=name, threads=threads)
    raise ValueError(f"unknown view {name!r}; choose from {VIEWS}")


class IntentEnsemble(ClassifierMixin, BaseEstimator):
    """Calibrated product-of-experts over TF-IDF, USE and MiniLM linear views.

    ``views`` picks the members; ``C`` gives each view's inverse regularisation
    (same order). ``weights`` fixes the exponent of each view in the product (then a
    temperature is fitted on the combination); left as None, the exponents are
    learned by minimising the out-of-fold log-loss, which also sets the sharpness.

    ``name_weight`` is the sample weight of each intent's name read as an utterance
    (0 turns it off); intents in ``unnamed`` (the out-of-scope class, whose name says
    nothing a customer would type) get none. The name rows are trained on but never
    scored: calibration and ``oof_proba_`` cover the given examples only.
    """

    def __init__(
        self,
        views: tuple[str, ...] = VIEWS,
        C: tuple[float, ...] = (10.0, 20.0, 20.0),
        weights: tuple[float, ...] | None = None,
        cv: int = 3,
        name_weight: float = 2.0,
        unnamed: tuple[str, ...] = (OUT_OF_SCOPE,),
        threads: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.views = views
        self.C = C
        self.weights = weights
        self.cv = cv
        self.name_weight = name_weight
        self.unnamed = unnamed
        self.threads = threads
        self.random_state = random_state

    def _fixed_weights(self) -> np.ndarray:
        if self.weights is None:
            return np.full(len(self.views), 1.0 / len(self.views))  # geometric mean
        w = np.asarray(self.weights, dtype=float)
        if len(w) != len(self.views):
            raise ValueError("weights must have one value per view")
        return w

    def fit(self, X: Sequence[str], y: Sequence[str]) -> IntentEnsemble:
        """Fit every view, then the temperature of their combination."""
        with limit_threads(self.threads):
            return self._fit(X, y)

    def _fit(self, X: Sequence[str], y: Sequence[str]) -> IntentEnsemble:
        if not self.views:
            raise ValueError("at least one view is required")
        if len(self.C) != len(self.views):
            raise ValueError("C must have one value per view")
        texts = list(X)
        y_arr = np.asarray(y)
        if len(texts) != len(y_arr):
            raise ValueError("X and y have different lengths")
        if self.name_weight < 0:
            raise ValueError("name_weight must not be negative")
        self.classes_ = unique_labels(y_arr)
        y_index = np.searchsorted(self.classes_, y_arr)
        # Only string labels are names; a weight of 0 turns the name examples off.
        use_names = self.name_weight > 0 and all(isinstance(c, str) for c in self.classes_)
        named = [str(c) for c in self.classes_ if use_names and str(c) not in self.unnamed]
        all_texts = texts + [intent_name_text(c) for c in named]
        all_y = np.asarray([*y_arr.tolist(), *named])
        weight = np.concatenate([np.ones(len(texts)), np.full(len(named), self.name_weight)])
        self.featurizers_: list[Any] = []
        self.classifiers_: list[CalibratedLogisticRegression] = []
        oof_parts: list[np.ndarray] = []
        for view, c in zip(self.views, self.C, strict=True):
            feat = clone(make_view(view, self.threads)).fit(all_texts)
            clf = CalibratedLogisticRegression(C=c, cv=self.cv, random_state=self.random_state)
            clf.fit_weighted(
                feat.transform(all_texts), all_y, sample_weight=weight, calibration_rows=len(texts)
            )
            self.featurizers_.append(feat)
            self.classifiers_.append(clf)
            if clf.oof_logits_ is not None:
                given = clf.oof_logits_[: len(texts)]
                oof_parts.append(log_softmax(given / clf.temperature_, axis=1))
                clf.oof_logits_ = None  # keep saved models small
        self.weights_ = self._fixed_weights()
        self.oof_proba_: np.ndarray | None = None
        if len(oof_parts) == len(self.views):
            stacked = np.stack(oof_parts)
            if self.weights is None:
                self.weights_ = fit_view_weights(stacked, y_index)
            else:
                combined = np.tensordot(self.weights_, stacked, axes=1)
                self.weights_ = self.weights_ / fit_temperature(combined, y_index)
            combined = np.tensordot(self.weights_, stacked, axes=1)
            self.oof_proba_ = np.asarray(softmax(combined, axis=1))
        return self

    def view_log_proba(self, X: Sequence[str]) -> list[np.ndarray]:
        """Return each view's calibrated log-probabilities."""
        check_is_fitted(self, "classifiers_")
        texts = list(X)
        with limit_threads(self.threads):
            return [
                _log_softmax_rows(clf.logits_unchecked(feat.transform(texts)))
                for feat, clf in zip(self.featurizers_, self.classifiers_, strict=True)
            ]

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Return calibrated intent probabilities (columns follow ``classes_``)."""
        views = np.stack(self.view_log_proba(X))  # checks fitted before weights_ is read
        combined = np.tensordot(self.weights_, views, axes=1)
        return np.exp(_log_softmax_rows(combined))

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Return the most probable intent."""
        best = self.predict_proba(X).argmax(axis=1)
        return np.asarray(self.classes_[best])


def _log_softmax_rows(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax in plain numpy (scipy's version costs more than the maths here)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return np.asarray(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))


def fit_view_weights(log_probas: np.ndarray, y_index: np.ndarray) -> np.ndarray:
    """Return non-negative view exponents minimising the log-loss of their product.

    ``log_probas`` is (n_views, n_samples, n_classes) of out-of-fold log-probabilities.
    """
    rows = np.arange(log_probas.shape[1])

    def nll(log_w: np.ndarray) -> float:
        combined = np.tensordot(np.exp(log_w), log_probas, axes=1)
        return float(-log_softmax(combined, axis=1)[rows, y_index].mean())

    start = np.full(log_probas.shape[0], np.log(1.0 / log_probas.shape[0]))
    res = minimize(nll, start, method="L-BFGS-B", bounds=[(-6.0, 3.0)] * len(start))
    return np.asarray(np.exp(res.x))


def top2(proba: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (best index, best probability, best minus second-best) per row."""
    if proba.shape[1] == 1:
        ones = np.ones(len(proba))
        return np.zeros(len(proba), dtype=int), proba[:, 0], ones
    part = np.partition(proba, -2, axis=1)
    return proba.argmax(axis=1), part[:, -1], part[:, -1] - part[:, -2]


class OutOfScopeDetector(BaseEstimator):
    """Reject a prediction when its confidence or its top-2 margin is too low.

    ``fit(proba, y)`` takes calibrated probabilities and, per row, the index of the
    true class or -1 for an out-of-scope example; ``oos_column`` names a trained
    out-of-scope class whose wins also count as rejections. It searches a grid of
    (threshold, margin) pairs and keeps the pair that maximises in-scope accuracy
    plus out-of-scope recall while losing at most ``max_in_scope_loss`` of in-scope
    accuracy (a rejected in-scope query counts as wrong). Without out-of-scope
    examples it takes the strictest pair inside that budget.
    """

    def __init__(
        self,
        max_in_scope_loss: float = 0.03,
        oos_column: int | None = None,
        grid_size: int = 41,
        tolerance: float = 0.005,
        use_margin: bool = True,
    ) -> None:
        self.max_in_scope_loss = max_in_scope_loss
        self.oos_column = oos_column
        self.grid_size = grid_size
        self.tolerance = tolerance
        self.use_margin = use_margin

    def _reject(self, proba: np.ndarray, threshold: float, margin: float) -> np.ndarray:
        best, p1, gap = top2(proba)
        reject = (p1 < threshold) | (gap < margin)
        if self.oos_column is not None:
            reject |= best == self.oos_column
        return np.asarray(reject)

    def fit(self, X: np.ndarray, y: Sequence[int]) -> OutOfScopeDetector:
        """Choose the threshold and the margin on held-out predictions."""
        proba = np.asarray(X, dtype=float)
        y_arr = np.asarray(y, dtype=int)
        if proba.ndim != 2 or len(proba) != len(y_arr):
            raise ValueError("X must be (n_samples, n_classes) matching y")
        in_scope = y_arr >= 0
        if not in_scope.any():
            raise ValueError("need in-scope examples to calibrate")
        if self.oos_column is not None:
            in_scope &= y_arr != self.oos_column
        oos = ~in_scope
        best, p1, gap = top2(proba)
        correct = best == y_arr
        base = float(correct[in_scope].mean())
        grid = np.linspace(0.0, 1.0, self.grid_size)
        candidates: list[tuple[float, float, float, float]] = []
        for threshold in grid:
            for margin in grid[: self.grid_size // 2 + 1] if self.use_margin else [0.0]:
                reject = (p1 < threshold) | (gap < margin)
                if self.oos_column is not None:
                    reject |= best == self.oos_column
                acc = float((correct & ~reject)[in_scope].mean())
                if acc < base - self.max_in_scope_loss:
                    continue
                recall = float(reject[oos].mean()) if oos.any() else 0.0
                strictness = float(reject[in_scope].mean())
                candidates.append((acc + recall, strictness, float(threshold), float(margin)))
        best_score = max(c[0] for c in candidates)
        # Near-ties go to the stricter rule: unseen nonsense is more varied than the
        # out-of-scope examples, so spare confidence is better spent on rejecting.
        near = [c for c in candidates if c[0] >= best_score - self.tolerance]
        _, _, self.threshold_, self.margin_ = max(near, key=lambda c: (c[1], c[0]))
        self.in_scope_accuracy_ = base
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Return True for rows to reject as out of scope."""
        check_is_fitted(self, "threshold_")
        return self._reject(np.asarray(X, dtype=float), self.threshold_, self.margin_)
