"""Automatic complaint categorisation and priority suggestion (zh/en)."""

from wendu.helpdesk.classify.model import ComplaintClassifier
from wendu.helpdesk.classify.priority import Reason, amounts, suggest_priority
from wendu.helpdesk.classify.suggest import (
    ComplaintSuggester,
    Suggestion,
    load_default_classifier,
    load_training_data,
)

__all__ = [
    "ComplaintClassifier",
    "ComplaintSuggester",
    "Reason",
    "Suggestion",
    "amounts",
    "load_default_classifier",
    "load_training_data",
    "suggest_priority",
]
