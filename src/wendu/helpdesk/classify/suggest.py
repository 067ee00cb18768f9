"""Suggest a category (product × issue), confidence and priority for a complaint text."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import yaml

from wendu.helpdesk.classify.model import ComplaintClassifier
from wendu.helpdesk.classify.priority import Reason, suggest_priority
from wendu.helpdesk.classify.text import has_chinese
from wendu.helpdesk.sla.policy import Priority
from wendu.helpdesk.taxonomy import Taxonomy, taxonomy


@dataclass(frozen=True)
class Suggestion:
    """What the classifier suggests for one complaint; agents confirm or correct it."""

    category: str
    product: str
    issue: str
    confidence: float
    priority: Priority
    reasons: tuple[Reason, ...]
    language: str
    alternatives: tuple[tuple[str, float], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "category": self.category,
            "product": self.product,
            "issue": self.issue,
            "confidence": round(self.confidence, 4),
            "priority": self.priority.value,
            "reasons": [
                {
                    "code": r.code,
                    "priority": r.priority.value,
                    "zh": r.zh,
                    "en": r.en,
                    "evidence": r.evidence,
                }
                for r in self.reasons
            ],
            "language": self.language,
            "alternatives": [[code, round(p, 4)] for code, p in self.alternatives],
        }


def load_training_data() -> tuple[list[str], list[str]]:
    """Return the bundled example complaints and their category codes."""
    raw = resources.files("wendu.helpdesk.data").joinpath("complaints.yml").read_text("utf-8")
    data = yaml.safe_load(raw)
    texts: list[str] = []
    labels: list[str] = []
    for code, examples in data.items():
        for text in examples:
            texts.append(str(text))
            labels.append(str(code))
    return texts, labels


class ComplaintSuggester:
    """Predict product and issue separately, then pick the most probable valid cell.

    Factorising keeps ~30 examples per product and per issue instead of ~7 per cell, and
    restricting to the taxonomy's cells stops impossible pairs such as a deposit's debt
    collection.
    """

    def __init__(
        self,
        product_model: ComplaintClassifier,
        issue_model: ComplaintClassifier,
        tax: Taxonomy | None = None,
    ) -> None:
        self.product_model = product_model
        self.issue_model = issue_model
        self.taxonomy = tax or taxonomy()
        cells = list(self.taxonomy)
        self._codes = [c.code for c in cells]
        p_index = {c: i for i, c in enumerate(product_model.classes_)}
        i_index = {c: i for i, c in enumerate(issue_model.classes_)}
        missing = [
            c.code for c in cells if c.product.code not in p_index or c.issue.code not in i_index
        ]
        if missing:
            raise ValueError(f"models were not trained on every cell: {missing[:5]}")
        self._p_cols = np.array([p_index[c.product.code] for c in cells])
        self._i_cols = np.array([i_index[c.issue.code] for c in cells])

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        categories: Sequence[str],
        *,
        random_state: int = 0,
        **params: Any,
    ) -> ComplaintSuggester:
        """Fit product and issue models on texts labelled with category codes."""
        tax = taxonomy()
        unknown = sorted({c for c in categories if c not in tax})
        if unknown:
            raise ValueError(f"unknown category codes: {unknown}")
        products = [tax.get(c).product.code for c in categories]
        issues = [tax.get(c).issue.code for c in categories]
        product_model = ComplaintClassifier(random_state=random_state, **params).fit(
            texts, products
        )
        issue_model = ComplaintClassifier(random_state=random_state, **params).fit(texts, issues)
        return cls(product_model, issue_model, tax)

    def category_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return P(cell | text) over :attr:`codes`, renormalised over valid cells."""
        joint = (
            self.product_model.predict_proba(texts)[:, self._p_cols]
            * self.issue_model.predict_proba(texts)[:, self._i_cols]
        )
        return np.asarray(joint / joint.sum(axis=1, keepdims=True))

    @property
    def codes(self) -> list[str]:
        """Return category codes in :meth:`category_proba` column order."""
        return list(self._codes)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """Return the most probable category code per text."""
        proba = self.category_proba(texts)
        return [self._codes[i] for i in np.argmax(proba, axis=1)]

    def suggest_many(self, texts: Iterable[str]) -> list[Suggestion]:
        """Return a suggestion per text."""
        batch = list(texts)
        if not batch:
            return []
        proba = self.category_proba(batch)
        out = []
        for text, row in zip(batch, proba, strict=True):
            order = np.argsort(-row)
            best = self.taxonomy.get(self._codes[order[0]])
            priority, reasons = suggest_priority(text, best.issue.code)
            out.append(
                Suggestion(
                    category=best.code,
                    product=best.product.code,
                    issue=best.issue.code,
                    confidence=float(row[order[0]]),
                    priority=priority,
                    reasons=tuple(reasons),
                    language="zh" if has_chinese(text) else "en",
                    alternatives=tuple((self._codes[i], float(row[i])) for i in order[1:4]),
                )
            )
        return out

    def suggest(self, text: str) -> Suggestion:
        """Return the suggestion for one complaint."""
        return self.suggest_many([text])[0]


_LOCK = threading.Lock()
_DEFAULT: list[ComplaintSuggester] = []


def load_default_classifier() -> ComplaintSuggester:
    """Return the suggester trained on the bundled examples (trained once per process)."""
    with _LOCK:
        if not _DEFAULT:
            texts, labels = load_training_data()
            _DEFAULT.append(ComplaintSuggester.train(texts, labels, random_state=0))
        return _DEFAULT[0]
