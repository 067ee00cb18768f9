"""Evaluation of an NLU model on labelled data: accuracy, macro-F1, confusions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from wendu.assistant.nlu.data import TrainingData
from wendu.assistant.nlu.model import NLUModel


@dataclass
class IntentScore:
    """Precision, recall and F1 of one intent."""

    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class EvaluationReport:
    """How a model did on a labelled set."""

    n_examples: int
    accuracy: float
    macro_f1: float
    per_intent: list[IntentScore] = field(default_factory=list)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "n_examples": self.n_examples,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "per_intent": [asdict(s) for s in self.per_intent],
            "confusions": [{"true": t, "predicted": p, "count": c} for t, p, c in self.confusions],
        }

    def render(self) -> str:
        """Return a plain-text report."""
        lines = [
            f"examples: {self.n_examples}",
            f"accuracy: {self.accuracy:.4f}",
            f"macro-F1: {self.macro_f1:.4f}",
            "",
            f"{'intent':<50} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>5}",
        ]
        for s in self.per_intent:
            lines.append(
                f"{s.intent:<50} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.support:5d}"
            )
        if self.confusions:
            lines += ["", "top confusions (true -> predicted: count)"]
            lines += [f"  {t} -> {p}: {c}" for t, p, c in self.confusions]
        return "\n".join(lines)


def score(
    y_true: Sequence[str], y_pred: Sequence[str], top_confusions: int = 10
) -> EvaluationReport:
    """Score predictions against the truth."""
    labels = sorted(set(y_true))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    per_intent = [
        IntentScore(label, float(p), float(r), float(f), int(n))
        for label, p, r, f, n in zip(labels, precision, recall, f1, support, strict=True)
    ]
    pairs = Counter((t, p) for t, p in zip(y_true, y_pred, strict=True) if t != p)
    return EvaluationReport(
        n_examples=len(y_true),
        accuracy=float(accuracy_score(y_true, y_pred)),
        macro_f1=float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        per_intent=per_intent,
        confusions=[(t, p, c) for (t, p), c in pairs.most_common(top_confusions)],
    )


def evaluate(model: NLUModel, data: TrainingData, top_confusions: int = 10) -> EvaluationReport:
    """Predict every example (out-of-scope rejection included) and score the result."""
    return score(data.labels, model.predict(data.texts), top_confusions)
